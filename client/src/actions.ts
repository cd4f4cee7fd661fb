// The wire form of browser/actions is @lkbrowser/protocol's (Action, ActionsRequest, BatchResult, limits, defaults);
// this adds what only a client needs: call options and the RPC timeout a batch deserves.
import { ACTION_DEFAULTS, type Action } from '@lkbrowser/protocol';

export type {
  Action,
  ActionButton as Button,
  ActionResult,
  BatchResult,
  FrameRef,
  ScrollDirection,
  XY,
} from '@lkbrowser/protocol';

export interface ActionOptions {
  /** Answer after the first frame captured after the last action (it is on the video track by then). */
  waitFrame?: boolean;
  frameTimeoutMs?: number;
  /** RPC response timeout; default covers the batch's own waits + 10 s. */
  timeoutMs?: number;
}

/** The time a batch may legitimately take on the runtime (its waits), for the RPC timeout. */
export function batchWaitMs(actions: readonly Action[]): number {
  const d = ACTION_DEFAULTS;
  let ms = 0;
  for (const a of actions) {
    if (a.type === 'wait') ms += a.ms ?? d.waitMs;
    else if (a.type === 'hold_key') ms += a.durationMs ?? d.holdKeyMs;
    else if (a.type === 'wait_for_load') ms += a.timeoutMs ?? d.loadTimeoutMs;
    else if (a.type === 'wait_for_settle') ms += a.timeoutMs ?? d.settleTimeoutMs;
    else if (a.type === 'navigate' || a.type === 'back' || a.type === 'forward' || a.type === 'reload')
      ms += d.navigationMs;
  }
  return ms;
}
