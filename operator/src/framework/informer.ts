// List+watch cache of one resource (optionally one namespace / label selector) with the resilience client-node's
// ListWatch lacks: bookmarks advance the resourceVersion, 410 Gone triggers a relist (diffed against the cache so
// handlers see the deletes they missed), any other error or end of stream re-watches with jittered exponential
// backoff, and a silent stream is aborted by the inactivity watchdog (client-node Watch.requestTimeoutMs).
import type { Logger } from 'pino';
import type { KubeClient, ResourceRef, WatchEventType, WatchHandle } from './kube-client.ts';
import type { KubeObject } from './kube-types.ts';
import { objectKey } from './kube-types.ts';

export interface InformerHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(obj: T, old: T): void;
  onDelete?(obj: T): void;
}

export interface InformerOptions<T> {
  namespace?: string;
  labelSelector?: string;
  /** Abort a watch that delivered nothing (no event, no bookmark) for this long. */
  watchdogMs: number;
  /** Server-side watch timeout range (seconds); a random value in it is used per watch, like client-go. */
  minWatchTimeoutSeconds?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  onWatchRestart?(reason: string): void;
  /**
   * Applied to every listed and watched object before it is cached and handed to handlers (client-go's
   * SetTransform): keep only what readers use, e.g. drop managedFields (see cache-transform.ts).
   */
  transform?(obj: T): T;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

interface WatchEnd {
  reason: 'gone' | 'closed' | 'error' | 'stopped';
  err?: unknown;
  progressed: boolean;
}

export class Informer<T extends KubeObject> {
  readonly res: ResourceRef;
  private readonly client: KubeClient;
  private readonly opts: InformerOptions<T>;
  private readonly log: Logger;
  private readonly handlers: InformerHandlers<T>[] = [];
  private readonly cache = new Map<string, T>();
  private resourceVersion = '';
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private readonly abort = new AbortController();
  private current: WatchHandle | undefined;
  private loop: Promise<void> | undefined;
  /** Counters, for tests and metrics. */
  readonly stats = { lists: 0, watches: 0, gone: 0, watchdogAborts: 0, errors: 0 };

  constructor(client: KubeClient, res: ResourceRef, opts: InformerOptions<T>, log: Logger) {
    this.client = client;
    this.res = res;
    this.opts = opts;
    this.log = log.child({ informer: res.plural, namespace: opts.namespace ?? '*' });
  }

  addHandlers(h: InformerHandlers<T>): void {
    this.handlers.push(h);
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  hasSynced(): boolean {
    return this.synced;
  }

  lastResourceVersion(): string {
    return this.resourceVersion;
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((r) => this.syncWaiters.push(r));
  }

  start(): void {
    if (!this.loop) this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.current?.stop();
    for (const w of this.syncWaiters.splice(0)) w(); // never leave waiters hanging after stop
    await this.loop;
  }

  private emit(kind: 'add' | 'update' | 'delete', obj: T, old?: T): void {
    for (const h of this.handlers) {
      try {
        if (kind === 'add') h.onAdd?.(obj);
        else if (kind === 'update') h.onUpdate?.(obj, old as T);
        else h.onDelete?.(obj);
      } catch (e) {
        this.log.error({ err: e, key: objectKey(obj) }, 'informer handler threw');
      }
    }
  }

  private async relist(): Promise<void> {
    this.stats.lists++;
    const { items, resourceVersion } = await this.client.list<T>(this.res, this.opts.namespace, {
      labelSelector: this.opts.labelSelector,
    });
    const seen = new Set<string>();
    const transform = this.opts.transform;
    for (const listed of items) {
      const obj = transform ? transform(listed) : listed;
      const key = objectKey(obj);
      seen.add(key);
      const old = this.cache.get(key);
      this.cache.set(key, obj);
      if (!old) this.emit('add', obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit('update', obj, old);
    }
    for (const [key, old] of [...this.cache]) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        this.emit('delete', old); // a delete we missed while disconnected
      }
    }
    this.resourceVersion = resourceVersion;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private apply(type: WatchEventType, raw: unknown): 'ok' | 'gone' | 'error' {
    if (type === 'ERROR') {
      const st = raw as { code?: number; reason?: string; message?: string };
      if (st?.code === 410) return 'gone';
      this.log.warn({ status: st }, 'watch ERROR event');
      return 'error';
    }
    const rv = (raw as T)?.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (type === 'BOOKMARK') return 'ok';
    const obj = this.opts.transform ? this.opts.transform(raw as T) : (raw as T);
    const key = objectKey(obj);
    const old = this.cache.get(key);
    if (type === 'DELETED') {
      this.cache.delete(key);
      this.emit('delete', obj);
    } else {
      this.cache.set(key, obj);
      if (old) this.emit('update', obj, old);
      else this.emit('add', obj);
    }
    return 'ok';
  }

  private watchOnce(): Promise<WatchEnd> {
    return new Promise<WatchEnd>((resolve) => {
      let progressed = false;
      let settled = false;
      const finish = (end: WatchEnd) => {
        if (settled) return;
        settled = true;
        this.current?.stop();
        this.current = undefined;
        resolve(end);
      };
      const min = this.opts.minWatchTimeoutSeconds ?? 300;
      this.stats.watches++;
      this.client
        .watch(
          this.res,
          this.opts.namespace,
          {
            resourceVersion: this.resourceVersion,
            labelSelector: this.opts.labelSelector,
            timeoutSeconds: Math.floor(min * (1 + Math.random())),
            inactivityMs: this.opts.watchdogMs,
          },
          (type, obj) => {
            if (settled) return;
            const r = this.apply(type, obj);
            if (r === 'gone') finish({ reason: 'gone', progressed });
            else if (r === 'error') finish({ reason: 'error', err: obj, progressed });
            else progressed = true;
          },
          (err) => {
            if (this.abort.signal.aborted) return finish({ reason: 'stopped', progressed });
            const code = (err as { statusCode?: number } | null)?.statusCode;
            if (code === 410) return finish({ reason: 'gone', progressed });
            finish(err ? { reason: 'error', err, progressed } : { reason: 'closed', progressed });
          },
        )
        .then(
          (h) => {
            if (settled) h.stop();
            else this.current = h;
          },
          (err) => finish({ reason: 'error', err, progressed }),
        );
    });
  }

  private async run(): Promise<void> {
    const base = this.opts.backoffBaseMs ?? 800;
    const max = this.opts.backoffMaxMs ?? 30_000;
    let failures = 0;
    let needList = true;
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
      } catch (e) {
        this.stats.errors++;
        failures++;
        const d = Math.min(max, base * 2 ** (failures - 1)) * (0.5 + Math.random() / 2);
        this.log.warn({ err: e, retryInMs: Math.round(d) }, 'list failed');
        await sleep(d, signal);
        continue;
      }
      const end = await this.watchOnce();
      if (signal.aborted || end.reason === 'stopped') break;
      if (end.progressed) failures = 0;
      if (end.reason === 'gone') {
        this.stats.gone++;
        this.log.info({ resourceVersion: this.resourceVersion }, 'watch expired (410 Gone): relisting');
        this.opts.onWatchRestart?.('gone');
        needList = true;
        continue;
      }
      if (end.reason === 'closed' && end.progressed) {
        // Normal server-side timeout: re-watch at once from the last resourceVersion.
        this.opts.onWatchRestart?.('closed');
        continue;
      }
      if (end.reason === 'closed') end.err = new Error('watch closed before delivering any event');
      const err = end.err as { name?: string } | undefined;
      if (err?.name === 'TimeoutError') {
        this.stats.watchdogAborts++;
        this.log.warn({ watchdogMs: this.opts.watchdogMs }, 'watch silent for too long: restarting it');
        this.opts.onWatchRestart?.('watchdog');
        continue;
      }
      this.stats.errors++;
      failures++;
      this.opts.onWatchRestart?.('error');
      const d = Math.min(max, base * 2 ** (failures - 1)) * (0.5 + Math.random() / 2);
      this.log.warn({ err: end.err, retryInMs: Math.round(d) }, 'watch failed: re-watching after backoff');
      await sleep(d, signal);
    }
  }
}
