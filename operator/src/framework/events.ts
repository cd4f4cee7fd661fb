// Kubernetes Events (events.k8s.io/v1) for sessions. client-node has no recorder: this one dedupes identical
// events (same object, type, reason, note) for a while, like client-go's spam filter, and never fails the caller.
// Events are best-effort, like client-go's broadcaster: they are written in the background by a few writers
// (MAX_IN_FLIGHT) so a burst (5,000 sessions created at once: one PodCreated each) never competes with reconcile
// writes for the API server, and beyond MAX_QUEUED waiting events new ones are dropped and counted (client-go's
// queue is 1000 too).
import { V1MicroTime } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { EVENTS, type KubeClient } from './kube-client.ts';
import type { KubeObject } from './kube-types.ts';

export type EventType = 'Normal' | 'Warning';

export const MAX_IN_FLIGHT = 4;
export const MAX_QUEUED = 1000;

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
  private readonly queued: { key: string; ns: string; ev: KubeObject & Record<string, unknown> }[] = [];
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private lastDropLog = 0;
  /** Events dropped because MAX_QUEUED were waiting (tests, logs). */
  dropped = 0;
  /** Events written (tests). */
  written = 0;

  constructor(client: KubeClient, opts: { controller: string; instance: string; dedupeMs?: number }, log: Logger) {
    this.client = client;
    this.controller = opts.controller;
    this.instance = opts.instance;
    this.dedupeMs = opts.dedupeMs ?? 10 * 60_000;
    this.log = log.child({ component: 'events' });
  }

  /** The dedupe window: keys kept in time order (deleted and re-set), expired ones pruned from the front. */
  private seenRecently(key: string, now: number): boolean {
    const last = this.recent.get(key);
    if (last !== undefined && now - last < this.dedupeMs) return true;
    this.recent.delete(key);
    this.recent.set(key, now);
    for (const [k, t] of this.recent) {
      if (now - t < this.dedupeMs) break;
      this.recent.delete(k);
    }
    return false;
  }

  /** Fire-and-forget: failures are logged, never thrown. */
  emit(obj: KubeObject, type: EventType, reason: string, action: string, note: string): void {
    const key = `${obj.metadata.uid}|${type}|${reason}|${note}`;
    const now = Date.now();
    if (this.seenRecently(key, now)) return;
    if (this.queued.length >= MAX_QUEUED) {
      this.recent.delete(key);
      this.dropped++;
      if (now - this.lastDropLog >= 10_000) {
        this.lastDropLog = now;
        this.log.warn({ dropped: this.dropped, queued: this.queued.length }, 'event queue full: dropping events');
      }
      return;
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
    this.queued.push({ key, ns, ev });
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT) {
      const next = this.queued.shift();
      if (!next) break;
      this.inFlight++;
      const { key, ns, ev } = next;
      this.client
        .create(EVENTS, ns, ev)
        .then(
          () => {
            this.written++;
          },
          (e: unknown) => {
            this.recent.delete(key);
            const regarding = ev.regarding as { name?: string };
            this.log.warn({ err: e, reason: ev.reason, object: `${ns}/${regarding.name}` }, 'could not record event');
          },
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
          if (this.inFlight === 0 && this.queued.length === 0) for (const w of this.idleWaiters.splice(0)) w();
        });
    }
  }

  private nextNanos(nowMs: number): bigint {
    const t = BigInt(nowMs) * 1_000_000n;
    this.lastNanos = t > this.lastNanos ? t : this.lastNanos + 1n;
    return this.lastNanos;
  }

  /** Resolves when every queued event was written or failed (tests, graceful shutdown). */
  async flush(): Promise<void> {
    if (this.inFlight === 0 && this.queued.length === 0) return;
    await new Promise<void>((r) => this.idleWaiters.push(r));
  }
}
