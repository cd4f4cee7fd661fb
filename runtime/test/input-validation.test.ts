import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INPUT_LIMITS } from '@lkbrowser/protocol';
import { parseInputPacket, type ValidInputEvent } from '../src/input-validation.ts';

const vp = { width: 640, height: 480 };
const enc = (v: unknown): Uint8Array => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const one = (ev: unknown) => parseInputPacket(enc([ev]), vp);

const valid: Array<[unknown, ValidInputEvent]> = [
  [
    { type: 'mousemove', x: 1, y: 2 },
    { type: 'mousemove', x: 1, y: 2, modifiers: 0 },
  ],
  [
    { type: 'mousemove', x: 0, y: 479.5, modifiers: 16 },
    { type: 'mousemove', x: 0, y: 479.5, modifiers: 16 },
  ],
  [
    { type: 'mousedown', x: 5, y: 5 },
    { type: 'mousedown', x: 5, y: 5, button: 0, clickCount: 1, modifiers: 0 },
  ],
  [
    { type: 'mouseup', x: 639, y: 0, button: 2, clickCount: 3, modifiers: 6 },
    { type: 'mouseup', x: 639, y: 0, button: 2, clickCount: 3, modifiers: 6 },
  ],
  [
    { type: 'wheel', x: 3, y: 4, deltaY: 120 },
    { type: 'wheel', x: 3, y: 4, deltaX: 0, deltaY: 120, modifiers: 0 },
  ],
  [
    { type: 'wheel', x: 3, y: 4, deltaX: -1e9 },
    { type: 'wheel', x: 3, y: 4, deltaX: -10000, deltaY: 0, modifiers: 0 },
  ],
  [
    { type: 'keydown', keyCode: 65 },
    { type: 'keydown', keyCode: 65, modifiers: 0 },
  ],
  [
    { type: 'keyup', keyCode: 13, modifiers: 4, key: 'Enter', code: 'Enter' },
    { type: 'keyup', keyCode: 13, modifiers: 4, key: 'Enter', code: 'Enter' },
  ],
  [
    { type: 'char', keyCode: 65, charCode: 97 },
    { type: 'char', keyCode: 65, charCode: 97, modifiers: 0 },
  ],
  [
    { type: 'char', keyCode: 0, charCode: 0x1f600 },
    { type: 'char', keyCode: 0, charCode: 0x1f600, modifiers: 0 },
  ],
  [
    { type: 'text', text: 'héllo 世界' },
    { type: 'text', text: 'héllo 世界' },
  ],
  [{ type: 'mouseleave' }, { type: 'mouseleave' }],
  [
    { type: 'mousemove', x: 1, y: 2, extra: 'ignored' },
    { type: 'mousemove', x: 1, y: 2, modifiers: 0 },
  ],
];

for (const [input, expected] of valid) {
  test(`valid ${JSON.stringify(input)}`, () => {
    const r = one(input);
    assert.equal(r.rejected, undefined);
    assert.deepEqual(r.dropped, {});
    assert.deepEqual(r.events, [expected]);
  });
}

const dropped: Array<[unknown, string]> = [
  [42, 'not_object'],
  [null, 'not_object'],
  [[1], 'not_object'],
  [{ type: 'hover', x: 1, y: 1 }, 'unknown_type'],
  [{ x: 1, y: 1 }, 'unknown_type'],
  [{ type: 'mousemove', x: '1', y: 1 }, 'bad_field'],
  [{ type: 'mousemove', x: 1 }, 'bad_field'],
  [{ type: 'mousemove', x: -1, y: 1 }, 'out_of_bounds'],
  [{ type: 'mousemove', x: 640, y: 1 }, 'out_of_bounds'],
  [{ type: 'mousemove', x: 1, y: 480 }, 'out_of_bounds'],
  [{ type: 'mousemove', x: 1, y: 1, modifiers: 1.5 }, 'bad_field'],
  [{ type: 'mousemove', x: 1, y: 1, modifiers: -1 }, 'bad_field'],
  [{ type: 'mousemove', x: 1, y: 1, modifiers: 0x10000 }, 'bad_field'],
  [{ type: 'mousedown', x: 1, y: 1, button: 3 }, 'bad_field'],
  [{ type: 'mousedown', x: 1, y: 1, clickCount: 0 }, 'bad_field'],
  [{ type: 'mousedown', x: 1, y: 1, clickCount: 4 }, 'bad_field'],
  [{ type: 'wheel', x: 1, y: 1, deltaY: 'up' }, 'bad_field'],
  [{ type: 'keydown', keyCode: 256 }, 'bad_field'],
  [{ type: 'keydown', keyCode: -1 }, 'bad_field'],
  [{ type: 'keydown', keyCode: 65.5 }, 'bad_field'],
  [{ type: 'keydown' }, 'bad_field'],
  [{ type: 'keydown', keyCode: 65, key: 'x'.repeat(33) }, 'bad_field'],
  [{ type: 'keydown', keyCode: 65, code: 5 }, 'bad_field'],
  [{ type: 'char', keyCode: 65 }, 'bad_field'],
  [{ type: 'char', keyCode: 65, charCode: 0xd800 }, 'bad_field'],
  [{ type: 'char', keyCode: 65, charCode: 0x110000 }, 'bad_field'],
  [{ type: 'text', text: '' }, 'bad_field'],
  [{ type: 'text', text: 'x'.repeat(INPUT_LIMITS.maxTextChars + 1) }, 'bad_field'],
  [{ type: 'text' }, 'bad_field'],
];

for (const [input, reason] of dropped) {
  test(`dropped (${reason}) ${JSON.stringify(input).slice(0, 60)}`, () => {
    const r = one(input);
    assert.equal(r.rejected, undefined);
    assert.deepEqual(r.events, []);
    assert.deepEqual(r.dropped, { [reason]: 1 });
  });
}

test('non-finite numbers cannot arrive through JSON but 1e999 (Infinity) is dropped', () => {
  const r = parseInputPacket(enc('[{"type":"mousemove","x":1e999,"y":1}]'), vp);
  assert.deepEqual(r.dropped, { bad_field: 1 });
});

const rejected: Array<[string, Uint8Array, string]> = [
  ['too large', enc([{ type: 'text', text: 'x'.repeat(17000) }]), 'too_large'],
  ['bad json', enc('[{"type":'), 'bad_json'],
  ['invalid utf-8', new Uint8Array([0x5b, 0xff, 0x5d]), 'bad_json'],
  ['object', enc({ type: 'mousemove', x: 1, y: 1 }), 'not_array'],
  ['string', enc('"hi"'), 'not_array'],
  ['too many', enc(Array.from({ length: 65 }, () => ({ type: 'mouseleave' }))), 'too_many_events'],
  ['empty', new Uint8Array(0), 'bad_json'],
];
for (const [name, bytes, reason] of rejected) {
  test(`packet rejected: ${name}`, () => {
    const r = parseInputPacket(bytes, vp);
    assert.equal(r.rejected, reason);
    assert.deepEqual(r.events, []);
  });
}

test('mixed packet keeps the valid events in order and counts the rest', () => {
  const r = parseInputPacket(
    enc([
      { type: 'mousemove', x: 1, y: 1 },
      { type: 'nope' },
      { type: 'mousemove', x: 9999, y: 1 },
      { type: 'keydown', keyCode: 65 },
      { type: 'mousemove', x: 2, y: 2 },
    ]),
    vp,
  );
  assert.deepEqual(
    r.events.map((e) => e.type),
    ['mousemove', 'keydown', 'mousemove'],
  );
  assert.deepEqual(r.dropped, { unknown_type: 1, out_of_bounds: 1 });
  assert.equal(parseInputPacket(enc(Array.from({ length: 64 }, () => ({ type: 'mouseleave' }))), vp).events.length, 64);
});

test('fuzz: 5000 random packets never throw and every event returned is valid', () => {
  let seed = 1234567;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)] as T;
  const types = [
    'mousemove',
    'mousedown',
    'mouseup',
    'wheel',
    'keydown',
    'keyup',
    'char',
    'text',
    'mouseleave',
    'x',
    '',
  ];
  const values: unknown[] = [
    0,
    1,
    -1,
    0.5,
    639.9,
    640,
    1e308,
    -1e308,
    255,
    256,
    65,
    0xd800,
    'a',
    '',
    null,
    true,
    [],
    {},
    'x'.repeat(40),
  ];
  const randValue = (depth: number): unknown => {
    const r = rnd();
    if (r < 0.5 || depth > 2) return pick(values);
    if (r < 0.75) return Array.from({ length: Math.floor(rnd() * 4) }, () => randValue(depth + 1));
    return { [pick(['type', 'x', 'y', 'a'])]: randValue(depth + 1) };
  };
  const randEvent = (): unknown => {
    if (rnd() < 0.1) return randValue(0);
    const ev: Record<string, unknown> = { type: pick(types) };
    for (const k of [
      'x',
      'y',
      'button',
      'clickCount',
      'modifiers',
      'deltaX',
      'deltaY',
      'keyCode',
      'charCode',
      'text',
      'key',
      'code',
    ]) {
      if (rnd() < 0.5) ev[k] = k === 'text' && rnd() < 0.5 ? 'hello' : pick(values);
    }
    return ev;
  };
  let accepted = 0;
  let droppedCount = 0;
  for (let i = 0; i < 5000; i++) {
    let bytes: Uint8Array;
    const mode = rnd();
    if (mode < 0.1) bytes = Uint8Array.from({ length: Math.floor(rnd() * 64) }, () => Math.floor(rnd() * 256));
    else if (mode < 0.2) {
      const s = JSON.stringify(Array.from({ length: 3 }, randEvent));
      bytes = enc(s.slice(0, Math.floor(rnd() * s.length)));
    } else if (mode < 0.25) bytes = enc(randValue(0) ?? null);
    else bytes = enc(Array.from({ length: Math.floor(rnd() * 70) }, randEvent));
    const r = parseInputPacket(bytes, vp);
    accepted += r.events.length;
    droppedCount += Object.values(r.dropped).reduce((a, b) => a + b, 0);
    for (const ev of r.events) {
      if ('x' in ev) {
        assert.ok(Number.isFinite(ev.x) && ev.x >= 0 && ev.x < vp.width);
        assert.ok(Number.isFinite(ev.y) && ev.y >= 0 && ev.y < vp.height);
      }
      if ('keyCode' in ev) assert.ok(Number.isInteger(ev.keyCode) && ev.keyCode >= 0 && ev.keyCode <= 255);
      if ('modifiers' in ev) assert.ok(Number.isInteger(ev.modifiers));
    }
  }
  assert.ok(accepted > 0, 'the fuzzer produced some valid events');
  assert.ok(droppedCount > 0, 'and some invalid ones');
});
