// DOM KeyboardEvent → room-protocol key events (keydown/keyup/char with Windows VK codes and CEF flags). Pure.
//
// What the remote page gets for one physical key press:
//   keydown {keyCode, modifiers, key, code}   (+ char {keyCode, charCode} when it produces text, or for Enter)
//   keyup   {keyCode, modifiers, key, code}
// Characters outside the BMP (emoji…) are sent as ext `{"type":"text"}` instead of `char`.
//
// Host-browser shortcuts: while the viewer holds focus it calls preventDefault() on every forwarded key, so Tab,
// Backspace, Space, arrows, F5, Ctrl+F/P/S/R/D… go to the remote page. Some shortcuts never reach a web page at all
// (Ctrl/Cmd+L, Ctrl/Cmd+T, Ctrl/Cmd+W, Ctrl/Cmd+N, Ctrl+Tab, Ctrl+Shift+Tab, Alt+F4, Cmd+Q): the host browser acts
// on them and they cannot be captured (the Keyboard Lock API would only help in fullscreen). Ctrl/Cmd+V is not
// forwarded as keys: the host's paste event delivers the local clipboard as `{"type":"text"}` instead.

import { type InputEvent, keyModifiers } from '@lkbrowser/protocol';

// One definition with the CEF engine's (protocol/src/cef-flags.ts).
export { keyModifiers };

/** The subset of KeyboardEvent this module reads (so it can be tested without a DOM). */
export interface KeyLike {
  type: string; // 'keydown' | 'keyup'
  key: string;
  code: string;
  keyCode?: number;
  shiftKey: boolean;
  ctrlKey: boolean;
  altKey: boolean;
  metaKey: boolean;
  repeat?: boolean;
  isComposing?: boolean;
  getModifierState?: (key: string) => boolean;
}

export interface KeyTranslation {
  events: InputEvent[];
  /** call preventDefault() on the DOM event */
  preventDefault: boolean;
}

/** Physical key (KeyboardEvent.code) → Windows virtual-key code, US layout. */
const CODE_TO_VK: Record<string, number> = {
  Backspace: 8,
  Tab: 9,
  Enter: 13,
  NumpadEnter: 13,
  ShiftLeft: 16,
  ShiftRight: 16,
  ControlLeft: 17,
  ControlRight: 17,
  AltLeft: 18,
  AltRight: 18,
  Pause: 19,
  CapsLock: 20,
  Escape: 27,
  Space: 32,
  PageUp: 33,
  PageDown: 34,
  End: 35,
  Home: 36,
  ArrowLeft: 37,
  ArrowUp: 38,
  ArrowRight: 39,
  ArrowDown: 40,
  PrintScreen: 44,
  Insert: 45,
  Delete: 46,
  MetaLeft: 91,
  MetaRight: 92,
  OSLeft: 91,
  OSRight: 92,
  ContextMenu: 93,
  Numpad0: 96,
  Numpad1: 97,
  Numpad2: 98,
  Numpad3: 99,
  Numpad4: 100,
  Numpad5: 101,
  Numpad6: 102,
  Numpad7: 103,
  Numpad8: 104,
  Numpad9: 105,
  NumpadMultiply: 106,
  NumpadAdd: 107,
  NumpadSubtract: 109,
  NumpadDecimal: 110,
  NumpadDivide: 111,
  NumLock: 144,
  ScrollLock: 145,
  Semicolon: 186,
  Equal: 187,
  Comma: 188,
  Minus: 189,
  Period: 190,
  Slash: 191,
  Backquote: 192,
  BracketLeft: 219,
  Backslash: 220,
  BracketRight: 221,
  Quote: 222,
  IntlBackslash: 226,
};
for (let i = 0; i < 26; i++) CODE_TO_VK[`Key${String.fromCharCode(65 + i)}`] = 65 + i;
for (let i = 0; i < 10; i++) CODE_TO_VK[`Digit${i}`] = 48 + i;
for (let i = 1; i <= 24; i++) CODE_TO_VK[`F${i}`] = 0x6f + i;

/** Logical key (KeyboardEvent.key) → VK, used when `code` is empty/unknown (virtual keyboards, some IMEs). */
const KEY_TO_VK: Record<string, number> = {
  Backspace: 8,
  Tab: 9,
  Enter: 13,
  Shift: 16,
  Control: 17,
  Alt: 18,
  AltGraph: 18,
  Pause: 19,
  CapsLock: 20,
  Escape: 27,
  ' ': 32,
  PageUp: 33,
  PageDown: 34,
  End: 35,
  Home: 36,
  ArrowLeft: 37,
  ArrowUp: 38,
  ArrowRight: 39,
  ArrowDown: 40,
  Insert: 45,
  Delete: 46,
  Meta: 91,
  ContextMenu: 93,
  ';': 186,
  ':': 186,
  '=': 187,
  '+': 187,
  ',': 188,
  '<': 188,
  '-': 189,
  _: 189,
  '.': 190,
  '>': 190,
  '/': 191,
  '?': 191,
  '`': 192,
  '~': 192,
  '[': 219,
  '{': 219,
  '\\': 220,
  '|': 220,
  ']': 221,
  '}': 221,
  "'": 222,
  '"': 222,
  ')': 48,
  '!': 49,
  '@': 50,
  '#': 51,
  $: 52,
  '%': 53,
  '^': 54,
  '&': 55,
  '*': 56,
  '(': 57,
};

/** Windows VK code for a key event: physical `code` first (layout independent), then `key`, then legacy keyCode. */
export function vkFor(e: Pick<KeyLike, 'key' | 'code' | 'keyCode'>): number {
  const byCode = CODE_TO_VK[e.code];
  if (byCode !== undefined) return byCode;
  const k = e.key;
  const byKey = KEY_TO_VK[k];
  if (byKey !== undefined) return byKey;
  if (k.length === 1) {
    const c = k.toUpperCase().charCodeAt(0);
    if ((c >= 65 && c <= 90) || (c >= 48 && c <= 57)) return c;
  }
  const m = /^F(\d{1,2})$/.exec(k);
  if (m) return 0x6f + Number(m[1]);
  return e.keyCode && e.keyCode > 0 ? e.keyCode : 0;
}

/** The text a key produces, or null (named keys like "ArrowLeft", or chords with Ctrl/Cmd that are shortcuts). */
function producedText(e: KeyLike): string | null {
  const k = e.key;
  // A single user-perceived char: one UTF-16 unit or one surrogate pair.
  const chars = [...k];
  if (chars.length !== 1) return null;
  const altGr = e.getModifierState?.('AltGraph') === true;
  if ((e.ctrlKey || e.metaKey) && !altGr) return null; // shortcut, not text
  return k;
}

/** True for Ctrl/Cmd+V: the paste event carries the text instead (see header). */
export function isPasteShortcut(e: KeyLike): boolean {
  return (e.ctrlKey || e.metaKey) && !e.altKey && (e.code === 'KeyV' || e.key === 'v' || e.key === 'V');
}

/** Translate one DOM keydown/keyup. Returns no events for IME composition and for the paste shortcut. */
export function translateKey(e: KeyLike): KeyTranslation {
  if (e.isComposing || e.key === 'Process' || e.key === 'Dead') {
    // IME / dead keys: the composed text lands in the viewer's key sink (textarea) and is sent as {"type":"text"}.
    return { events: [], preventDefault: false };
  }
  if (isPasteShortcut(e)) return { events: [], preventDefault: false };
  const keyCode = vkFor(e);
  const modifiers = keyModifiers(e);
  const kind = e.type === 'keyup' ? 'keyup' : 'keydown';
  const base: InputEvent = { type: kind, keyCode, modifiers, key: e.key, code: e.code };
  if (keyCode === 0) {
    // Unknown key: still forward text it produces.
    const t = kind === 'keydown' ? producedText(e) : null;
    return { events: t ? [{ type: 'text', text: t }] : [], preventDefault: t !== null };
  }
  const events: InputEvent[] = [base];
  if (kind === 'keydown') {
    const text = producedText(e);
    if (text !== null) {
      const cp = text.codePointAt(0) ?? 0;
      if (cp > 0xffff) events.push({ type: 'text', text });
      else events.push({ type: 'char', keyCode, charCode: cp, modifiers });
    } else if (keyCode === 13 && !e.ctrlKey && !e.metaKey) {
      // Enter produces a '\r' char: Chromium submits forms / inserts newlines on it (as a native keypress would).
      events.push({ type: 'char', keyCode: 13, charCode: 13, modifiers });
    }
  }
  return { events, preventDefault: true };
}
