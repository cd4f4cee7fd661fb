import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ButtonsMask, Modifier } from '@lkbrowser/native';
import { CefFlag } from '@lkbrowser/protocol';
import { cefToButtonsMask, cefToCdpModifiers, type EngineCall, InputMapper } from '../src/input-map.ts';
import type { ValidInputEvent } from '../src/input-validation.ts';

test('CEF modifier flags → CDP modifiers', () => {
  const rows: Array<[number, number]> = [
    [0, 0],
    [CefFlag.Shift, Modifier.Shift],
    [CefFlag.Control, Modifier.Ctrl],
    [CefFlag.Alt, Modifier.Alt],
    [CefFlag.Command, Modifier.Meta],
    [CefFlag.CapsLock, 0],
    [CefFlag.LeftMouse, 0],
    [
      CefFlag.Shift | CefFlag.Control | CefFlag.Alt | CefFlag.Command,
      Modifier.Shift | Modifier.Ctrl | Modifier.Alt | Modifier.Meta,
    ],
  ];
  for (const [cef, cdp] of rows) assert.equal(cefToCdpModifiers(cef), cdp, `flags ${cef}`);
});

test('CEF mouse flags → CDP buttons mask', () => {
  assert.equal(cefToButtonsMask(CefFlag.LeftMouse), ButtonsMask.left);
  assert.equal(cefToButtonsMask(CefFlag.MiddleMouse), ButtonsMask.middle);
  assert.equal(cefToButtonsMask(CefFlag.RightMouse), ButtonsMask.right);
  assert.equal(cefToButtonsMask(CefFlag.Shift), 0);
  assert.equal(cefToButtonsMask(CefFlag.LeftMouse | CefFlag.RightMouse), ButtonsMask.left | ButtonsMask.right);
});

const rows: Array<[string, ValidInputEvent, EngineCall]> = [
  [
    'move',
    { type: 'mousemove', x: 10, y: 20, modifiers: 0 },
    { method: 'mouseMove', x: 10, y: 20, buttons: 0, modifiers: 0 },
  ],
  [
    'drag move (LMB flag) with shift',
    { type: 'mousemove', x: 10, y: 20, modifiers: CefFlag.LeftMouse | CefFlag.Shift },
    { method: 'mouseMove', x: 10, y: 20, buttons: ButtonsMask.left, modifiers: Modifier.Shift },
  ],
  [
    'ctrl right double click down',
    { type: 'mousedown', x: 1, y: 2, button: 2, clickCount: 2, modifiers: CefFlag.Control },
    { method: 'mouseDown', x: 1, y: 2, button: 'right', clickCount: 2, modifiers: Modifier.Ctrl },
  ],
  [
    'middle up',
    { type: 'mouseup', x: 1, y: 2, button: 1, clickCount: 1, modifiers: 0 },
    { method: 'mouseUp', x: 1, y: 2, button: 'middle', clickCount: 1, modifiers: 0 },
  ],
  [
    'wheel: seed +deltaY (up) → DOM -deltaY; +deltaX (left) → DOM -deltaX',
    { type: 'wheel', x: 5, y: 6, deltaX: 30, deltaY: 120, modifiers: 0 },
    { method: 'wheel', x: 5, y: 6, deltaX: -30, deltaY: -120, modifiers: 0 },
  ],
  [
    'wheel down',
    { type: 'wheel', x: 5, y: 6, deltaX: 0, deltaY: -240, modifiers: CefFlag.Control },
    { method: 'wheel', x: 5, y: 6, deltaX: 0, deltaY: 240, modifiers: Modifier.Ctrl },
  ],
  [
    'keydown → rawKeyDown',
    { type: 'keydown', keyCode: 65, modifiers: CefFlag.Shift, key: 'A', code: 'KeyA' },
    {
      method: 'key',
      init: { type: 'rawKeyDown', windowsVirtualKeyCode: 65, modifiers: Modifier.Shift, key: 'A', code: 'KeyA' },
    },
  ],
  [
    'keyup',
    { type: 'keyup', keyCode: 13, modifiers: 0 },
    { method: 'key', init: { type: 'keyUp', windowsVirtualKeyCode: 13, modifiers: 0 } },
  ],
  [
    'char with text',
    { type: 'char', keyCode: 65, charCode: 97, modifiers: 0 },
    { method: 'key', init: { type: 'char', windowsVirtualKeyCode: 65, modifiers: 0, text: 'a', key: 'a' } },
  ],
  [
    'char astral',
    { type: 'char', keyCode: 0, charCode: 0x1f600, modifiers: 0 },
    { method: 'key', init: { type: 'char', windowsVirtualKeyCode: 0, modifiers: 0, text: '😀', key: '😀' } },
  ],
  ['text', { type: 'text', text: 'héllo' }, { method: 'insertText', text: 'héllo' }],
  ['mouseleave', { type: 'mouseleave' }, { method: 'mouseLeave' }],
];

for (const [name, ev, call] of rows) {
  test(`map: ${name}`, () => {
    assert.deepEqual(new InputMapper().map(ev), [call]);
  });
}

test('held buttons from mousedown/mouseup are added to later moves (seed clients send bare moves)', () => {
  const m = new InputMapper();
  const move = (): EngineCall | undefined => m.map({ type: 'mousemove', x: 1, y: 1, modifiers: 0 })[0];
  m.map({ type: 'mousedown', x: 1, y: 1, button: 0, clickCount: 1, modifiers: 0 });
  assert.deepEqual(move(), { method: 'mouseMove', x: 1, y: 1, buttons: ButtonsMask.left, modifiers: 0 });
  m.map({ type: 'mousedown', x: 1, y: 1, button: 2, clickCount: 1, modifiers: 0 });
  assert.equal(m.heldButtons, ButtonsMask.left | ButtonsMask.right);
  m.map({ type: 'mouseup', x: 1, y: 1, button: 0, clickCount: 1, modifiers: 0 });
  assert.deepEqual(move(), { method: 'mouseMove', x: 1, y: 1, buttons: ButtonsMask.right, modifiers: 0 });
  m.reset();
  assert.deepEqual(move(), { method: 'mouseMove', x: 1, y: 1, buttons: 0, modifiers: 0 });
  m.map({ type: 'mousedown', x: 1, y: 1, button: 1, clickCount: 1, modifiers: 0 });
  m.map({ type: 'mouseleave' });
  assert.equal(m.heldButtons, 0);
});

test('wheel zero stays +0 (no -0 in JSON/CDP)', () => {
  const [c] = new InputMapper().map({ type: 'wheel', x: 0, y: 0, deltaX: 0, deltaY: 0, modifiers: 0 });
  assert.ok(c && c.method === 'wheel');
  if (c?.method === 'wheel') {
    assert.ok(Object.is(c.deltaX, 0));
    assert.ok(Object.is(c.deltaY, 0));
  }
});

test('releaseAll lifts held buttons at the last position and held keys, then forgets them', () => {
  const m = new InputMapper();
  m.map({ type: 'mousedown', x: 10, y: 20, button: 0, clickCount: 1, modifiers: 0 });
  m.map({ type: 'mousemove', x: 30, y: 40, modifiers: CefFlag.LeftMouse });
  m.map({ type: 'keydown', keyCode: 16, modifiers: CefFlag.Shift, key: 'Shift', code: 'ShiftLeft' });
  m.map({ type: 'keydown', keyCode: 65, modifiers: CefFlag.Shift });
  m.map({ type: 'keyup', keyCode: 65, modifiers: CefFlag.Shift });
  assert.deepEqual(m.releaseAll(), [
    { method: 'mouseUp', x: 30, y: 40, button: 'left', clickCount: 1, modifiers: 0 },
    {
      method: 'key',
      init: { type: 'keyUp', windowsVirtualKeyCode: 16, modifiers: 0, key: 'Shift', code: 'ShiftLeft' },
    },
  ]);
  assert.deepEqual(m.releaseAll(), []);
  assert.equal(m.heldButtons, 0);
});
