// Room input events (seed/CEF conventions) → engine calls (CDP conventions). Pure except for the
// InputMapper's held-button state, which lets seed clients that send bare mousemoves still drag/select.
import { ButtonsMask, type BrowserPage, type KeyEventInit, Modifier, type MouseButton } from '@lkbrowser/native';
import { CefFlag, type MouseButton as ButtonIndex } from '@lkbrowser/protocol';
import type { ValidInputEvent } from './input-validation.ts';

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

const BUTTON_NAMES: Record<ButtonIndex, MouseButton> = { 0: 'left', 1: 'middle', 2: 'right' };

export type EngineCall =
  | { method: 'mouseMove'; x: number; y: number; buttons: number; modifiers: number }
  | {
      method: 'mouseDown' | 'mouseUp';
      x: number;
      y: number;
      button: MouseButton;
      clickCount: number;
      modifiers: number;
    }
  | { method: 'wheel'; x: number; y: number; deltaX: number; deltaY: number; modifiers: number }
  | { method: 'mouseLeave' }
  | { method: 'key'; init: KeyEventInit }
  | { method: 'insertText'; text: string };

/** Maps validated events to engine calls, tracking which buttons and keys are held between down and up. */
export class InputMapper {
  #held = 0;
  #x = 0;
  #y = 0;
  readonly #keysDown = new Map<number, { key?: string; code?: string }>();

  /** The pointer position of the last mouse event. */
  get position(): { x: number; y: number } {
    return { x: this.#x, y: this.#y };
  }

  /** Buttons currently held (CDP mask) according to mousedown/mouseup seen so far. */
  get heldButtons(): number {
    return this.#held;
  }

  /** Forget held buttons and keys without releasing them in the page (e.g. after a browser restart). */
  reset(): void {
    this.#held = 0;
    this.#keysDown.clear();
  }

  /**
   * Calls that release whatever the previous driver left pressed (buttons at the last pointer position, keys),
   * then forgets them. Used when focus changes hands so the new holder does not inherit a stuck drag or modifier.
   */
  releaseAll(): EngineCall[] {
    const calls: EngineCall[] = [];
    for (const [name, bit] of Object.entries(ButtonsMask) as Array<[MouseButton, number]>) {
      if (this.#held & bit)
        calls.push({ method: 'mouseUp', x: this.#x, y: this.#y, button: name, clickCount: 1, modifiers: 0 });
    }
    for (const [keyCode, k] of this.#keysDown) {
      const init: KeyEventInit = { type: 'keyUp', windowsVirtualKeyCode: keyCode, modifiers: 0 };
      if (k.key !== undefined) init.key = k.key;
      if (k.code !== undefined) init.code = k.code;
      calls.push({ method: 'key', init });
    }
    this.reset();
    return calls;
  }

  map(ev: ValidInputEvent): EngineCall[] {
    if ('x' in ev) {
      this.#x = ev.x;
      this.#y = ev.y;
    }
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
          {
            method: 'wheel',
            x: ev.x,
            y: ev.y,
            deltaX: 0 - ev.deltaX,
            deltaY: 0 - ev.deltaY,
            modifiers: cefToCdpModifiers(ev.modifiers),
          },
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
        if (ev.type === 'keydown') {
          if (this.#keysDown.size < 32 || this.#keysDown.has(ev.keyCode))
            this.#keysDown.set(ev.keyCode, { key: ev.key, code: ev.code });
        } else this.#keysDown.delete(ev.keyCode);
        return [{ method: 'key', init }];
      }
      case 'char': {
        const text = String.fromCodePoint(ev.charCode);
        return [
          {
            method: 'key',
            init: {
              type: 'char',
              windowsVirtualKeyCode: ev.keyCode,
              modifiers: cefToCdpModifiers(ev.modifiers),
              text,
              key: text,
            },
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
