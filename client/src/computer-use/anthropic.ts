// Anthropic's computer-use tool (`computer_20250124`; `computer_20241022` is its subset) → actions. Pure.
// https://docs.anthropic.com — tool input: {action, coordinate?, start_coordinate?, text?, scroll_direction?,
// scroll_amount?, duration?}; `text` carries the key combo for key/hold_key and held modifiers for clicks/scroll.
import type { Action, ScrollDirection } from '../actions.ts';
import type { Scaler } from './scaling.ts';
import { type ComputerStep, ToolInputError } from './step.ts';

export const ANTHROPIC_TOOL_TYPE = 'computer_20250124';

/** The tool definition to send to the model (display size = what screenshots are scaled to). */
export function anthropicComputerTool(s: Scaler): {
  type: string;
  name: 'computer';
  display_width_px: number;
  display_height_px: number;
} {
  return {
    type: ANTHROPIC_TOOL_TYPE,
    name: 'computer',
    display_width_px: s.model.width,
    display_height_px: s.model.height,
  };
}

function xy(v: unknown, what: string, s: Scaler): { x: number; y: number } {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((n) => typeof n === 'number' && Number.isFinite(n))) {
    throw new ToolInputError(`${what} must be [x, y]`);
  }
  return s.toPage(v[0] as number, v[1] as number);
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string' || v === '') throw new ToolInputError(`${what} must be a non-empty string`);
  return v;
}

/** xdotool-style combos from the model; the runtime's key table reads them as they are ("ctrl+a", "Return"). */
function mods(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

const CLICKS = {
  left_click: 'left_click',
  right_click: 'right_click',
  middle_click: 'middle_click',
  double_click: 'double_click',
  triple_click: 'triple_click',
} as const;

export function fromAnthropic(input: unknown, s: Scaler): ComputerStep {
  if (typeof input !== 'object' || input === null) throw new ToolInputError('tool input must be an object');
  const i = input as Record<string, unknown>;
  const step = (actions: Action[], screenshot = false, cursorPosition = false): ComputerStep => ({
    actions,
    screenshot,
    cursorPosition,
  });
  const a = i.action;
  switch (a) {
    case 'screenshot':
      return step([], true);
    case 'cursor_position':
      return step([], false, true);
    case 'mouse_move':
      return step([{ type: 'mouse_move', ...xy(i.coordinate, 'coordinate', s) }]);
    case 'left_click':
    case 'right_click':
    case 'middle_click':
    case 'double_click':
    case 'triple_click': {
      // computer_20250124 allows a click without coordinate: at the pointer.
      const m = mods(i.text);
      if (i.coordinate === undefined) {
        const button = a === 'right_click' ? 'right' : a === 'middle_click' ? 'middle' : 'left';
        const n = a === 'double_click' ? 2 : a === 'triple_click' ? 3 : 1;
        const acts: Action[] = [];
        for (let k = 0; k < n; k++) acts.push({ type: 'mouse_down', button }, { type: 'mouse_up', button });
        return step(acts);
      }
      return step([{ type: CLICKS[a], ...xy(i.coordinate, 'coordinate', s), ...(m ? { modifiers: m } : {}) }]);
    }
    case 'left_click_drag':
      return step([
        { type: 'drag', path: [xy(i.start_coordinate, 'start_coordinate', s), xy(i.coordinate, 'coordinate', s)] },
      ]);
    case 'left_mouse_down':
      return step([{ type: 'mouse_down', button: 'left' }]);
    case 'left_mouse_up':
      return step([{ type: 'mouse_up', button: 'left' }]);
    case 'type':
      return step([{ type: 'type', text: str(i.text, 'text') }]);
    case 'key':
      return step([{ type: 'key', keys: str(i.text, 'text') }]);
    case 'hold_key': {
      const d = typeof i.duration === 'number' && i.duration >= 0 ? i.duration : 0.5;
      return step([
        { type: 'hold_key', keys: str(i.text, 'text'), durationMs: Math.min(10_000, Math.round(d * 1000)) },
      ]);
    }
    case 'scroll': {
      const dir = i.scroll_direction ?? 'down';
      if (dir !== 'up' && dir !== 'down' && dir !== 'left' && dir !== 'right')
        throw new ToolInputError('scroll_direction must be up/down/left/right');
      const amount =
        typeof i.scroll_amount === 'number' && i.scroll_amount >= 1 ? Math.min(50, Math.round(i.scroll_amount)) : 3;
      const at =
        i.coordinate === undefined
          ? s.toPage(s.model.width / 2, s.model.height / 2)
          : xy(i.coordinate, 'coordinate', s);
      const m = mods(i.text);
      return step([
        { type: 'scroll', ...at, direction: dir as ScrollDirection, amount, ...(m ? { modifiers: m } : {}) },
      ]);
    }
    case 'wait': {
      const d = typeof i.duration === 'number' && i.duration >= 0 ? i.duration : 1;
      return step([{ type: 'wait', ms: Math.min(10_000, Math.round(d * 1000)) }]);
    }
    default:
      throw new ToolInputError(`unsupported computer action ${JSON.stringify(a)}`);
  }
}
