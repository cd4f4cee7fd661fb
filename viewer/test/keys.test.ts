import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type KeyLike, keyModifiers, translateKey, vkFor } from '../src/keys.ts';

function ev(
  type: 'keydown' | 'keyup',
  key: string,
  code: string,
  mods: Partial<KeyLike> = {},
  state: string[] = [],
): KeyLike {
  return {
    type,
    key,
    code,
    shiftKey: false,
    ctrlKey: false,
    altKey: false,
    metaKey: false,
    getModifierState: (k: string) => state.includes(k),
    ...mods,
  };
}

test('vkFor: physical code first, then key, then keyCode', () => {
  const cases: Array<[Pick<KeyLike, 'key' | 'code' | 'keyCode'>, number]> = [
    [{ key: 'a', code: 'KeyA' }, 65],
    [{ key: 'q', code: 'KeyA' }, 65], // AZERTY: VK follows the physical key like Windows US mapping
    [{ key: 'Z', code: 'KeyZ' }, 90],
    [{ key: '!', code: 'Digit1' }, 49],
    [{ key: 'Enter', code: 'Enter' }, 13],
    [{ key: 'Enter', code: 'NumpadEnter' }, 13],
    [{ key: 'Backspace', code: 'Backspace' }, 8],
    [{ key: 'Tab', code: 'Tab' }, 9],
    [{ key: 'Escape', code: 'Escape' }, 27],
    [{ key: ' ', code: 'Space' }, 32],
    [{ key: 'ArrowLeft', code: 'ArrowLeft' }, 37],
    [{ key: 'ArrowDown', code: 'ArrowDown' }, 40],
    [{ key: 'Delete', code: 'Delete' }, 46],
    [{ key: 'Home', code: 'Home' }, 36],
    [{ key: 'PageDown', code: 'PageDown' }, 34],
    [{ key: 'F1', code: 'F1' }, 0x70],
    [{ key: 'F12', code: 'F12' }, 0x7b],
    [{ key: 'Shift', code: 'ShiftLeft' }, 16],
    [{ key: 'Control', code: 'ControlRight' }, 17],
    [{ key: 'Alt', code: 'AltLeft' }, 18],
    [{ key: 'Meta', code: 'MetaLeft' }, 91],
    [{ key: ';', code: 'Semicolon' }, 186],
    [{ key: '"', code: 'Quote' }, 222],
    [{ key: '/', code: 'Slash' }, 191],
    [{ key: '5', code: 'Numpad5' }, 101],
    // no code (virtual keyboard): from key
    [{ key: 'x', code: '' }, 88],
    [{ key: '7', code: '' }, 55],
    [{ key: '?', code: '' }, 191],
    [{ key: 'F5', code: '' }, 0x74],
    [{ key: 'Unidentified', code: '', keyCode: 229 }, 229],
    [{ key: 'é', code: '' }, 0],
  ];
  for (const [e, vk] of cases) assert.equal(vkFor(e), vk, JSON.stringify(e));
});

test('keyModifiers: CEF flags', () => {
  assert.equal(keyModifiers(ev('keydown', 'a', 'KeyA')), 0);
  assert.equal(keyModifiers(ev('keydown', 'A', 'KeyA', { shiftKey: true })), 2);
  assert.equal(keyModifiers(ev('keydown', 'a', 'KeyA', { ctrlKey: true, altKey: true })), 12);
  assert.equal(keyModifiers(ev('keydown', 'a', 'KeyA', { metaKey: true })), 128);
  assert.equal(keyModifiers(ev('keydown', 'A', 'KeyA', {}, ['CapsLock'])), 1);
});

test('translateKey: table', () => {
  const cases: Array<{ name: string; e: KeyLike; events: object[]; prevent: boolean }> = [
    {
      name: 'printable a',
      e: ev('keydown', 'a', 'KeyA'),
      events: [
        { type: 'keydown', keyCode: 65, modifiers: 0, key: 'a', code: 'KeyA' },
        { type: 'char', keyCode: 65, charCode: 97, modifiers: 0 },
      ],
      prevent: true,
    },
    {
      name: 'keyup has no char',
      e: ev('keyup', 'a', 'KeyA'),
      events: [{ type: 'keyup', keyCode: 65, modifiers: 0, key: 'a', code: 'KeyA' }],
      prevent: true,
    },
    {
      name: 'shift+1 → !',
      e: ev('keydown', '!', 'Digit1', { shiftKey: true }),
      events: [
        { type: 'keydown', keyCode: 49, modifiers: 2, key: '!', code: 'Digit1' },
        { type: 'char', keyCode: 49, charCode: 33, modifiers: 2 },
      ],
      prevent: true,
    },
    {
      name: 'space',
      e: ev('keydown', ' ', 'Space'),
      events: [
        { type: 'keydown', keyCode: 32, modifiers: 0, key: ' ', code: 'Space' },
        { type: 'char', keyCode: 32, charCode: 32, modifiers: 0 },
      ],
      prevent: true,
    },
    {
      name: 'Enter emits char 13',
      e: ev('keydown', 'Enter', 'Enter'),
      events: [
        { type: 'keydown', keyCode: 13, modifiers: 0, key: 'Enter', code: 'Enter' },
        { type: 'char', keyCode: 13, charCode: 13, modifiers: 0 },
      ],
      prevent: true,
    },
    {
      name: 'Backspace: no char',
      e: ev('keydown', 'Backspace', 'Backspace'),
      events: [{ type: 'keydown', keyCode: 8, modifiers: 0, key: 'Backspace', code: 'Backspace' }],
      prevent: true,
    },
    {
      name: 'Tab: no char, prevented',
      e: ev('keydown', 'Tab', 'Tab'),
      events: [{ type: 'keydown', keyCode: 9, modifiers: 0, key: 'Tab', code: 'Tab' }],
      prevent: true,
    },
    {
      name: 'ArrowUp',
      e: ev('keydown', 'ArrowUp', 'ArrowUp'),
      events: [{ type: 'keydown', keyCode: 38, modifiers: 0, key: 'ArrowUp', code: 'ArrowUp' }],
      prevent: true,
    },
    {
      name: 'Ctrl+A: shortcut, no char',
      e: ev('keydown', 'a', 'KeyA', { ctrlKey: true }),
      events: [{ type: 'keydown', keyCode: 65, modifiers: 4, key: 'a', code: 'KeyA' }],
      prevent: true,
    },
    {
      name: 'Cmd+C',
      e: ev('keydown', 'c', 'KeyC', { metaKey: true }),
      events: [{ type: 'keydown', keyCode: 67, modifiers: 128, key: 'c', code: 'KeyC' }],
      prevent: true,
    },
    { name: 'Ctrl+V goes through paste', e: ev('keydown', 'v', 'KeyV', { ctrlKey: true }), events: [], prevent: false },
    { name: 'Cmd+V goes through paste', e: ev('keydown', 'v', 'KeyV', { metaKey: true }), events: [], prevent: false },
    {
      name: 'AltGr+Q → @ (German layout) is text',
      e: ev('keydown', '@', 'KeyQ', { ctrlKey: true, altKey: true }, ['AltGraph']),
      events: [
        { type: 'keydown', keyCode: 81, modifiers: 12, key: '@', code: 'KeyQ' },
        { type: 'char', keyCode: 81, charCode: 64, modifiers: 12 },
      ],
      prevent: true,
    },
    {
      name: 'non-ASCII BMP char: char event',
      e: ev('keydown', 'é', 'Digit2'),
      events: [
        { type: 'keydown', keyCode: 50, modifiers: 0, key: 'é', code: 'Digit2' },
        { type: 'char', keyCode: 50, charCode: 0xe9, modifiers: 0 },
      ],
      prevent: true,
    },
    {
      name: 'astral char from unknown key → text',
      e: ev('keydown', '😀', ''),
      events: [{ type: 'text', text: '😀' }],
      prevent: true,
    },
    {
      name: 'IME composing → nothing',
      e: ev('keydown', 'a', 'KeyA', { isComposing: true }),
      events: [],
      prevent: false,
    },
    { name: 'Process key → nothing', e: ev('keydown', 'Process', 'KeyA'), events: [], prevent: false },
    { name: 'unknown named key → nothing', e: ev('keydown', 'BrowserBack', ''), events: [], prevent: false },
    {
      name: 'F5 forwarded (no host reload)',
      e: ev('keydown', 'F5', 'F5'),
      events: [{ type: 'keydown', keyCode: 0x74, modifiers: 0, key: 'F5', code: 'F5' }],
      prevent: true,
    },
  ];
  for (const c of cases) {
    const r = translateKey(c.e);
    assert.deepEqual(r.events, c.events, c.name);
    assert.equal(r.preventDefault, c.prevent, `${c.name} preventDefault`);
  }
});
