// The CEF engine's input: engine calls (CDP conventions, engine-api.ts) → input_* messages for the CEF host, which
// calls CEF's browser host API (SendMouseMoveEvent, SendMouseClickEvent, SendMouseWheelEvent, SendKeyEvent;
// native/cef-host/src/input.rs). Pure translation functions, and CefHostInput, which sends them in call order; each
// call resolves once the host acknowledged its events (input_ack: handed to CEF, or refused), so a CDP command sent
// after it (insertText, evaluate) reaches the browser after the input, as with the Xvfb engine's acknowledged CDP
// input. The host holds input for a page that has not painted yet (Chromium drops it), so an ack can take that long.
// Text (insertText, and characters outside the BMP, which one CEF char event cannot carry) still goes through CDP
// Input.insertText: CEF's host API has no text commit for a windowless browser besides IME composition.
import { buttonsToFlags, keyModifiers } from '@lkbrowser/protocol';
import { resolveKey } from './cdp/keys.ts';
import { ClickCounter } from './click-counter.ts';
import type { ClientMessage } from './control-protocol.ts';
import { type KeyEventInit, Modifier, type MouseButton } from './engine-api.ts';
import { xkbKeycode } from './xkb-keycodes.ts';

type InputMessage = Extract<ClientMessage, { type: 'input_mouse' | 'input_wheel' | 'input_key' }>;
type KeyMessage = Extract<ClientMessage, { type: 'input_key' }>;

/** Mouse event kinds and key event kinds of input_mouse / input_key (control-protocol.ts). */
export const MouseKind = { move: 0, down: 1, up: 2, leave: 3 } as const;
export const KeyKind = { rawKeyDown: 0, keyUp: 2, char: 3 } as const;
const BUTTON_INDEX: Record<MouseButton, number> = { left: 0, middle: 1, right: 2 };
/** cef_event_flags_t bits a key event adds to the modifier flags (not in CefFlag: the room protocol has none). */
const KEY_FLAG = { isKeyPad: 1 << 9, isLeft: 1 << 10, isRight: 1 << 11, isRepeat: 1 << 13 } as const;

/** CDP modifier bits (Alt 1, Ctrl 2, Meta 4, Shift 8) and held buttons (left 1, right 2, middle 4) → CEF flags. */
export function cefFlags(modifiers: number, buttons = 0): number {
  return (
    keyModifiers({
      altKey: (modifiers & Modifier.Alt) !== 0,
      ctrlKey: (modifiers & Modifier.Ctrl) !== 0,
      metaKey: (modifiers & Modifier.Meta) !== 0,
      shiftKey: (modifiers & Modifier.Shift) !== 0,
    }) | buttonsToFlags(buttons)
  );
}

/** DOM/CDP wheel sign (deltaY > 0 scrolls down) → CEF's (deltaY > 0 scrolls up), whole pixels. */
export function cefWheelDelta(d: number): number {
  return 0 - Math.round(d);
}

/** One UTF-16 unit per CEF char event; undefined when the text has characters outside the BMP. */
function bmpUnits(text: string): number[] | undefined {
  const units = [...text].map((c) => c.codePointAt(0) ?? 0);
  return units.every((u) => u <= 0xffff) ? units : undefined;
}

export interface CefKeyEvents {
  keys: KeyMessage[];
  /** Text that no CEF char event can carry (outside the BMP): typed with Input.insertText after `keys`. */
  insertText?: string;
}

/**
 * One engine key event → CEF key events, with CDP semantics (engine-api.ts KeyEventInit): rawKeyDown → RAWKEYDOWN,
 * keyDown → RAWKEYDOWN + one CHAR per character of its text (filled from the US table: Enter → '\r'), keyUp →
 * KEYUP, char → CHARs only. The DOM `code` travels as the XKB keycode (xkb-keycodes.ts); `key` is what CEF derives
 * from the virtual-key code and Shift.
 */
export function cefKeyEvents(ev: KeyEventInit): CefKeyEvents {
  const mods = ev.modifiers ?? 0;
  const resolved = resolveKey(ev.windowsVirtualKeyCode, mods);
  const vk = ev.windowsVirtualKeyCode >= 0 && ev.windowsVirtualKeyCode <= 255 ? ev.windowsVirtualKeyCode : 0;
  const native = xkbKeycode(ev.code ?? resolved.code);
  let flags = cefFlags(mods);
  if (resolved.location === 3) flags |= KEY_FLAG.isKeyPad;
  if (resolved.location === 1) flags |= KEY_FLAG.isLeft;
  if (resolved.location === 2) flags |= KEY_FLAG.isRight;
  if (ev.autoRepeat) flags |= KEY_FLAG.isRepeat;
  const text = ev.type === 'keyDown' || ev.type === 'char' ? (ev.text ?? resolved.text) : '';
  const first = (s: string): number => {
    const c = s.codePointAt(0) ?? 0;
    return c <= 0xffff ? c : 0;
  };
  const character = first(ev.text ?? resolved.text);
  const unmodified = first(resolved.unmodifiedText) || character;
  const key = (kind: number, ch = character, un = unmodified): KeyMessage => ({
    type: 'input_key',
    kind,
    windowsKeyCode: vk,
    nativeKeyCode: native,
    character: ch,
    unmodifiedCharacter: un,
    modifiers: flags,
  });
  const out: CefKeyEvents = { keys: [] };
  if (ev.type === 'rawKeyDown' || ev.type === 'keyDown') {
    if (vk !== 0) out.keys.push(key(KeyKind.rawKeyDown)); // no key code: no key event, only its text
  }
  if (ev.type === 'keyUp') {
    if (vk !== 0) out.keys.push(key(KeyKind.keyUp));
    return out;
  }
  if (text === '') return out;
  const units = bmpUnits(text);
  if (units === undefined) out.insertText = text;
  else for (const u of units) out.keys.push(key(KeyKind.char, u, u));
  return out;
}

/** Where CefHostInput sends: the host's control channel, CDP for text, the current view size. */
export interface CefHostInputSink {
  send(m: InputMessage): void;
  insertText(text: string): Promise<void>;
  size(): { width: number; height: number };
}

/** The input calls of one CEF page (BrowserPage's, CDP conventions) as host API events, in call order. */
export class CefHostInput {
  readonly #sink: CefHostInputSink;
  readonly #clicks = new ClickCounter();
  #x = 0;
  #y = 0;
  /** Input messages sent to the current host (wrapping like the host's count). */
  #sent = 0;
  readonly #waiting: { n: number; resolve: () => void; reject: (e: Error) => void }[] = [];

  constructor(sink: CefHostInputSink) {
    this.#sink = sink;
  }

  /** Sends one message; resolves when the host acknowledged it. */
  #send(m: InputMessage): Promise<void> {
    this.#sent = (this.#sent + 1) | 0;
    const n = this.#sent;
    const p = new Promise<void>((resolve, reject) => this.#waiting.push({ n, resolve, reject }));
    this.#sink.send(m);
    return p;
  }

  /** input_ack from the host: every message up to the count-th is handled. */
  acked(count: number): void {
    while (this.#waiting.length > 0 && ((count - (this.#waiting[0]?.n ?? 0)) | 0) >= 0)
      this.#waiting.shift()?.resolve();
  }

  /** A new host (or none): what waits for the old one's ack fails, the count restarts. */
  reset(reason: string): void {
    this.#sent = 0;
    for (const w of this.#waiting.splice(0)) w.reject(new Error(`input not acknowledged: ${reason}`));
  }

  #mouse(kind: number, x: number, y: number, button: number, clickCount: number, flags: number): Promise<void> {
    this.#x = x;
    this.#y = y;
    return this.#send({
      type: 'input_mouse',
      kind,
      x: Math.round(x),
      y: Math.round(y),
      button,
      clickCount,
      modifiers: flags,
    });
  }

  mouseMove(x: number, y: number, opts: { buttons?: number; modifiers?: number } = {}): Promise<void> {
    const flags = cefFlags(opts.modifiers ?? 0, opts.buttons ?? this.#clicks.buttons);
    return this.#mouse(MouseKind.move, x, y, 0, 1, flags);
  }

  /** Without clickCount, presses are counted like a desktop's (click-counter.ts). */
  mouseDown(
    x: number,
    y: number,
    opts: { button?: MouseButton; clickCount?: number; modifiers?: number } = {},
  ): Promise<void> {
    const button = opts.button ?? 'left';
    const count = this.#clicks.press(button, x, y, performance.now(), opts.clickCount);
    // As CEF's own clients do: the pressed button's flag is among the modifiers of its press.
    const flags = cefFlags(opts.modifiers ?? 0, this.#clicks.buttons);
    return this.#mouse(MouseKind.down, x, y, BUTTON_INDEX[button], Math.min(Math.max(count, 1), 3), flags);
  }

  mouseUp(
    x: number,
    y: number,
    opts: { button?: MouseButton; clickCount?: number; modifiers?: number } = {},
  ): Promise<void> {
    const button = opts.button ?? 'left';
    const count = this.#clicks.release(button, opts.clickCount);
    const flags = cefFlags(opts.modifiers ?? 0, this.#clicks.buttons);
    return this.#mouse(MouseKind.up, x, y, BUTTON_INDEX[button], Math.min(Math.max(count, 1), 3), flags);
  }

  /** DOM sign in (deltaY > 0 scrolls down), CEF sign out. */
  wheel(x: number, y: number, deltaX: number, deltaY: number, opts: { modifiers?: number } = {}): Promise<void> {
    this.#x = x;
    this.#y = y;
    return this.#send({
      type: 'input_wheel',
      x: Math.round(x),
      y: Math.round(y),
      deltaX: cefWheelDelta(deltaX),
      deltaY: cefWheelDelta(deltaY),
      modifiers: cefFlags(opts.modifiers ?? 0, this.#clicks.buttons),
    });
  }

  /** The pointer left the view (at its last position, inside the current view): hover state and mouseleave. */
  mouseLeave(): Promise<void> {
    const { width, height } = this.#sink.size();
    const x = Math.min(Math.max(Math.round(this.#x), 0), width - 1);
    const y = Math.min(Math.max(Math.round(this.#y), 0), height - 1);
    this.#clicks.buttons = 0;
    return this.#mouse(MouseKind.leave, x, y, 0, 1, 0);
  }

  async key(ev: KeyEventInit): Promise<void> {
    const out = cefKeyEvents(ev);
    const acks = out.keys.map((k) => this.#send(k));
    await Promise.all(acks);
    if (out.insertText !== undefined) await this.#sink.insertText(out.insertText);
  }

  insertText(text: string): Promise<void> {
    return this.#sink.insertText(text);
  }
}
