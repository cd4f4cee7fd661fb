import assert from 'node:assert/strict';
import { test } from 'node:test';
import { actionEvents, typeEvents } from '../src/actions-map.ts';
import { ACTION_TYPES } from '@lkbrowser/protocol';
import { ACTION_LIMITS, type Action, parseActionBatch } from '../src/actions-parse.ts';
import { CefFlag } from '@lkbrowser/protocol';
import { validateInputEvent } from '../src/input-validation.ts';

const vp = { width: 640, height: 480 };
const one = (a: unknown) => parseActionBatch(JSON.stringify({ actions: [a] }), vp);
const parsed = (a: unknown): Action => {
  const r = one(a);
  assert.ok(r.ok, JSON.stringify(r));
  return r.batch.actions[0] as Action;
};

const valid: Array<[unknown, Partial<Action>]> = [
  [
    { type: 'left_click', x: 10, y: 20 },
    { type: 'click', x: 10, y: 20, button: 0, count: 1, modifiers: 0 },
  ],
  [
    { type: 'right_click', x: 1, y: 2 },
    { type: 'click', button: 2, count: 1 },
  ],
  [
    { type: 'middle_click', x: 1, y: 2 },
    { type: 'click', button: 1, count: 1 },
  ],
  [
    { type: 'double_click', x: 1, y: 2 },
    { type: 'click', button: 0, count: 2 },
  ],
  [
    { type: 'triple_click', x: 1, y: 2, modifiers: 'shift' },
    { type: 'click', count: 3, modifiers: CefFlag.Shift },
  ],
  [
    { type: 'click', x: 639, y: 479, button: 'right', count: 2 },
    { type: 'click', button: 2, count: 2 },
  ],
  [
    { type: 'mouse_move', x: 5, y: 6 },
    { type: 'mouse_move', x: 5, y: 6 },
  ],
  [{ type: 'left_mouse_down' }, { type: 'mouse_down', button: 0 }],
  [
    { type: 'mouse_up', x: 3, y: 4, button: 'middle' },
    { type: 'mouse_up', x: 3, y: 4, button: 1 },
  ],
  [
    {
      type: 'drag',
      path: [
        { x: 0, y: 0 },
        { x: 100, y: 0 },
      ],
    },
    { type: 'drag', button: 0 },
  ],
  [{ type: 'cursor_position' }, { type: 'cursor_position' }],
  [
    { type: 'scroll', x: 5, y: 5 },
    { type: 'scroll', direction: 'down', amount: 3 },
  ],
  [
    { type: 'scroll', x: 5, y: 5, direction: 'left', amount: 50 },
    { type: 'scroll', direction: 'left', amount: 50 },
  ],
  [
    { type: 'type', text: 'héllo\n' },
    { type: 'type', text: 'héllo\n' },
  ],
  [
    { type: 'key', keys: 'ctrl+a' },
    { type: 'key', keys: 'ctrl+a' },
  ],
  [
    { type: 'hold_key', keys: 'shift', durationMs: 100 },
    { type: 'hold_key', durationMs: 100 },
  ],
  [{ type: 'wait' }, { type: 'wait', ms: 1000 }],
  [
    { type: 'wait', ms: 0 },
    { type: 'wait', ms: 0 },
  ],
  [
    { type: 'navigate', url: 'https://example.com/' },
    { type: 'navigate', url: 'https://example.com/' },
  ],
  [{ type: 'back' }, { type: 'back' }],
  [{ type: 'forward' }, { type: 'forward' }],
  [{ type: 'reload' }, { type: 'reload' }],
  [{ type: 'wait_for_load' }, { type: 'wait_for_load', timeoutMs: 10_000 }],
  [
    { type: 'wait_for_settle', quietMs: 100 },
    { type: 'wait_for_settle', quietMs: 100, timeoutMs: 5000 },
  ],
];
for (const [raw, expected] of valid) {
  test(`action ${JSON.stringify(raw)}`, () => {
    const a = parsed(raw);
    for (const [k, v] of Object.entries(expected)) assert.deepEqual((a as Record<string, unknown>)[k], v, k);
  });
}

const invalid: Array<[unknown, RegExp]> = [
  [{ type: 'left_click', x: 640, y: 0 }, /outside the viewport/],
  [{ type: 'left_click', x: -1, y: 0 }, /outside the viewport/],
  [{ type: 'left_click', x: 'a', y: 0 }, /must be a number/],
  [{ type: 'left_click', x: 1 }, /y must be a number/],
  [{ type: 'click', x: 1, y: 1, button: 'side' }, /button/],
  [{ type: 'click', x: 1, y: 1, count: 4 }, /count/],
  [{ type: 'left_click', x: 1, y: 1, modifiers: 'hyper' }, /unknown modifier/],
  [{ type: 'drag', path: [{ x: 1, y: 1 }] }, /path/],
  [
    {
      type: 'drag',
      path: [
        { x: 1, y: 1 },
        { x: 1000, y: 1 },
      ],
    },
    /outside/,
  ],
  [{ type: 'scroll', x: 1, y: 1, direction: 'sideways' }, /direction/],
  [{ type: 'scroll', x: 1, y: 1, amount: 0 }, /amount/],
  [{ type: 'type', text: '' }, /text/],
  [{ type: 'type', text: 'x'.repeat(ACTION_LIMITS.maxTextChars + 1) }, /text/],
  [{ type: 'key', keys: 'NoSuchKey' }, /unknown key/],
  [{ type: 'hold_key', keys: 'a', durationMs: 20_000 }, /durationMs/],
  [{ type: 'wait', ms: -1 }, /ms must be/],
  [{ type: 'wait', ms: 1.5 }, /ms must be/],
  [{ type: 'navigate' }, /url/],
  [{ type: 'explode' }, /unknown action type "explode"/],
  [{}, /type must be a string/],
  [42, /must be an object/],
];
for (const [raw, re] of invalid) {
  test(`invalid action ${JSON.stringify(raw).slice(0, 60)}`, () => {
    const r = one(raw);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.match(r.error, /^actions\[0\]: /);
      assert.match(r.error, re);
    }
  });
}

test('batch-level rules', () => {
  const bad = (p: string, re: RegExp) => {
    const r = parseActionBatch(p, vp);
    assert.equal(r.ok, false, p.slice(0, 50));
    if (!r.ok) assert.match(r.error, re);
  };
  bad('not json', /not JSON/);
  bad('[]', /must be an object/);
  bad('{}', /actions must be an array/);
  bad(JSON.stringify({ actions: [] }), /1\.\.100/);
  bad(JSON.stringify({ actions: Array(101).fill({ type: 'back' }) }), /1\.\.100/);
  bad(JSON.stringify({ actions: Array(4).fill({ type: 'wait', ms: 10_000 }) }), /add up to 40000 ms/);
  bad(JSON.stringify({ actions: [{ type: 'back' }], waitFrame: 'yes' }), /waitFrame/);
  bad(JSON.stringify({ actions: [{ type: 'back' }], frameTimeoutMs: 0 }), /frameTimeoutMs/);
  bad(JSON.stringify({ actions: [{ type: 'back' }, { type: 'nope' }] }), /^actions\[1\]/);
  const ok = parseActionBatch(JSON.stringify({ actions: [{ type: 'back' }], waitFrame: true }), vp);
  assert.ok(ok.ok);
  assert.equal(ok.batch.waitFrame, true);
  assert.equal(ok.batch.frameTimeoutMs, 2000);
});

// Mapping: every event an action produces passes the input pipeline's own validation.
const mapped: Array<[unknown, unknown[]]> = [
  [
    { type: 'double_click', x: 10, y: 20 },
    [
      { type: 'mousemove', x: 10, y: 20, modifiers: 0 },
      { type: 'mousedown', x: 10, y: 20, button: 0, clickCount: 1, modifiers: 0 },
      { type: 'mouseup', x: 10, y: 20, button: 0, clickCount: 1, modifiers: 0 },
      { type: 'mousedown', x: 10, y: 20, button: 0, clickCount: 2, modifiers: 0 },
      { type: 'mouseup', x: 10, y: 20, button: 0, clickCount: 2, modifiers: 0 },
    ],
  ],
  [
    { type: 'scroll', x: 5, y: 6, direction: 'down', amount: 2 },
    [
      { type: 'mousemove', x: 5, y: 6, modifiers: 0 },
      { type: 'wheel', x: 5, y: 6, deltaX: 0, deltaY: -100, modifiers: 0 },
      { type: 'wheel', x: 5, y: 6, deltaX: 0, deltaY: -100, modifiers: 0 },
    ],
  ],
  [
    { type: 'scroll', x: 5, y: 6, direction: 'right', amount: 1 },
    [
      { type: 'mousemove', x: 5, y: 6, modifiers: 0 },
      { type: 'wheel', x: 5, y: 6, deltaX: -100, deltaY: 0, modifiers: 0 },
    ],
  ],
  [
    {
      type: 'drag',
      path: [
        { x: 0, y: 0 },
        { x: 50, y: 0 },
      ],
    },
    [
      { type: 'mousemove', x: 0, y: 0, modifiers: 0 },
      { type: 'mousedown', x: 0, y: 0, button: 0, clickCount: 1, modifiers: 0 },
      { type: 'mousemove', x: 25, y: 0, modifiers: CefFlag.LeftMouse },
      { type: 'mousemove', x: 50, y: 0, modifiers: CefFlag.LeftMouse },
      { type: 'mouseup', x: 50, y: 0, button: 0, clickCount: 1, modifiers: 0 },
    ],
  ],
  [{ type: 'left_mouse_down' }, [{ type: 'mousedown', x: 7, y: 8, button: 0, clickCount: 1, modifiers: 0 }]],
];
for (const [raw, expected] of mapped) {
  test(`maps ${JSON.stringify(raw)}`, () => {
    const evs = actionEvents(parsed(raw), { x: 7, y: 8 });
    assert.deepEqual(evs, expected);
    for (const e of evs ?? []) assert.equal(typeof validateInputEvent(e, vp), 'object', JSON.stringify(e));
  });
}

test('type: text as text, newline as Enter, tab as Tab', () => {
  const evs = typeEvents('ab\r\ncd\té');
  assert.deepEqual(
    evs.map((e) => (e.type === 'text' ? e.text : 'keyCode' in e ? `${e.type}:${e.keyCode}` : e.type)),
    ['ab', 'keydown:13', 'char:13', 'keyup:13', 'cd', 'keydown:9', 'keyup:9', 'é'],
  );
  for (const e of evs) assert.equal(typeof validateInputEvent(e, vp), 'object');
});

test('non-input actions map to nothing', () => {
  for (const raw of [
    { type: 'wait' },
    { type: 'navigate', url: 'https://a.b/' },
    { type: 'cursor_position' },
    { type: 'hold_key', keys: 'a' },
  ]) {
    assert.equal(actionEvents(parsed(raw), { x: 0, y: 0 }), undefined);
  }
});

test('every action type of the protocol is one the runtime parses', () => {
  const sample: Record<string, unknown> = {
    x: 5,
    y: 5,
    path: [
      { x: 1, y: 1 },
      { x: 2, y: 2 },
    ],
    text: 'a',
    keys: 'a',
    url: 'https://example.com/',
  };
  for (const type of ACTION_TYPES) {
    const r = parseActionBatch(JSON.stringify({ actions: [{ type, ...sample }] }), { width: 100, height: 100 });
    assert.equal(r.ok, true, `${type}: ${r.ok ? '' : r.error}`);
  }
  const unknown = parseActionBatch(JSON.stringify({ actions: [{ type: 'teleport', x: 1, y: 1 }] }), {
    width: 100,
    height: 100,
  });
  assert.equal(unknown.ok, false);
});
