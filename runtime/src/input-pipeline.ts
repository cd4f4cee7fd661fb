// The input path of the focus holder: a `browser-input` packet is checked (holder, per-participant rate limits,
// validation against the viewport, queue bound), mapped to engine calls (input-map.ts) and dispatched to the page
// strictly in arrival order. Other producers of engine calls (focus changes releasing held buttons, and later the
// agent actions API) enqueue through `enqueue` so everything reaches the page on one ordered chain.
import type { Logger } from 'pino';
import type { BrowserPage } from '@lkbrowser/native';
import { errMsg } from './errors.ts';
import type { FocusArbiter } from './focus.ts';
import { applyCall, type EngineCall, InputMapper } from './input-map.ts';
import { parseInputPacket } from './input-validation.ts';
import type { RuntimeMetrics } from './metrics.ts';
import { RateLimiter } from './rate-limit.ts';

const QUEUE_MAX_EVENTS = 1024;

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

  constructor(opts: InputPipelineOptions) {
    this.#o = opts;
    this.#packetLimiter = new RateLimiter({ ratePerSec: opts.packetsPerSec, burst: opts.packetsPerSec * 2 });
    this.#eventLimiter = new RateLimiter({ ratePerSec: opts.eventsPerSec, burst: opts.eventsPerSec * 2 });
  }

  /** One `browser-input` packet from `identity` (undefined: not from a known participant). */
  onPacket(identity: string | undefined, payload: Uint8Array, nowMs: number): void {
    if (this.#closed) return;
    const { metrics: m, focus, page } = this.#o;
    if (identity === undefined || !focus.isHolder(identity)) {
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
    void this.enqueue(
      r.events.flatMap((ev) => this.#mapper.map(ev)),
      r.events.length,
    );
  }

  /** Runs engine calls in order after everything queued before; `events` count against the queue bound.
   *  Resolves when these calls were applied (failures are counted and logged, never thrown). */
  enqueue(calls: EngineCall[], events: number): Promise<void> {
    if (calls.length === 0) return this.#chain;
    const { page, metrics: m } = this.#o;
    this.#pendingEvents += events;
    this.#chain = this.#chain.then(async () => {
      try {
        for (const c of calls) {
          if (this.#closed || page.crashed) {
            m.inputErrors.inc();
            continue;
          }
          try {
            await applyCall(page, c);
          } catch (e) {
            m.inputErrors.inc();
            this.#o.logger.debug({ err: errMsg(e), method: c.method }, 'input dispatch failed');
          }
        }
      } finally {
        this.#pendingEvents -= events;
      }
    });
    return this.#chain;
  }

  /** Focus moved: release every button and key the previous holder left pressed. */
  releaseAll(): void {
    void this.enqueue(this.#mapper.releaseAll(), 0);
  }

  /** The engine restarted: it has no buttons or keys held any more. */
  engineRestarted(): void {
    this.#mapper.reset();
  }

  forget(identity: string): void {
    this.#packetLimiter.forget(identity);
    this.#eventLimiter.forget(identity);
  }

  /** Resolves when every accepted input event was dispatched to the engine (tests, shutdown). */
  flush(): Promise<void> {
    return this.#chain;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#chain;
  }
}
