// Kubernetes Events (events.k8s.io/v1) for sessions. client-node has no recorder: this one dedupes identical
// events (same object, type, reason, note) for a while, like client-go's spam filter, and never fails the caller.
import { V1MicroTime } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { EVENTS, type KubeClient } from './kube-client.ts';
import type { KubeObject } from './kube-types.ts';

export type EventType = 'Normal' | 'Warning';

/**
 * client-go's event name, `<object>.<unix nanoseconds in hex>`, cut to the 253 characters of a name. (A
 * `generateName` of `<object>.` is refused: a generated name may not end in a dot.)
 */
export function eventName(objectName: string, unixNanos: bigint): string {
  const suffix = `.${unixNanos.toString(16)}`;
  return `${objectName.slice(0, 253 - suffix.length).replace(/[-.]+$/, '')}${suffix}`;
}

export class EventRecorder {
  private readonly client: KubeClient;
  private readonly controller: string;
  private readonly instance: string;
  private readonly log: Logger;
  private readonly dedupeMs: number;
  private readonly recent = new Map<string, number>();
  /** Last timestamp used in a name: strictly increasing, so two events of one object in one ms get two names. */
  private lastNanos = 0n;
  /** Resolves when every emitted event was written (tests). */
  private pending = new Set<Promise<void>>();

  constructor(client: KubeClient, opts: { controller: string; instance: string; dedupeMs?: number }, log: Logger) {
    this.client = client;
    this.controller = opts.controller;
    this.instance = opts.instance;
    this.dedupeMs = opts.dedupeMs ?? 10 * 60_000;
    this.log = log.child({ component: 'events' });
  }

  /** Fire-and-forget: failures are logged, never thrown. */
  emit(obj: KubeObject, type: EventType, reason: string, action: string, note: string): void {
    const key = `${obj.metadata.uid}|${type}|${reason}|${note}`;
    const now = Date.now();
    const last = this.recent.get(key);
    if (last !== undefined && now - last < this.dedupeMs) return;
    this.recent.set(key, now);
    if (this.recent.size > 5000) {
      for (const [k, t] of this.recent) if (now - t >= this.dedupeMs) this.recent.delete(k);
    }
    const ns = obj.metadata.namespace ?? 'default';
    const ev = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: eventName(obj.metadata.name ?? '', this.nextNanos(now)), namespace: ns },
      eventTime: new V1MicroTime(now).toISOString(),
      reportingController: this.controller,
      reportingInstance: this.instance,
      action,
      reason,
      note: note.slice(0, 1024),
      type,
      regarding: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        namespace: ns,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
    };
    const p = this.client
      .create(EVENTS, ns, ev)
      .then(
        () => undefined,
        (e: unknown) => {
          this.recent.delete(key);
          this.log.warn({ err: e, reason, object: `${ns}/${obj.metadata.name}` }, 'could not record event');
        },
      )
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  private nextNanos(nowMs: number): bigint {
    const t = BigInt(nowMs) * 1_000_000n;
    this.lastNanos = t > this.lastNanos ? t : this.lastNanos + 1n;
    return this.lastNanos;
  }

  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
