import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CefFlag } from '@lkbrowser/protocol';
import { comboEvents, parseKeys, parseModifierFlags } from '../src/key-names.ts';

const C = CefFlag.Control;
const S = CefFlag.Shift;

const combos: Array<[string, unknown[]]> = [
  [
    'ctrl+a',
    [
      { type: 'keydown', keyCode: 17, modifiers: C, key: 'Control', code: 'ControlLeft' },
      { type: 'keydown', keyCode: 65, modifiers: C, key: 'a', code: 'KeyA' },
      { type: 'keyup', keyCode: 65, modifiers: C, key: 'a', code: 'KeyA' },
      { type: 'keyup', keyCode: 17, modifiers: 0, key: 'Control', code: 'ControlLeft' },
    ],
  ],
  [
    'shift+Tab',
    [
      { type: 'keydown', keyCode: 16, modifiers: S, key: 'Shift', code: 'ShiftLeft' },
      { type: 'keydown', keyCode: 9, modifiers: S, key: 'Tab', code: 'Tab' },
      { type: 'keyup', keyCode: 9, modifiers: S, key: 'Tab', code: 'Tab' },
      { type: 'keyup', keyCode: 16, modifiers: 0, key: 'Shift', code: 'ShiftLeft' },
    ],
  ],
  [
    'Return',
    [
      { type: 'keydown', keyCode: 13, modifiers: 0, key: 'Enter', code: 'Enter' },
      { type: 'char', keyCode: 13, charCode: 13, modifiers: 0 },
      { type: 'keyup', keyCode: 13, modifiers: 0, key: 'Enter', code: 'Enter' },
    ],
  ],
  [
    'shift+a',
    [
      { type: 'keydown', keyCode: 16, modifiers: S, key: 'Shift', code: 'ShiftLeft' },
      { type: 'keydown', keyCode: 65, modifiers: S, key: 'a', code: 'KeyA' },
      { type: 'char', keyCode: 65, charCode: 97, modifiers: S },
      { type: 'keyup', keyCode: 65, modifiers: S, key: 'a', code: 'KeyA' },
      { type: 'keyup', keyCode: 16, modifiers: 0, key: 'Shift', code: 'ShiftLeft' },
    ],
  ],
  ['é', [{ type: 'text', text: 'é' }]],
  [
    'Page_Down',
    [
      { type: 'keydown', keyCode: 34, modifiers: 0, key: 'PageDown', code: 'PageDown' },
      { type: 'keyup', keyCode: 34, modifiers: 0, key: 'PageDown', code: 'PageDown' },
    ],
  ],
  [
    'ctrl',
    [
      { type: 'keydown', keyCode: 17, modifiers: C, key: 'Control', code: 'ControlLeft' },
      { type: 'keyup', keyCode: 17, modifiers: 0, key: 'Control', code: 'ControlLeft' },
    ],
  ],
];

for (const [keys, expected] of combos) {
  test(`key combo ${keys}`, () => {
    const r = parseKeys(keys);
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(
      r.combos.flatMap((c) => comboEvents(c, 'press')),
      expected,
    );
  });
}

test('space-separated combos are pressed one after another; a lone space is the space key', () => {
  const r = parseKeys('ctrl+a Delete');
  assert.ok(r.ok);
  assert.deepEqual(
    r.combos.map((c) => [c.modifiers, c.key.key]),
    [
      [['ctrl'], 'a'],
      [[], 'Delete'],
    ],
  );
  const sp = parseKeys(' ');
  assert.ok(sp.ok);
  assert.equal(sp.combos[0]?.key.key, ' ');
  const plus = parseKeys('ctrl++');
  assert.ok(plus.ok);
  assert.equal(plus.combos[0]?.key.key, '+');
});

test('hold: down then up phases split one press', () => {
  const r = parseKeys('shift+x');
  assert.ok(r.ok);
  const c = r.combos[0];
  assert.ok(c);
  assert.deepEqual([...comboEvents(c, 'down'), ...comboEvents(c, 'up')], comboEvents(c, 'press'));
});

const badKeys: unknown[] = [
  '',
  '   ',
  'ctrl+',
  'a+b',
  'NoSuchKey',
  'ctrl+NoSuchKey',
  42,
  'x'.repeat(200),
  Array(20).fill('a').join(' '),
  '\u0001',
];
for (const k of badKeys) {
  test(`bad keys ${JSON.stringify(k).slice(0, 40)}`, () => {
    assert.equal(parseKeys(k).ok, false);
  });
}

test('modifier lists', () => {
  assert.equal(parseModifierFlags(undefined), 0);
  assert.equal(parseModifierFlags('shift'), S);
  assert.equal(parseModifierFlags('ctrl+shift'), C | S);
  assert.equal(parseModifierFlags('cmd'), CefFlag.Command);
  assert.equal(typeof parseModifierFlags('hyper'), 'string');
  assert.equal(typeof parseModifierFlags(3), 'string');
});

test('upper-case names as OpenAI writes them', () => {
  for (const k of ['CTRL+A', 'ENTER', 'SHIFT+TAB', 'meta+space', 'ESC', 'ARROWDOWN', 'PAGEDOWN', 'BACKSPACE'])
    assert.ok(parseKeys(k).ok, k);
});
