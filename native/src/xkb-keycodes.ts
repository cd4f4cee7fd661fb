// DOM KeyboardEvent.code → XKB keycode (Linux evdev code + 8). CEF on Linux derives a key event's DOM `code` from
// its native_key_code alone (KeycodeConverter::NativeKeycodeToDomCode), so the CEF engine sends this with every key.
// Covers the codes of the US key table (cdp/keys.ts) and the viewer's (viewer/src/keys.ts CODE_TO_VK).

const XKB: Record<string, number> = {
  Escape: 9,
  Minus: 20,
  Equal: 21,
  Backspace: 22,
  Tab: 23,
  BracketLeft: 34,
  BracketRight: 35,
  Enter: 36,
  ControlLeft: 37,
  Semicolon: 47,
  Quote: 48,
  Backquote: 49,
  ShiftLeft: 50,
  Backslash: 51,
  Comma: 59,
  Period: 60,
  Slash: 61,
  ShiftRight: 62,
  NumpadMultiply: 63,
  AltLeft: 64,
  Space: 65,
  CapsLock: 66,
  NumLock: 77,
  ScrollLock: 78,
  Numpad7: 79,
  Numpad8: 80,
  Numpad9: 81,
  NumpadSubtract: 82,
  Numpad4: 83,
  Numpad5: 84,
  Numpad6: 85,
  NumpadAdd: 86,
  Numpad1: 87,
  Numpad2: 88,
  Numpad3: 89,
  Numpad0: 90,
  NumpadDecimal: 91,
  IntlBackslash: 94,
  F11: 95,
  F12: 96,
  NumpadEnter: 104,
  ControlRight: 105,
  NumpadDivide: 106,
  PrintScreen: 107,
  AltRight: 108,
  Home: 110,
  ArrowUp: 111,
  PageUp: 112,
  ArrowLeft: 113,
  ArrowRight: 114,
  End: 115,
  ArrowDown: 116,
  PageDown: 117,
  Insert: 118,
  Delete: 119,
  Pause: 127,
  MetaLeft: 133,
  MetaRight: 134,
  OSLeft: 133,
  OSRight: 134,
  ContextMenu: 135,
};
// Keyboard rows: the evdev order of the letter and digit keys.
const rows: [string, number][] = [
  ['1234567890', 10],
  ['QWERTYUIOP', 24],
  ['ASDFGHJKL', 38],
  ['ZXCVBNM', 52],
];
for (const [keys, first] of rows)
  [...keys].forEach((k, i) => {
    XKB[k >= '0' && k <= '9' ? `Digit${k}` : `Key${k}`] = first + i;
  });
for (let i = 1; i <= 10; i++) XKB[`F${i}`] = 66 + i;

/** The XKB keycode of a DOM `code`, or 0 when unknown (CEF then reports an empty `code`). */
export function xkbKeycode(code: string): number {
  return Object.hasOwn(XKB, code) ? (XKB[code] as number) : 0;
}
