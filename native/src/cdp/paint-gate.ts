// Input that waits for a new page's first paint (the Xvfb engine's counterpart of native/cef-host/src/input.rs Gate).
// Chromium's renderer drops input that reaches a new document before it painted: a click sent right after a
// cross-site navigation committed (new renderer) was lost in ~1 of 4 runs of native/test/engine.test.ts, typing after
// it in others. So from a main-frame commit until the first paint captured after it, PageDriver's input queue waits
// here; bounded in time (a page that never paints releases after `limitMs`). Clock: µs on the monotonic clock the
// engine stamps paints with (process.hrtime.bigint() / 1000).

export const PAINT_GATE_LIMIT_MS = 2000;

export class PaintGate {
  readonly limitMs: number;
  #since: number | undefined;
  #waiters: Array<() => void> = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(limitMs = PAINT_GATE_LIMIT_MS) {
    this.limitMs = limitMs;
  }

  /** A new document committed in the main frame at `nowUs`: hold input (a hold in progress keeps its start). */
  hold(nowUs: number): void {
    if (this.#since !== undefined) return;
    this.#since = nowUs;
    this.#timer = setTimeout(() => this.#open(), this.limitMs);
    this.#timer.unref();
  }

  /** A paint captured at `captureUs`: it shows the new document if it was captured after the commit was seen. */
  painted(captureUs: number): void {
    if (this.#since !== undefined && captureUs >= this.#since) this.#open();
  }

  /** Undefined while open (no await, no reordering); else resolves when the new page painted or the limit passed. */
  pass(): Promise<void> | undefined {
    if (this.#since === undefined) return undefined;
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  get holding(): boolean {
    return this.#since !== undefined;
  }

  /** Lets everything through (the page closed or its browser is gone). */
  open(): void {
    this.#open();
  }

  #open(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#since = undefined;
    for (const w of this.#waiters.splice(0)) w();
  }
}

/** Now on the paint clock (µs). */
export function monoUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
