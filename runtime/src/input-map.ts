// Room input events (seed/CEF conventions) → engine calls (CDP conventions). Pure except for the
// InputMapper's held-button state, which lets seed clients that send bare mousemoves still drag/select.
import { ButtonsMask, type BrowserPage, type KeyEventInit, Modifier, type MouseButton } from '../../native/src/engine-api.ts';
import type { InputEvent, MouseButtonIndex } from './input-validation.ts';

/** CEF cef_event_flags_t bits used by the room protocol. */
export const CefFlag = {
  CapsLock: 1 << 0,
  Shift: 1 << 1,
  Control: 1 << 2,
  Alt: 1 << 3,
  LeftMouse: 1 << 4,
  MiddleMouse: 1 << 5,
  RightMouse: 1 << 6,
  Command: 1 << 7,
} as const;

export function cefToCdpModifiers(flags: number): number {
  let m = 0;
  if (flags & CefFlag.Alt) m |= Modifier.Alt;
  if (flags & CefFlag.Control) m |= Modifier.Ctrl;
  if (flags & CefFlag.Command) m |= Modifier.Meta;
  if (flags & CefFlag.Shift) m |= Modifier.Shift;
  return m;
}

export function cefToButtonsMask(flags: number): number {
  let b = 0;
  if (flags & CefFlag.LeftMouse) b |= ButtonsMask.left;
  if (flags & CefFlag.MiddleMouse) b |= ButtonsMask.middle;
  if (flags & CefFlag.RightMouse) b |= ButtonsMask.right;
  return b;
}

const BUTTON_NAMES: Record<MouseButtonIndex, MouseButton> = { 0: 'left', 1: 'middle', 2: 'right' };

export type EngineCall =
  | { method: 'mouseMove'; x: number; y: number; buttons: number; modifiers: number }
  | { method: 'mouseDown' | 'mouseUp'; x: number; y: number; button: MouseButton; clickCount: number; modifiers: number }
  | { method: 'wheel'; x: number; y: number; deltaX: number; deltaY: number; modifiers: number }
  | { method: 'mouseLeave' }
  | { method: 'key'; init: KeyEventInit }
  | { method: 'insertText'; text: string };

/** Maps validated events to engine calls, tracking which buttons are held between down and up. */
export class InputMapper {
  #held = 0;

  /** Buttons currently held (CDP mask) according to mousedown/mouseup seen so far. */
  get heldButtons(): number {
    return this.#held;
  }

  /** Forget held buttons (e.g. on focus change: the new holder starts clean). */
  reset(): void {
    this.#held = 0;
  }

  map(ev: InputEvent): EngineCall[] {
    switch (ev.type) {
      case 'mousemove':
        return [
          {
            method: 'mouseMove',
            x: ev.x,
            y: ev.y,
            buttons: cefToButtonsMask(ev.modifiers) | this.#held,
            modifiers: cefToCdpModifiers(ev.modifiers),
          },
        ];
      case 'mousedown':
      case 'mouseup': {
        const button = BUTTON_NAMES[ev.button];
        const bit = ButtonsMask[button];
        if (ev.type === 'mousedown') this.#held |= bit;
        else this.#held &= ~bit;
        return [
          {
            method: ev.type === 'mousedown' ? 'mouseDown' : 'mouseUp',
            x: ev.x,
            y: ev.y,
            button,
            clickCount: ev.clickCount,
            modifiers: cefToCdpModifiers(ev.modifiers),
          },
        ];
      }
      case 'wheel':
        // Seed/CEF sign: positive deltaY scrolls up, positive deltaX scrolls left. DOM/CDP: the opposite.
        // (`0 - v` instead of `-v` keeps 0 from becoming -0.)
        return [
          { method: 'wheel', x: ev.x, y: ev.y, deltaX: 0 - ev.deltaX, deltaY: 0 - ev.deltaY, modifiers: cefToCdpModifiers(ev.modifiers) },
        ];
      case 'keydown':
      case 'keyup': {
        const init: KeyEventInit = {
          type: ev.type === 'keydown' ? 'rawKeyDown' : 'keyUp',
          windowsVirtualKeyCode: ev.keyCode,
          modifiers: cefToCdpModifiers(ev.modifiers),
        };
        if (ev.key !== undefined) init.key = ev.key;
        if (ev.code !== undefined) init.code = ev.code;
        return [{ method: 'key', init }];
      }
      case 'char': {
        const text = String.fromCodePoint(ev.charCode);
        return [
          {
            method: 'key',
            init: { type: 'char', windowsVirtualKeyCode: ev.keyCode, modifiers: cefToCdpModifiers(ev.modifiers), text, key: text },
          },
        ];
      }
      case 'text':
        return [{ method: 'insertText', text: ev.text }];
      case 'mouseleave':
        this.#held = 0;
        return [{ method: 'mouseLeave' }];
    }
  }
}

/** Executes one engine call on a page. */
export function applyCall(page: BrowserPage, c: EngineCall): Promise<void> {
  switch (c.method) {
    case 'mouseMove':
      return page.mouseMove(c.x, c.y, { buttons: c.buttons, modifiers: c.modifiers });
    case 'mouseDown':
      return page.mouseDown(c.x, c.y, { button: c.button, clickCount: c.clickCount, modifiers: c.modifiers });
    case 'mouseUp':
      return page.mouseUp(c.x, c.y, { button: c.button, clickCount: c.clickCount, modifiers: c.modifiers });
    case 'wheel':
      return page.wheel(c.x, c.y, c.deltaX, c.deltaY, { modifiers: c.modifiers });
    case 'mouseLeave':
      return page.mouseLeave();
    case 'key':
      return page.key(c.init);
    case 'insertText':
      return page.insertText(c.text);
  }
}
