// Runs a validated `browser/actions` batch for the focus holder, in order: input actions go through the input
// pipeline (same checks and queue as `browser-input`), navigation through the navigation policy, waits against
// the page (readyState) and the video (paints). The first failing action stops the batch; later ones are
// reported as skipped. Answers per-action results and, when asked, the first frame published after the batch.
import { RpcError } from '@livekit/rtc-node';
import type { Logger } from 'pino';
import type { BrowserPage } from '@lkbrowser/native';
import { actionEvents } from './actions-map.ts';
import type { Action, ActionBatch } from './actions-parse.ts';
import { comboEvents } from './key-names.ts';
import { errMsg } from './errors.ts';
import type { FocusArbiter } from './focus.ts';
import type { InputPipeline, SubmitRefusal } from './input-pipeline.ts';
import type { RuntimeMetrics } from './metrics.ts';
import { type ActionResult, type BatchResult, type FrameRef, RpcCode } from '@lkbrowser/protocol';
import type { PublishedFrame } from './video-publisher.ts';

export type { ActionResult, BatchResult, FrameRef };

export interface ActionsContext {
  page: BrowserPage;
  metrics: RuntimeMetrics;
  focus: FocusArbiter;
  input: InputPipeline;
  logger: Logger;
  nowMs: () => number;
  url: () => string;
  /** performance.now() of the last paint and the last URL change. */
  lastPaintMs: () => number;
  lastUrlChangeMs: () => number;
  navigate: (url: string) => Promise<void>;
  history: (kind: 'back' | 'forward' | 'reload') => Promise<boolean>;
  waitPublishedAfter: (afterUs: bigint, timeoutMs: number) => Promise<PublishedFrame | null>;
  requestFrame: () => void;
}

const monoUs = (): bigint => process.hrtime.bigint() / 1000n;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** A paint that shows a change normally follows its input within a frame or two; if none came by then the
 *  screen did not change and a repaint is requested so the answer still carries a frame. */
const NATURAL_FRAME_WAIT_MS = 150;
const POLL_MS = 50;
const EVALUATE_TIMEOUT_MS = 1000;

class ActionFailure extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

function refusalCode(r: SubmitRefusal): number {
  switch (r) {
    case 'not_focused':
      return RpcCode.NotFocused;
    case 'rate_limited':
    case 'queue_full':
      return RpcCode.RateLimited;
    case 'closed':
    case 'dispatch_failed':
      return RpcCode.BrowserError;
    default:
      return RpcCode.BadRequest;
  }
}

export class ActionsRunner {
  readonly #c: ActionsContext;

  constructor(ctx: ActionsContext) {
    this.#c = ctx;
  }

  async run(caller: string, batch: ActionBatch): Promise<BatchResult> {
    const results: ActionResult[] = [];
    let failed = false;
    for (const a of batch.actions) {
      if (failed) {
        results.push({ ok: false, code: RpcCode.Skipped, error: 'skipped: an earlier action failed' });
        continue;
      }
      try {
        results.push({ ok: true, ...(await this.#one(caller, a)) });
        this.#c.metrics.actions.inc({ type: a.type, result: 'ok' });
      } catch (e) {
        failed = true;
        const code: number =
          e instanceof ActionFailure ? e.code : e instanceof RpcError ? (e.code as number) : RpcCode.BrowserError;
        this.#c.metrics.actions.inc({ type: a.type, result: String(code) });
        results.push({ ok: false, code, error: errMsg(e) });
      }
    }
    const out: BatchResult = { results, cursor: this.#c.input.cursor, url: this.#c.url() };
    if (batch.waitFrame) out.frame = await this.#frameAfter(monoUs(), batch.frameTimeoutMs);
    return out;
  }

  async #frameAfter(afterUs: bigint, timeoutMs: number): Promise<FrameRef | null> {
    const c = this.#c;
    const deadline = c.nowMs() + timeoutMs;
    let f = await c.waitPublishedAfter(afterUs, Math.min(NATURAL_FRAME_WAIT_MS, timeoutMs));
    if (!f) {
      c.requestFrame();
      const left = deadline - c.nowMs();
      if (left > 0) f = await c.waitPublishedAfter(afterUs, left);
    }
    return f && { seq: f.seq, width: f.width, height: f.height, captureTimeUs: f.captureTimeUs.toString() };
  }

  async #input(caller: string, events: readonly unknown[]): Promise<void> {
    const r = await this.#c.input.submit(caller, events, this.#c.nowMs());
    if (!r.ok) throw new ActionFailure(refusalCode(r.reason), `input refused: ${r.reason}`);
  }

  #holder(caller: string): void {
    if (!this.#c.focus.isHolder(caller)) {
      throw new ActionFailure(RpcCode.NotFocused, `not the focus holder (holder: ${this.#c.focus.holder ?? 'none'})`);
    }
  }

  async #one(caller: string, a: Action): Promise<Record<string, unknown>> {
    const c = this.#c;
    this.#holder(caller);
    const events = actionEvents(a, c.input.cursor);
    if (events) {
      await this.#input(caller, events);
      return {};
    }
    switch (a.type) {
      case 'cursor_position':
        return { ...c.input.cursor };
      case 'hold_key': {
        const down = a.combos.flatMap((k) => comboEvents(k, 'down'));
        const up = [...a.combos].reverse().flatMap((k) => comboEvents(k, 'up'));
        await this.#input(caller, down);
        await sleep(a.durationMs);
        // Released even if focus moved meanwhile (then the pipeline's focus-change release already did it).
        if (c.focus.isHolder(caller)) await this.#input(caller, up);
        return {};
      }
      case 'wait':
        await sleep(a.ms);
        return {};
      case 'navigate':
        await c.navigate(a.url);
        return {};
      case 'back':
      case 'forward':
        return { navigated: await c.history(a.type) };
      case 'reload':
        await c.history('reload');
        return {};
      case 'wait_for_load':
        await this.#until(a.timeoutMs, async () => (await this.#readyState()) === 'complete', 'page load');
        return {};
      case 'wait_for_settle': {
        const start = c.nowMs();
        await this.#until(
          a.timeoutMs,
          async () => {
            const since = Math.max(start, c.lastPaintMs(), c.lastUrlChangeMs());
            return c.nowMs() - since >= a.quietMs && (await this.#readyState()) === 'complete';
          },
          'page to settle',
        );
        return {};
      }
      default:
        throw new ActionFailure(RpcCode.BadRequest, `action ${a.type} has no runner`);
    }
  }

  async #until(timeoutMs: number, cond: () => Promise<boolean>, what: string): Promise<void> {
    const end = this.#c.nowMs() + timeoutMs;
    for (;;) {
      if (await cond()) return;
      if (this.#c.nowMs() >= end)
        throw new ActionFailure(RpcCode.Timeout, `timed out after ${timeoutMs} ms waiting for the ${what}`);
      await sleep(POLL_MS);
    }
  }

  /** document.readyState, or undefined while the page cannot answer (navigating, crashed). */
  async #readyState(): Promise<string | undefined> {
    const page = this.#c.page;
    if (page.crashed) return undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        page.evaluate<string>('document.readyState'),
        new Promise<undefined>((r) => {
          timer = setTimeout(() => r(undefined), EVALUATE_TIMEOUT_MS);
        }),
      ]);
    } catch (e) {
      // Evaluating across a navigation fails ("context destroyed"): not ready yet.
      this.#c.logger.debug({ err: errMsg(e) }, 'readyState not available');
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
