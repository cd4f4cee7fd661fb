// OpenAI's computer-use tool (`computer_use_preview`, Responses API `computer_call.action`) → actions. Pure.
// Actions: click {x,y,button: left|right|wheel|back|forward}, double_click, drag {path}, keypress {keys: [...]},
// move, screenshot, scroll {x,y,scroll_x,scroll_y} (pixels), type {text}, wait.
import type { Action } from '../actions.ts';
import type { Scaler } from './scaling.ts';
import { type ComputerStep, ToolInputError } from './step.ts';

/** The tool definition to send to the model. */
export function openaiComputerTool(
  s: Scaler,
  environment = 'browser',
): { type: 'computer_use_preview'; display_width: number; display_height: number; environment: string } {
  return { type: 'computer_use_preview', display_width: s.model.width, display_height: s.model.height, environment };
}

function num(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ToolInputError(`${what} must be a number`);
  return v;
}

/** OpenAI key names (upper-case, e.g. ["CTRL","A"], ["ENTER"], ["ARROWDOWN"]) → one "+"-joined combo. */
const KEY_ALIASES: Record<string, string> = {
  CMD: 'meta',
  SUPER: 'meta',
  WIN: 'meta',
  OPTION: 'alt',
  RETURN: 'Return',
  ESC: 'Escape',
  SPACE: 'space',
};
export function openaiKeys(keys: unknown): string {
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'string' && k !== '')) {
    throw new ToolInputError('keys must be a non-empty array of key names');
  }
  return (keys as string[]).map((k) => KEY_ALIASES[k.toUpperCase()] ?? (k === ' ' ? 'space' : k)).join('+');
}

export function fromOpenAI(action: unknown, s: Scaler): ComputerStep {
  if (typeof action !== 'object' || action === null) throw new ToolInputError('action must be an object');
  const a = action as Record<string, unknown>;
  const step = (actions: Action[], screenshot = false): ComputerStep => ({
    actions,
    screenshot,
    cursorPosition: false,
  });
  const at = (): { x: number; y: number } => s.toPage(num(a.x, 'x'), num(a.y, 'y'));
  switch (a.type) {
    case 'screenshot':
      return step([], true);
    case 'click': {
      const b = a.button ?? 'left';
      if (b === 'back') return step([{ type: 'back' }]);
      if (b === 'forward') return step([{ type: 'forward' }]);
      const button = b === 'right' ? 'right' : b === 'wheel' ? 'middle' : b === 'left' ? 'left' : undefined;
      if (!button) throw new ToolInputError(`unsupported button ${JSON.stringify(b)}`);
      return step([{ type: 'click', ...at(), button }]);
    }
    case 'double_click':
      return step([{ type: 'double_click', ...at() }]);
    case 'move':
      return step([{ type: 'mouse_move', ...at() }]);
    case 'drag': {
      const path = a.path;
      if (!Array.isArray(path) || path.length < 2) throw new ToolInputError('path must have at least 2 points');
      return step([
        {
          type: 'drag',
          path: path.map((p) =>
            s.toPage(
              num((p as Record<string, unknown>)?.x, 'path.x'),
              num((p as Record<string, unknown>)?.y, 'path.y'),
            ),
          ),
        },
      ]);
    }
    case 'scroll': {
      const p = at();
      const acts: Action[] = [];
      // Pixels → 100 px notches (at least one per non-zero axis), scaled like coordinates.
      const sy = num(a.scroll_y ?? 0, 'scroll_y') * (s.viewport.height / s.model.height);
      const sx = num(a.scroll_x ?? 0, 'scroll_x') * (s.viewport.width / s.model.width);
      const notches = (v: number): number => Math.min(50, Math.max(1, Math.round(Math.abs(v) / 100)));
      if (sy !== 0) acts.push({ type: 'scroll', ...p, direction: sy > 0 ? 'down' : 'up', amount: notches(sy) });
      if (sx !== 0) acts.push({ type: 'scroll', ...p, direction: sx > 0 ? 'right' : 'left', amount: notches(sx) });
      if (acts.length === 0) acts.push({ type: 'mouse_move', ...p });
      return step(acts);
    }
    case 'type': {
      if (typeof a.text !== 'string' || a.text === '') throw new ToolInputError('text must be a non-empty string');
      return step([{ type: 'type', text: a.text }]);
    }
    case 'keypress':
      return step([{ type: 'key', keys: openaiKeys(a.keys) }]);
    case 'wait':
      return step([{ type: 'wait', ms: 1000 }]);
    default:
      throw new ToolInputError(`unsupported computer action ${JSON.stringify(a.type)}`);
  }
}
