// The input path of the focus holder: a `browser-input` packet is checked (holder, per-participant rate limits,
// validation against the viewport, queue bound), mapped to engine calls (input-map.ts) and dispatched to the page
// strictly in arrival order. Other producers of engine calls (focus changes releasing held buttons, and later the
// actions API, through `submit`) enqueue through `enqueue` so everything reaches the page on one ordered chain.
// Wheel notches of the room's input are animated (wheel-smoothing.ts): their steps join the chain on a 60 Hz clock.
// The actions API's wheels are not: an agent expects the page scrolled when its call resolves.
import type { Logger } from 'pino';
import type { BrowserPage } from '@lkbrowser/native';
import { errMsg } from './errors.ts';
import type { FocusArbiter } from './focus.ts';
import { applyCall, type EngineCall, InputMapper } from './input-map.ts';
import {
  type EventDropReason,
  parseInputPacket,
  type ValidInputEvent,
  validateInputEvent,
} from './input-validation.ts';
import type { RuntimeMetrics } from './metrics.ts';
import { RateLimiter } from './rate-limit.ts';
import { WHEEL_STEP_MS, type WheelStep, WheelSmoother } from './wheel-smoothing.ts';

const QUEUE_MAX_EVENTS = 1024;

export type SubmitRefusal =
  | 'closed'
  | 'not_focused'
  | 'rate_limited'
  | 'queue_full'
  | 'dispatch_failed'
  | EventDropReason;
export type SubmitResult = { ok: true } | { ok: false; reason: SubmitRefusal };

export interface InputPipelineOptions {
  page: BrowserPage;
  focus: FocusArbiter;
  metrics: RuntimeMetrics;
  logger: Logger;
  packetsPerSec: number;
  eventsPerSec: number;
}

export class InputPipeline {
  readonly #o: InputPipelineOptions;
  readonly #mapper = new InputMapper();
  readonly #packetLimiter: RateLimiter;
  readonly #eventLimiter: RateLimiter;
  #chain: Promise<void> = Promise.resolve();
  #pendingEvents = 0;
  #closed = false;
  readonly #wheel = new WheelSmoother();
  #wheelClock: NodeJS.Timeout | undefined;
  #wheelInFlight = false;

  constructor(opts: InputPipelineOptions) {
    this.#o = opts;
    this.#packetLimiter = new RateLimiter({ ratePerSec: opts.packetsPerSec, burst: opts.packetsPerSec * 2 });
    this.#eventLimiter = new RateLimiter({ ratePerSec: opts.eventsPerSec, burst: opts.eventsPerSec * 2 });
  }

  /** One `browser-input` packet from `identity` (undefined: not from a known participant). */
  onPacket(identity: string | undefined, payload: Uint8Array, nowMs: number): void {
    if (this.#closed) return;
    const { metrics: m, focus, page } = this.#o;
    if (identity === undefined) {
      // rtc-node names no sender the room has not announced yet (participant-announcements.ts): not attributable.
      m.inputPackets.inc({ result: 'unknown_sender' });
      return;
    }
    if (!focus.isHolder(identity)) {
      m.inputPackets.inc({ result: 'not_focused' });
      return;
    }
    if (!this.#packetLimiter.take(identity, nowMs)) {
      m.inputPackets.inc({ result: 'rate_limited' });
      return;
    }
    const r = parseInputPacket(payload, { width: page.width, height: page.height });
    for (const [reason, n] of Object.entries(r.dropped)) m.inputEvents.inc({ result: reason }, n);
    if (r.rejected) {
      m.inputPackets.inc({ result: r.rejected });
      return;
    }
    if (r.events.length > 0 && !this.#eventLimiter.take(identity, nowMs, r.events.length)) {
      m.inputPackets.inc({ result: 'rate_limited' });
      m.inputEvents.inc({ result: 'rate_limited' }, r.events.length);
      return;
    }
    if (this.#pendingEvents + r.events.length > QUEUE_MAX_EVENTS) {
      m.inputPackets.inc({ result: 'queue_full' });
      m.inputEvents.inc({ result: 'queue_full' }, r.events.length);
      return;
    }
    m.inputPackets.inc({ result: 'accepted' });
    if (r.events.length === 0) return;
    m.inputEvents.inc({ result: 'accepted' }, r.events.length);
    focus.activity(identity, nowMs);
    const calls: EngineCall[] = [];
    let wheeled = false;
    for (const c of r.events.flatMap((ev) => this.#mapper.map(ev))) {
      if (c.method !== 'wheel') {
        calls.push(c);
        continue;
      }
      const before = this.#wheel.add(c);
      if (before) calls.push(wheelCall(before));
      // A new animation's first step goes at once, in its place among the packet's events (no added latency);
      // a running one takes the notch into its remaining steps.
      const first = this.#wheelClock ? undefined : this.#wheel.next();
      if (first) calls.push(wheelCall(first));
      wheeled = true;
    }
    void this.enqueue(calls, r.events.length);
    if (wheeled && !this.#wheelClock) this.#wheelClock = setInterval(() => this.#wheelTick(), WHEEL_STEP_MS);
  }

  /** One step per WHEEL_STEP_MS while the engine keeps up; the clock stops with the animation. */
  #wheelTick(): void {
    if (this.#wheelInFlight) return; // the engine is behind: the steps wait (paced by it, never piling up)
    const step = this.#closed ? undefined : this.#wheel.next();
    if (!step) {
      clearInterval(this.#wheelClock);
      this.#wheelClock = undefined;
      return;
    }
    this.#wheelInFlight = true;
    void this.enqueue([wheelCall(step)], 0).finally(() => {
      this.#wheelInFlight = false;
    });
  }

  /** Runs engine calls in order after everything queued before; `events` count against the queue bound.
   *  Resolves, when these calls were applied, to how many of them failed (failures are counted and logged,
   *  never thrown). */
  enqueue(calls: EngineCall[], events: number): Promise<number> {
    if (calls.length === 0) return this.#chain.then(() => 0);
    const { page, metrics: m } = this.#o;
    this.#pendingEvents += events;
    const run = this.#chain.then(async () => {
      let failed = 0;
      try {
        for (const c of calls) {
          if (this.#closed || page.crashed) {
            m.inputErrors.inc();
            failed++;
            continue;
          }
          try {
            await applyCall(page, c);
          } catch (e) {
            m.inputErrors.inc();
            failed++;
            this.#o.logger.debug({ err: errMsg(e), method: c.method }, 'input dispatch failed');
          }
        }
      } finally {
        this.#pendingEvents -= events;
      }
      return failed;
    });
    this.#chain = run.then(() => undefined);
    return run;
  }

  /**
   * Input from the actions API (actions-runner.ts): events in the room's `browser-input` form, checked exactly like
   * a packet's (holder, event rate limit, validation, queue bound) but all-or-nothing, and answered: resolves when
   * they were applied, or at once with the reason they were refused.
   */
  submit(identity: string, raw: readonly unknown[], nowMs: number): Promise<SubmitResult> {
    const { metrics: m, focus, page } = this.#o;
    if (this.#closed) return Promise.resolve({ ok: false, reason: 'closed' });
    if (!focus.isHolder(identity)) {
      m.inputPackets.inc({ result: 'not_focused' });
      return Promise.resolve({ ok: false, reason: 'not_focused' });
    }
    const events: ValidInputEvent[] = [];
    for (const r of raw) {
      const v = validateInputEvent(r, { width: page.width, height: page.height });
      if (typeof v === 'string') {
        m.inputEvents.inc({ result: v });
        return Promise.resolve({ ok: false, reason: v });
      }
      events.push(v);
    }
    if (events.length > 0 && !this.#eventLimiter.take(identity, nowMs, events.length)) {
      m.inputEvents.inc({ result: 'rate_limited' }, events.length);
      return Promise.resolve({ ok: false, reason: 'rate_limited' });
    }
    if (this.#pendingEvents + events.length > QUEUE_MAX_EVENTS) {
      m.inputEvents.inc({ result: 'queue_full' }, events.length);
      return Promise.resolve({ ok: false, reason: 'queue_full' });
    }
    m.inputEvents.inc({ result: 'accepted' }, events.length);
    focus.activity(identity, nowMs);
    return this.enqueue(
      events.flatMap((ev) => this.#mapper.map(ev)),
      events.length,
    ).then((failed) => (failed === 0 ? { ok: true } : { ok: false, reason: 'dispatch_failed' }));
  }

  /** Where the pointer is (last mouse event of any driver). */
  get cursor(): { x: number; y: number } {
    return this.#mapper.position;
  }

  /** Focus moved: release every button and key the previous holder left pressed. */
  releaseAll(): void {
    void this.enqueue(this.#mapper.releaseAll(), 0);
  }

  /** The engine restarted: it has no buttons or keys held any more, and a scroll under way is moot. */
  engineRestarted(): void {
    this.#mapper.reset();
    this.#wheel.flush();
  }

  forget(identity: string): void {
    this.#packetLimiter.forget(identity);
    this.#eventLimiter.forget(identity);
  }

  /** Resolves when every accepted input event was dispatched to the engine, wheel animations included. */
  async flush(): Promise<void> {
    while (this.#wheelClock) await new Promise((r) => setTimeout(r, WHEEL_STEP_MS));
    await this.#chain;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#wheelClock);
    this.#wheelClock = undefined;
    await this.#chain;
  }
}

function wheelCall(s: WheelStep): EngineCall {
  return { method: 'wheel', x: s.x, y: s.y, deltaX: s.deltaX, deltaY: s.deltaY, modifiers: s.modifiers };
}
