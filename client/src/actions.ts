// The wire form of browser/actions (docs/room-protocol.md, "Actions"): what a client sends and gets back.

export type Button = 'left' | 'middle' | 'right';
export type ScrollDirection = 'up' | 'down' | 'left' | 'right';
export interface XY {
  x: number;
  y: number;
}

/** `modifiers` are "+"-joined names: "shift", "ctrl+shift", "cmd". */
export type Action =
  | ({ type: 'left_click' | 'right_click' | 'middle_click' | 'double_click' | 'triple_click'; modifiers?: string } & XY)
  | ({ type: 'click'; button?: Button; count?: 1 | 2 | 3; modifiers?: string } & XY)
  | ({ type: 'mouse_move'; modifiers?: string } & XY)
  | { type: 'mouse_down' | 'mouse_up'; x?: number; y?: number; button?: Button; modifiers?: string }
  | { type: 'left_mouse_down' | 'left_mouse_up'; x?: number; y?: number }
  | { type: 'drag'; path: XY[]; button?: Button; modifiers?: string }
  | { type: 'cursor_position' }
  | ({ type: 'scroll'; direction?: ScrollDirection; amount?: number; modifiers?: string } & XY)
  | { type: 'type'; text: string }
  | { type: 'key'; keys: string }
  | { type: 'hold_key'; keys: string; durationMs?: number }
  | { type: 'wait'; ms?: number }
  | { type: 'navigate'; url: string }
  | { type: 'back' | 'forward' | 'reload' }
  | { type: 'wait_for_load'; timeoutMs?: number }
  | { type: 'wait_for_settle'; quietMs?: number; timeoutMs?: number };

export type ActionResult = ({ ok: true } & Record<string, unknown>) | { ok: false; code: number; error: string };

export interface FrameRef {
  seq: number;
  width: number;
  height: number;
  captureTimeUs: string;
}

export interface BatchResult {
  results: ActionResult[];
  cursor: XY;
  url: string;
  frame?: FrameRef | null;
}

export interface ActionOptions {
  /** Answer after the first frame captured after the last action (it is on the video track by then). */
  waitFrame?: boolean;
  frameTimeoutMs?: number;
  /** RPC response timeout; default covers the batch's own waits + 10 s. */
  timeoutMs?: number;
}

/** The time a batch may legitimately take on the runtime (its waits), for the RPC timeout. */
export function batchWaitMs(actions: readonly Action[]): number {
  let ms = 0;
  for (const a of actions) {
    if (a.type === 'wait') ms += a.ms ?? 1000;
    else if (a.type === 'hold_key') ms += a.durationMs ?? 500;
    else if (a.type === 'wait_for_load') ms += a.timeoutMs ?? 10_000;
    else if (a.type === 'wait_for_settle') ms += a.timeoutMs ?? 5000;
    else if (a.type === 'navigate' || a.type === 'back' || a.type === 'forward' || a.type === 'reload') ms += 7000;
  }
  return ms;
}
