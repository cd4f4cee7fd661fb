// Parse and validate a `browser/actions` request (docs/room-protocol.md, "Actions"; its wire types, limits and
// defaults are @lkbrowser/protocol's ActionsRequest, ACTION_LIMITS, ACTION_DEFAULTS) into the runtime's normalized
// form (buttons as indices, modifiers as flags, every default filled in). Pure, never throws.
// The whole batch is validated before anything runs: one bad action refuses the batch (nothing applied), so an
// agent never has to guess how far a half-valid batch got.
import { type KeyCombo, parseKeys, parseModifierFlags } from './key-names.ts';
import {
  ACTION_DEFAULTS,
  ACTION_LIMITS,
  type MouseButton as MouseButtonIndex,
  type ScrollDirection,
} from '@lkbrowser/protocol';
import type { Viewport } from './input-validation.ts';

export { ACTION_LIMITS };

export type { ScrollDirection };
export interface Point {
  x: number;
  y: number;
}

export type Action =
  | { type: 'click'; x: number; y: number; button: MouseButtonIndex; count: 1 | 2 | 3; modifiers: number }
  | { type: 'mouse_move'; x: number; y: number; modifiers: number }
  | { type: 'mouse_down' | 'mouse_up'; x?: number; y?: number; button: MouseButtonIndex; modifiers: number }
  | { type: 'drag'; path: Point[]; button: MouseButtonIndex; modifiers: number }
  | { type: 'cursor_position' }
  | { type: 'scroll'; x: number; y: number; direction: ScrollDirection; amount: number; modifiers: number }
  | { type: 'type'; text: string }
  | { type: 'key'; keys: string; combos: KeyCombo[] }
  | { type: 'hold_key'; keys: string; combos: KeyCombo[]; durationMs: number }
  | { type: 'wait'; ms: number }
  | { type: 'navigate'; url: string }
  | { type: 'back' | 'forward' | 'reload' }
  | { type: 'wait_for_load'; timeoutMs: number }
  | { type: 'wait_for_settle'; quietMs: number; timeoutMs: number };

export interface ActionBatch {
  actions: Action[];
  /** Answer only after a frame captured after the last action was published (or frameTimeoutMs passed). */
  waitFrame: boolean;
  frameTimeoutMs: number;
}

export type BatchParse = { ok: true; batch: ActionBatch } | { ok: false; error: string };

class Bad extends Error {}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Bad(`${what} must be an object`);
  return v as Record<string, unknown>;
}

function coord(o: Record<string, unknown>, k: string, max: number): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Bad(`${k} must be a number`);
  if (v < 0 || v >= max) throw new Bad(`${k}=${v} is outside the viewport (0..${max - 1})`);
  return v;
}

function point(o: Record<string, unknown>, vp: Viewport): Point {
  return { x: coord(o, 'x', vp.width), y: coord(o, 'y', vp.height) };
}

function optInt(o: Record<string, unknown>, k: string, def: number, lo: number, hi: number): number {
  const v = o[k];
  if (v === undefined || v === null) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi)
    throw new Bad(`${k} must be an integer ${lo}..${hi}`);
  return v;
}

function mods(o: Record<string, unknown>): number {
  const f = parseModifierFlags(o.modifiers);
  if (typeof f === 'string') throw new Bad(f);
  return f;
}

const BUTTONS: Record<string, MouseButtonIndex> = { left: 0, middle: 1, right: 2 };
function button(o: Record<string, unknown>, def: MouseButtonIndex): MouseButtonIndex {
  const v = o.button;
  if (v === undefined || v === null) return def;
  if (typeof v !== 'string' || !(v in BUTTONS)) throw new Bad('button must be "left", "middle" or "right"');
  return BUTTONS[v] as MouseButtonIndex;
}

function keys(o: Record<string, unknown>): { keys: string; combos: KeyCombo[] } {
  const r = parseKeys(o.keys);
  if (!r.ok) throw new Bad(r.error);
  return { keys: o.keys as string, combos: r.combos };
}

/** The time an action may spend waiting, for the batch budget. */
export function actionWaitMs(a: Action): number {
  switch (a.type) {
    case 'wait':
      return a.ms;
    case 'hold_key':
      return a.durationMs;
    case 'wait_for_load':
    case 'wait_for_settle':
      return a.timeoutMs;
    default:
      return 0;
  }
}

export function parseAction(raw: unknown, vp: Viewport): Action {
  const o = obj(raw, 'action');
  const t = o.type;
  switch (t) {
    case 'left_click':
    case 'right_click':
    case 'middle_click':
    case 'double_click':
    case 'triple_click':
    case 'click': {
      const p = point(o, vp);
      const btn: MouseButtonIndex =
        t === 'right_click' ? 2 : t === 'middle_click' ? 1 : t === 'click' ? button(o, 0) : 0;
      const count = (
        t === 'double_click' ? 2 : t === 'triple_click' ? 3 : t === 'click' ? optInt(o, 'count', 1, 1, 3) : 1
      ) as 1 | 2 | 3;
      return { type: 'click', x: p.x, y: p.y, button: btn, count, modifiers: mods(o) };
    }
    case 'mouse_move': {
      const p = point(o, vp);
      return { type: 'mouse_move', x: p.x, y: p.y, modifiers: mods(o) };
    }
    case 'mouse_down':
    case 'mouse_up':
    case 'left_mouse_down':
    case 'left_mouse_up': {
      const type = t === 'mouse_down' || t === 'left_mouse_down' ? 'mouse_down' : 'mouse_up';
      const btn = t.startsWith('left_') ? 0 : button(o, 0);
      const a: Action = { type, button: btn, modifiers: mods(o) };
      if (o.x !== undefined || o.y !== undefined) Object.assign(a, point(o, vp));
      return a;
    }
    case 'drag': {
      const path = o.path;
      if (!Array.isArray(path) || path.length < 2 || path.length > ACTION_LIMITS.maxDragPoints) {
        throw new Bad(`path must be an array of 2..${ACTION_LIMITS.maxDragPoints} {x,y} points`);
      }
      return {
        type: 'drag',
        path: path.map((p) => point(obj(p, 'path point'), vp)),
        button: button(o, 0),
        modifiers: mods(o),
      };
    }
    case 'cursor_position':
      return { type: 'cursor_position' };
    case 'scroll': {
      const p = point(o, vp);
      const d = o.direction ?? ACTION_DEFAULTS.scrollDirection;
      if (d !== 'up' && d !== 'down' && d !== 'left' && d !== 'right')
        throw new Bad('direction must be up, down, left or right');
      return {
        type: 'scroll',
        x: p.x,
        y: p.y,
        direction: d,
        amount: optInt(o, 'amount', ACTION_DEFAULTS.scrollAmount, 1, ACTION_LIMITS.maxScrollAmount),
        modifiers: mods(o),
      };
    }
    case 'type': {
      const text = o.text;
      if (typeof text !== 'string' || text.length === 0 || text.length > ACTION_LIMITS.maxTextChars) {
        throw new Bad(`text must be a string of 1..${ACTION_LIMITS.maxTextChars} chars`);
      }
      return { type: 'type', text };
    }
    case 'key':
      return { type: 'key', ...keys(o) };
    case 'hold_key':
      return {
        type: 'hold_key',
        ...keys(o),
        durationMs: optInt(o, 'durationMs', ACTION_DEFAULTS.holdKeyMs, 0, ACTION_LIMITS.maxWaitMs),
      };
    case 'wait':
      return { type: 'wait', ms: optInt(o, 'ms', ACTION_DEFAULTS.waitMs, 0, ACTION_LIMITS.maxWaitMs) };
    case 'navigate': {
      const url = o.url;
      if (typeof url !== 'string' || url.trim() === '' || url.length > ACTION_LIMITS.maxUrlChars)
        throw new Bad('url must be a non-empty string');
      return { type: 'navigate', url };
    }
    case 'back':
    case 'forward':
    case 'reload':
      return { type: t };
    case 'wait_for_load':
      return {
        type: 'wait_for_load',
        timeoutMs: optInt(o, 'timeoutMs', ACTION_DEFAULTS.loadTimeoutMs, 1, ACTION_LIMITS.maxWaitMs),
      };
    case 'wait_for_settle':
      return {
        type: 'wait_for_settle',
        quietMs: optInt(o, 'quietMs', ACTION_DEFAULTS.settleQuietMs, 50, 5000),
        timeoutMs: optInt(o, 'timeoutMs', ACTION_DEFAULTS.settleTimeoutMs, 1, ACTION_LIMITS.maxWaitMs),
      };
    default:
      throw new Bad(typeof t === 'string' ? `unknown action type "${t.slice(0, 40)}"` : 'action.type must be a string');
  }
}

/** `{"actions":[...],"waitFrame"?:bool,"frameTimeoutMs"?:int}` → a validated batch. */
export function parseActionBatch(payload: string, vp: Viewport): BatchParse {
  if (Buffer.byteLength(payload) > ACTION_LIMITS.maxPayloadBytes) return { ok: false, error: 'payload too large' };
  let body: Record<string, unknown>;
  try {
    body = obj(JSON.parse(payload), 'payload');
  } catch (e) {
    return { ok: false, error: e instanceof Bad ? e.message : 'payload is not JSON' };
  }
  const list = body.actions;
  if (!Array.isArray(list) || list.length === 0 || list.length > ACTION_LIMITS.maxActions) {
    return { ok: false, error: `actions must be an array of 1..${ACTION_LIMITS.maxActions} actions` };
  }
  const actions: Action[] = [];
  for (const [i, raw] of list.entries()) {
    try {
      actions.push(parseAction(raw, vp));
    } catch (e) {
      if (!(e instanceof Bad)) throw e;
      return { ok: false, error: `actions[${i}]: ${e.message}` };
    }
  }
  const budget = actions.reduce((s, a) => s + actionWaitMs(a), 0);
  if (budget > ACTION_LIMITS.maxBatchWaitMs) {
    return { ok: false, error: `waits and timeouts add up to ${budget} ms (at most ${ACTION_LIMITS.maxBatchWaitMs})` };
  }
  const wf = body.waitFrame;
  if (wf !== undefined && typeof wf !== 'boolean') return { ok: false, error: 'waitFrame must be a boolean' };
  let frameTimeoutMs: number = ACTION_DEFAULTS.frameTimeoutMs;
  try {
    frameTimeoutMs = optInt(body, 'frameTimeoutMs', ACTION_DEFAULTS.frameTimeoutMs, 1, ACTION_LIMITS.maxWaitMs);
  } catch (e) {
    if (!(e instanceof Bad)) throw e;
    return { ok: false, error: e.message };
  }
  return { ok: true, batch: { actions, waitFrame: wf === true, frameTimeoutMs } };
}
