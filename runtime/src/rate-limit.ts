// Token bucket per key (participant identity). Pure: the caller passes the time.

export interface BucketOptions {
  /** Tokens added per second. */
  ratePerSec: number;
  /** Bucket size (burst). */
  burst: number;
  /** Forget keys idle this long (ms) to bound memory; default 60 s. */
  forgetAfterMs?: number;
}

interface Bucket {
  tokens: number;
  lastMs: number;
}

export class RateLimiter {
  readonly #rate: number;
  readonly #burst: number;
  readonly #forgetMs: number;
  readonly #buckets = new Map<string, Bucket>();
  #lastSweepMs = 0;

  constructor(opts: BucketOptions) {
    if (!(opts.ratePerSec > 0) || !(opts.burst >= 1)) throw new RangeError('ratePerSec must be > 0 and burst >= 1');
    this.#rate = opts.ratePerSec;
    this.#burst = opts.burst;
    this.#forgetMs = opts.forgetAfterMs ?? 60_000;
  }

  /** Takes `cost` tokens for `key` if available. Returns false (taking nothing) otherwise. */
  take(key: string, nowMs: number, cost = 1): boolean {
    this.#sweep(nowMs);
    let b = this.#buckets.get(key);
    if (!b) {
      b = { tokens: this.#burst, lastMs: nowMs };
      this.#buckets.set(key, b);
    } else if (nowMs > b.lastMs) {
      b.tokens = Math.min(this.#burst, b.tokens + ((nowMs - b.lastMs) / 1000) * this.#rate);
      b.lastMs = nowMs;
    }
    if (b.tokens < cost) return false;
    b.tokens -= cost;
    return true;
  }

  /** Drops the state of one key (e.g. participant left). */
  forget(key: string): void {
    this.#buckets.delete(key);
  }

  get size(): number {
    return this.#buckets.size;
  }

  #sweep(nowMs: number): void {
    if (nowMs - this.#lastSweepMs < this.#forgetMs) return;
    this.#lastSweepMs = nowMs;
    for (const [k, b] of this.#buckets) if (nowMs - b.lastMs >= this.#forgetMs) this.#buckets.delete(k);
  }
}
