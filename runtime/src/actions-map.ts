// Input actions of the actions API → `browser-input` events (the room's own event form, CEF conventions), so they
// take the input pipeline's path (validation, limits, held-button tracking) like a viewer's packets. Pure.
import { ACTION_LIMITS, type Action, type Point } from './actions-parse.ts';
import { CefFlag } from '@lkbrowser/protocol';
import { comboEvents, type RawKeyEvent } from './key-names.ts';
import type { MouseButton as MouseButtonIndex } from '@lkbrowser/protocol';

export type RawMouseEvent =
  | { type: 'mousemove'; x: number; y: number; modifiers: number }
  | {
      type: 'mousedown' | 'mouseup';
      x: number;
      y: number;
      button: MouseButtonIndex;
      clickCount: number;
      modifiers: number;
    }
  | { type: 'wheel'; x: number; y: number; deltaX: number; deltaY: number; modifiers: number };
export type RawEvent = RawMouseEvent | RawKeyEvent;

const BUTTON_FLAG: Record<MouseButtonIndex, number> = {
  0: CefFlag.LeftMouse,
  1: CefFlag.MiddleMouse,
  2: CefFlag.RightMouse,
};
/** Pointer moves of a drag are at most this far apart, so pages see a continuous motion. */
const DRAG_STEP_PX = 25;
const DRAG_MAX_STEPS_PER_SEGMENT = 20;

function dragMoves(from: Point, to: Point, flags: number): RawMouseEvent[] {
  const dist = Math.hypot(to.x - from.x, to.y - from.y);
  const steps = Math.min(DRAG_MAX_STEPS_PER_SEGMENT, Math.max(1, Math.ceil(dist / DRAG_STEP_PX)));
  const out: RawMouseEvent[] = [];
  for (let i = 1; i <= steps; i++) {
    const x = from.x + ((to.x - from.x) * i) / steps;
    const y = from.y + ((to.y - from.y) * i) / steps;
    out.push({ type: 'mousemove', x, y, modifiers: flags });
  }
  return out;
}

/** The events of an input action; `cursor` is the pointer position (for mouse_down/up without coordinates).
 *  Returns undefined for actions that are not input (wait, navigation, cursor_position). */
export function actionEvents(a: Action, cursor: Point): RawEvent[] | undefined {
  switch (a.type) {
    case 'click': {
      const evs: RawEvent[] = [{ type: 'mousemove', x: a.x, y: a.y, modifiers: a.modifiers }];
      for (let n = 1; n <= a.count; n++) {
        const b = { x: a.x, y: a.y, button: a.button, clickCount: n, modifiers: a.modifiers };
        evs.push({ type: 'mousedown', ...b }, { type: 'mouseup', ...b });
      }
      return evs;
    }
    case 'mouse_move':
      return [{ type: 'mousemove', x: a.x, y: a.y, modifiers: a.modifiers }];
    case 'mouse_down':
    case 'mouse_up': {
      const p = a.x !== undefined && a.y !== undefined ? { x: a.x, y: a.y } : cursor;
      const evs: RawEvent[] = [];
      if (a.x !== undefined)
        evs.push({
          type: 'mousemove',
          x: p.x,
          y: p.y,
          modifiers: a.modifiers | (a.type === 'mouse_up' ? BUTTON_FLAG[a.button] : 0),
        });
      evs.push({
        type: a.type === 'mouse_down' ? 'mousedown' : 'mouseup',
        x: p.x,
        y: p.y,
        button: a.button,
        clickCount: 1,
        modifiers: a.modifiers,
      });
      return evs;
    }
    case 'drag': {
      const [first, ...rest] = a.path as [Point, ...Point[]];
      const held = a.modifiers | BUTTON_FLAG[a.button];
      const evs: RawEvent[] = [
        { type: 'mousemove', x: first.x, y: first.y, modifiers: a.modifiers },
        { type: 'mousedown', x: first.x, y: first.y, button: a.button, clickCount: 1, modifiers: a.modifiers },
      ];
      let prev = first;
      for (const p of rest) {
        evs.push(...dragMoves(prev, p, held));
        prev = p;
      }
      evs.push({ type: 'mouseup', x: prev.x, y: prev.y, button: a.button, clickCount: 1, modifiers: a.modifiers });
      return evs;
    }
    case 'scroll': {
      // Room wheel sign (seed/CEF): positive deltaY scrolls up, positive deltaX scrolls left.
      const step = ACTION_LIMITS.scrollStepPx;
      const dy = a.direction === 'up' ? step : a.direction === 'down' ? -step : 0;
      const dx = a.direction === 'left' ? step : a.direction === 'right' ? -step : 0;
      const evs: RawEvent[] = [{ type: 'mousemove', x: a.x, y: a.y, modifiers: a.modifiers }];
      for (let i = 0; i < a.amount; i++)
        evs.push({ type: 'wheel', x: a.x, y: a.y, deltaX: dx, deltaY: dy, modifiers: a.modifiers });
      return evs;
    }
    case 'type':
      return typeEvents(a.text);
    case 'key':
      return a.combos.flatMap((c) => comboEvents(c, 'press'));
    default:
      return undefined;
  }
}

const ENTER = comboEvents({ modifiers: [], key: { keyCode: 13, key: 'Enter', code: 'Enter', text: '\r' } }, 'press');
const TAB = comboEvents({ modifiers: [], key: { keyCode: 9, key: 'Tab', code: 'Tab' } }, 'press');

/** Text is inserted as text (any script, like a paste); a newline presses Enter and a tab presses Tab, so forms
 *  submit and focus moves as if typed. */
export function typeEvents(text: string): RawEvent[] {
  const evs: RawEvent[] = [];
  for (const part of text.replace(/\r\n?/g, '\n').split(/([\n\t])/)) {
    if (part === '\n') evs.push(...ENTER);
    else if (part === '\t') evs.push(...TAB);
    else if (part !== '') evs.push({ type: 'text', text: part });
  }
  return evs;
}
