// The CEF engine's input translation (engine calls in CDP conventions → input_* messages for CEF's browser host API)
// and its acknowledgement bookkeeping. Pure; the real path is covered by engine.test.ts against CEF.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CefFlag } from '@lkbrowser/protocol';
import { CefHostInput, cefFlags, cefKeyEvents, cefWheelDelta, KeyKind } from '../src/cef-input.ts';
import type { ClientMessage } from '../src/control-protocol.ts';
import { Modifier } from '../src/engine-api.ts';
import { xkbKeycode } from '../src/xkb-keycodes.ts';

const key = (kind: number, vk: number, native: number, ch: number, un: number, modifiers = 0) => ({
  type: 'input_key' as const,
  kind,
  windowsKeyCode: vk,
  nativeKeyCode: native,
  character: ch,
  unmodifiedCharacter: un,
  modifiers,
});

describe('CEF input translation', () => {
  it('CDP modifiers and held buttons → CEF flags', () => {
    const cases: [number, number, number][] = [
      [0, 0, 0],
      [Modifier.Alt, 0, CefFlag.Alt],
      [Modifier.Ctrl, 0, CefFlag.Control],
      [Modifier.Meta, 0, CefFlag.Command],
      [Modifier.Shift, 0, CefFlag.Shift],
      [Modifier.Ctrl | Modifier.Shift, 1, CefFlag.Control | CefFlag.Shift | CefFlag.LeftMouse],
      [0, 2, CefFlag.RightMouse],
      [0, 4, CefFlag.MiddleMouse],
      [0, 7, CefFlag.LeftMouse | CefFlag.RightMouse | CefFlag.MiddleMouse],
    ];
    for (const [mods, buttons, want] of cases) assert.equal(cefFlags(mods, buttons), want, `${mods}/${buttons}`);
  });

  it('wheel: DOM sign in, CEF sign out, whole pixels, no -0', () => {
    assert.equal(cefWheelDelta(120), -120);
    assert.equal(cefWheelDelta(-40.4), 40);
    assert.ok(Object.is(cefWheelDelta(0), 0));
  });

  it('XKB keycodes of the DOM codes (0 when unknown)', () => {
    const cases: [string, number][] = [
      ['KeyA', 38],
      ['KeyQ', 24],
      ['KeyZ', 52],
      ['KeyM', 58],
      ['Digit1', 10],
      ['Digit0', 19],
      ['Enter', 36],
      ['Space', 65],
      ['ShiftLeft', 50],
      ['ArrowLeft', 113],
      ['F1', 67],
      ['F10', 76],
      ['F12', 96],
      ['Numpad0', 90],
      ['', 0],
      ['toString', 0],
      ['Nonsense', 0],
    ];
    for (const [code, want] of cases) assert.equal(xkbKeycode(code), want, code);
  });

  it('key events: CDP semantics → RAWKEYDOWN / CHAR / KEYUP', () => {
    const cases: [Parameters<typeof cefKeyEvents>[0], ReturnType<typeof cefKeyEvents>][] = [
      [{ type: 'keyDown', windowsVirtualKeyCode: 65 }, { keys: [key(0, 65, 38, 97, 97), key(3, 65, 38, 97, 97)] }],
      [
        { type: 'keyDown', windowsVirtualKeyCode: 65, modifiers: Modifier.Shift },
        { keys: [key(0, 65, 38, 65, 97, CefFlag.Shift), key(3, 65, 38, 65, 65, CefFlag.Shift)] },
      ],
      // Ctrl+A: a shortcut, no text (Blink runs selectAll itself for a key down with Ctrl)
      [
        { type: 'keyDown', windowsVirtualKeyCode: 65, modifiers: Modifier.Ctrl },
        { keys: [key(0, 65, 38, 0, 97, CefFlag.Control)] },
      ],
      [{ type: 'rawKeyDown', windowsVirtualKeyCode: 65 }, { keys: [key(0, 65, 38, 97, 97)] }],
      [{ type: 'keyUp', windowsVirtualKeyCode: 65 }, { keys: [key(2, 65, 38, 97, 97)] }],
      [{ type: 'keyDown', windowsVirtualKeyCode: 13 }, { keys: [key(0, 13, 36, 13, 13), key(3, 13, 36, 13, 13)] }],
      [{ type: 'keyDown', windowsVirtualKeyCode: 37 }, { keys: [key(0, 37, 113, 0, 0)] }],
      // location flags: left Shift, numpad, auto-repeat
      [{ type: 'rawKeyDown', windowsVirtualKeyCode: 16 }, { keys: [key(0, 16, 50, 0, 0, 1 << 10)] }],
      [
        { type: 'keyDown', windowsVirtualKeyCode: 97, autoRepeat: true },
        { keys: [key(0, 97, 87, 49, 49, (1 << 9) | (1 << 13)), key(3, 97, 87, 49, 49, (1 << 9) | (1 << 13))] },
      ],
      // a code given by the caller wins over the table's
      [{ type: 'keyUp', windowsVirtualKeyCode: 16, code: 'ShiftRight' }, { keys: [key(2, 16, 62, 0, 0, 1 << 10)] }],
      // char: text only; a CEF-style char whose key code is the char code (é = 233); € (8364) has no key code
      [{ type: 'char', windowsVirtualKeyCode: 233, text: 'é' }, { keys: [key(3, 233, 0, 0xe9, 0xe9)] }],
      [{ type: 'char', windowsVirtualKeyCode: 8364, text: '€' }, { keys: [key(3, 0, 0, 0x20ac, 0x20ac)] }],
      [{ type: 'char', windowsVirtualKeyCode: 65, text: '' }, { keys: [] }],
      // outside the BMP: no char event can carry it → Input.insertText after the key down
      [
        { type: 'keyDown', windowsVirtualKeyCode: 0, text: '😀' },
        { keys: [], insertText: '😀' },
      ],
      [
        { type: 'char', windowsVirtualKeyCode: 0, text: 'a😀' },
        { keys: [], insertText: 'a😀' },
      ],
      [{ type: 'keyUp', windowsVirtualKeyCode: 0 }, { keys: [] }],
    ];
    for (const [ev, want] of cases) assert.deepEqual(cefKeyEvents(ev), want, JSON.stringify(ev));
    assert.equal(KeyKind.char, 3);
  });
});

describe('CefHostInput', () => {
  const make = () => {
    const sent: ClientMessage[] = [];
    const texts: string[] = [];
    const input = new CefHostInput({
      send: (m) => sent.push(m),
      insertText: async (t) => {
        texts.push(t);
      },
      size: () => ({ width: 100, height: 50 }),
    });
    return { input, sent, texts };
  };

  it('each call resolves when the host acknowledged its messages, in order', async () => {
    const { input, sent } = make();
    const done: string[] = [];
    const a = input.mouseMove(1, 2).then(() => done.push('move'));
    const b = input.key({ type: 'keyDown', windowsVirtualKeyCode: 65 }).then(() => done.push('key'));
    await Promise.resolve();
    assert.equal(sent.length, 3, 'move, RAWKEYDOWN, CHAR');
    input.acked(1);
    await a;
    assert.deepEqual(done, ['move']);
    input.acked(2);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(done, ['move'], 'the key waits for both of its events');
    input.acked(3);
    await b;
    assert.deepEqual(done, ['move', 'key']);
  });

  it('a new host fails what waited for the old one; counting restarts', async () => {
    const { input } = make();
    const p = input.wheel(1, 1, 0, 10);
    input.reset('engine host exited');
    await assert.rejects(p, /not acknowledged: engine host exited/);
    const q = input.mouseMove(0, 0);
    input.acked(1);
    await q;
  });

  it('the count wraps like the host i32', async () => {
    const { input } = make();
    // 2^32 calls are not practical: acks compare modulo 2^32, so an ack of -2147483648 covers 2147483647.
    let resolved = false;
    const p = input.mouseMove(0, 0).then(() => {
      resolved = true;
    });
    input.acked(-2147483648 + 1); // "ahead" by 2^31: not yet (wrapping difference is negative)
    await new Promise((r) => setImmediate(r));
    assert.equal(resolved, false);
    input.acked(1);
    await p;
  });

  it('clicks: desktop click counting, pressed button among the flags, leave inside the view', async () => {
    const { input, sent } = make();
    void input.mouseDown(10, 10);
    void input.mouseUp(10, 10);
    void input.mouseDown(11, 10);
    void input.mouseUp(11, 10, { button: 'left' });
    void input.mouseMove(500, 500);
    void input.mouseLeave();
    assert.deepEqual(
      sent.map((m) => (m.type === 'input_mouse' ? [m.kind, m.x, m.y, m.button, m.clickCount, m.modifiers] : m.type)),
      [
        [1, 10, 10, 0, 1, CefFlag.LeftMouse],
        [2, 10, 10, 0, 1, 0],
        [1, 11, 10, 0, 2, CefFlag.LeftMouse],
        [2, 11, 10, 0, 2, 0],
        [0, 500, 500, 0, 1, 0],
        [3, 99, 49, 0, 1, 0],
      ],
    );
  });

  it('insertText and non-BMP text go to CDP', async () => {
    const { input, texts, sent } = make();
    await input.insertText('hello');
    await input.key({ type: 'char', windowsVirtualKeyCode: 0, text: '😀' });
    assert.deepEqual(texts, ['hello', '😀']);
    assert.equal(sent.length, 0);
  });
});
