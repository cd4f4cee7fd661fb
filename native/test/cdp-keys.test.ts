// US key table: virtual-key code → DOM key/code/text, shift handling, editing commands.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { editingCommands, keyDefinition, knownKeyCodes, resolveKey } from '../src/cdp/keys.ts';

const SHIFT = 8;
const CTRL = 2;
const ALT = 1;
const META = 4;

test('letters: lower/upper case with Shift, KeyX codes', () => {
  for (let vk = 65; vk <= 90; vk++) {
    const upper = String.fromCharCode(vk);
    const lower = upper.toLowerCase();
    assert.deepEqual(resolveKey(vk), {
      key: lower,
      code: `Key${upper}`,
      text: lower,
      unmodifiedText: lower,
      location: undefined,
    });
    const s = resolveKey(vk, SHIFT);
    assert.equal(s.key, upper);
    assert.equal(s.text, upper);
    assert.equal(s.unmodifiedText, lower);
  }
});

test('digits and their shifted symbols', () => {
  const shifted = ')!@#$%^&*(';
  for (let d = 0; d <= 9; d++) {
    assert.deepEqual(
      [resolveKey(48 + d).key, resolveKey(48 + d).code, resolveKey(48 + d).text],
      [String(d), `Digit${d}`, String(d)],
    );
    assert.equal(resolveKey(48 + d, SHIFT).text, shifted[d]);
    assert.equal(resolveKey(48 + d, SHIFT).key, shifted[d]);
  }
});

test('US punctuation 186–192 and 219–222', () => {
  const expected: [number, string, string, string][] = [
    [186, ';', ':', 'Semicolon'],
    [187, '=', '+', 'Equal'],
    [188, ',', '<', 'Comma'],
    [189, '-', '_', 'Minus'],
    [190, '.', '>', 'Period'],
    [191, '/', '?', 'Slash'],
    [192, '`', '~', 'Backquote'],
    [219, '[', '{', 'BracketLeft'],
    [220, '\\', '|', 'Backslash'],
    [221, ']', '}', 'BracketRight'],
    [222, "'", '"', 'Quote'],
  ];
  for (const [vk, plain, shifted, code] of expected) {
    assert.equal(resolveKey(vk).text, plain, `vk ${vk}`);
    assert.equal(resolveKey(vk).code, code, `vk ${vk}`);
    assert.equal(resolveKey(vk, SHIFT).text, shifted, `vk ${vk} shifted`);
    assert.equal(resolveKey(vk, SHIFT).key, shifted, `vk ${vk} shifted key`);
  }
});

test('named keys: Enter types \\r, others type nothing', () => {
  const named: [number, string, string][] = [
    [13, 'Enter', '\r'],
    [9, 'Tab', ''],
    [8, 'Backspace', ''],
    [27, 'Escape', ''],
    [32, ' ', ' '],
    [37, 'ArrowLeft', ''],
    [38, 'ArrowUp', ''],
    [39, 'ArrowRight', ''],
    [40, 'ArrowDown', ''],
    [36, 'Home', ''],
    [35, 'End', ''],
    [33, 'PageUp', ''],
    [34, 'PageDown', ''],
    [46, 'Delete', ''],
    [45, 'Insert', ''],
    [16, 'Shift', ''],
    [17, 'Control', ''],
    [18, 'Alt', ''],
    [91, 'Meta', ''],
  ];
  for (const [vk, key, text] of named) {
    const r = resolveKey(vk);
    assert.equal(r.key, key, `vk ${vk}`);
    assert.equal(r.text, text, `vk ${vk} text`);
  }
  assert.equal(resolveKey(32).code, 'Space');
  assert.equal(resolveKey(16).code, 'ShiftLeft');
  assert.equal(resolveKey(16).location, 1);
  for (let i = 1; i <= 12; i++) {
    assert.deepEqual(
      [resolveKey(0x6f + i).key, resolveKey(0x6f + i).code, resolveKey(0x6f + i).text],
      [`F${i}`, `F${i}`, ''],
    );
  }
});

test('numpad keys carry location 3', () => {
  assert.deepEqual(resolveKey(96 + 7), { key: '7', code: 'Numpad7', text: '7', unmodifiedText: '7', location: 3 });
  assert.equal(resolveKey(107).code, 'NumpadAdd');
});

test('Ctrl/Alt/Meta chords type no text; unknown codes are Unidentified', () => {
  assert.equal(resolveKey(65, CTRL).text, '');
  assert.equal(resolveKey(65, ALT).text, '');
  assert.equal(resolveKey(65, META).text, '');
  assert.equal(resolveKey(65, CTRL).key, 'a');
  assert.equal(resolveKey(65, CTRL | SHIFT).key, 'A');
  assert.deepEqual(resolveKey(255), {
    key: 'Unidentified',
    code: '',
    text: '',
    unmodifiedText: '',
    location: undefined,
  });
  assert.equal(keyDefinition(255), undefined);
});

test('table covers every key the seed PageActions can name', () => {
  const codes = new Set(knownKeyCodes());
  const needed = [
    8, 9, 13, 16, 17, 18, 27, 32, 33, 34, 35, 36, 37, 38, 39, 40, 45, 46, 91, 186, 187, 188, 189, 190, 191, 192, 219,
    220, 221, 222,
  ];
  for (let vk = 48; vk <= 57; vk++) needed.push(vk);
  for (let vk = 65; vk <= 90; vk++) needed.push(vk);
  for (let vk = 0x70; vk <= 0x7b; vk++) needed.push(vk);
  for (const vk of needed) assert.ok(codes.has(vk), `vk ${vk} missing`);
});

test('editing commands for Ctrl (and Meta) shortcuts', () => {
  assert.deepEqual(editingCommands(65, CTRL), ['selectAll']);
  assert.deepEqual(editingCommands(65, META), ['selectAll']);
  assert.deepEqual(editingCommands(67, CTRL), ['copy']);
  assert.deepEqual(editingCommands(88, CTRL), ['cut']);
  assert.deepEqual(editingCommands(86, CTRL), ['paste']);
  assert.deepEqual(editingCommands(90, CTRL), ['undo']);
  assert.deepEqual(editingCommands(90, CTRL | SHIFT), ['redo']);
  assert.deepEqual(editingCommands(89, CTRL), ['redo']);
  assert.deepEqual(editingCommands(65, 0), []);
  assert.deepEqual(editingCommands(65, SHIFT), []);
  assert.deepEqual(editingCommands(65, CTRL | ALT), []);
  assert.deepEqual(editingCommands(66, CTRL), []);
});
