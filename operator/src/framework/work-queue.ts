// A de-duplicating, rate-limited work queue of keys with client-go semantics:
// - a key queued twice is queued once ("dirty" set);
// - a key re-added while being processed is re-queued only when processing is done, so one key never runs
//   concurrently and N events collapse into one reconcile;
// - addRateLimited delays by max(per-key exponential 5 ms·2^n capped at 1000 s, overall token bucket 10 qps / 100).

export interface RateLimiter {
  when(key: string): number;
  forget(key: string): void;
  retries(key: string): number;
}

export class ItemExponentialRateLimiter implements RateLimiter {
  private readonly failures = new Map<string, number>();
  readonly baseMs: number;
  readonly maxMs: number;
  constructor(baseMs = 5, maxMs = 1_000_000) {
    this.baseMs = baseMs;
    this.maxMs = maxMs;
  }
  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const d = this.baseMs * 2 ** n;
    return Number.isFinite(d) ? Math.min(d, this.maxMs) : this.maxMs;
  }
  forget(key: string): void {
    this.failures.delete(key);
  }
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}

/** golang.org/x/time/rate style token bucket: returns how long the caller must wait for its token. */
export class BucketRateLimiter implements RateLimiter {
  readonly qps: number;
  readonly burst: number;
  private tokens: number;
  private last: number;
  private readonly now: () => number;
  constructor(qps = 10, burst = 100, now: () => number = () => performance.now()) {
    this.qps = qps;
    this.burst = burst;
    this.tokens = burst;
    this.now = now;
    this.last = now();
  }
  when(_key: string): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.qps);
    this.last = t;
    this.tokens -= 1; // reserve: may go negative, the wait is the time to refill to zero
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }
  forget(_key: string): void {
    // the bucket is shared by all keys: nothing to forget per key
  }
  retries(_key: string): number {
    return 0;
  }
}

export class MaxOfRateLimiter implements RateLimiter {
  private readonly limiters: RateLimiter[];
  constructor(...limiters: RateLimiter[]) {
    this.limiters = limiters;
  }
  when(key: string): number {
    return Math.max(...this.limiters.map((l) => l.when(key)));
  }
  forget(key: string): void {
    for (const l of this.limiters) l.forget(key);
  }
  retries(key: string): number {
    return Math.max(...this.limiters.map((l) => l.retries(key)));
  }
}

export function defaultControllerRateLimiter(): RateLimiter {
  return new MaxOfRateLimiter(new ItemExponentialRateLimiter(5, 1_000_000), new BucketRateLimiter(10, 100));
}

export interface QueueHooks {
  onAdd?(key: string): void;
  onGet?(key: string, waitedMs: number): void;
  onRetry?(key: string): void;
  onDepth?(depth: number): void;
}

/** FIFO with O(1) shift (Array.prototype.shift moves every element: quadratic over a 5,000-key burst). */
class Fifo {
  private items: string[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(k: string): void {
    this.items.push(k);
  }
  shift(): string | undefined {
    if (this.head >= this.items.length) return undefined;
    const k = this.items[this.head++];
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return k;
  }
  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

export class WorkQueue {
  private readonly queue = new Fifo();
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly addedAt = new Map<string, number>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  /** key → [due time, timer] of the earliest pending delayed add */
  private readonly delayed = new Map<string, { due: number; timer: NodeJS.Timeout }>();
  private shuttingDown = false;
  private drainWaiters: (() => void)[] = [];
  readonly limiter: RateLimiter;
  private readonly hooks: QueueHooks;

  constructor(limiter: RateLimiter = defaultControllerRateLimiter(), hooks: QueueHooks = {}) {
    this.limiter = limiter;
    this.hooks = hooks;
  }

  get length(): number {
    return this.queue.length;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.hooks.onAdd?.(key);
    if (this.processing.has(key)) return;
    this.push(key);
  }

  private push(key: string): void {
    this.addedAt.set(key, performance.now());
    const w = this.waiters.shift();
    if (w) {
      this.take(key);
      w(key);
      return;
    }
    this.queue.push(key);
    this.hooks.onDepth?.(this.queue.length);
  }

  private take(key: string): void {
    this.processing.add(key);
    this.dirty.delete(key);
    const at = this.addedAt.get(key);
    this.addedAt.delete(key);
    this.hooks.onGet?.(key, at === undefined ? 0 : performance.now() - at);
  }

  /** Waits for the next key; undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.hooks.onDepth?.(this.queue.length);
      this.take(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks a key processed; re-queues it if it was added meanwhile. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      if (this.shuttingDown) this.dirty.delete(key);
      else this.push(key);
    }
    if (this.processing.size === 0) for (const d of this.drainWaiters.splice(0)) d();
  }

  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const due = performance.now() + ms;
    const cur = this.delayed.get(key);
    if (cur && cur.due <= due) return; // an earlier add is already pending
    if (cur) clearTimeout(cur.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { due, timer });
  }

  addRateLimited(key: string): void {
    this.hooks.onRetry?.(key);
    this.addAfter(key, this.limiter.when(key));
  }

  forget(key: string): void {
    this.limiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.limiter.retries(key);
  }

  /** Stops accepting keys, wakes idle getters with undefined and waits for in-flight keys to finish. */
  async shutDownWithDrain(): Promise<void> {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    this.queue.clear();
    this.dirty.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
    if (this.processing.size > 0) await new Promise<void>((r) => this.drainWaiters.push(r));
  }
}
