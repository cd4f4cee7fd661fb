// DOM-style modifier keys and held mouse buttons → CEF cef_event_flags_t bits (CefFlag). Pure; shared by the viewer
// (DOM events → room protocol) and the CEF engine (engine calls → CEF's browser host API).
import { CefFlag } from './payloads.ts';

/** The modifier state of a keyboard or mouse event (the subset of a DOM UIEvent that is read). */
export interface ModifierKeys {
  shiftKey: boolean;
  ctrlKey: boolean;
  altKey: boolean;
  metaKey: boolean;
  getModifierState?: (key: string) => boolean;
}

/** DOM MouseEvent.buttons bitmask (1 left, 2 right, 4 middle) → CEF flags (LEFT 16, MIDDLE 32, RIGHT 64). */
export function buttonsToFlags(buttons: number): number {
  let f = 0;
  if (buttons & 1) f |= CefFlag.LeftMouse;
  if (buttons & 2) f |= CefFlag.RightMouse;
  if (buttons & 4) f |= CefFlag.MiddleMouse;
  return f;
}

/** CEF EVENTFLAG bits for the keyboard modifiers of an event (mouse bits come from buttonsToFlags). */
export function keyModifiers(e: ModifierKeys): number {
  let m = 0;
  if (e.getModifierState?.('CapsLock')) m |= CefFlag.CapsLock;
  if (e.shiftKey) m |= CefFlag.Shift;
  if (e.ctrlKey) m |= CefFlag.Control;
  if (e.altKey) m |= CefFlag.Alt;
  if (e.metaKey) m |= CefFlag.Command;
  return m;
}
