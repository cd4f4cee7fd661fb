// The Anthropic and OpenAI computer-use action sets → browser/actions, with coordinates scaled between the
// model's screenshot size and the viewport. Pure table tests.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createScaler, fitModelSize, fromAnthropic, fromOpenAI, openaiKeys, ToolInputError } from '../src/index.ts';

// 1920x1080 viewport shown to the model at 1280x720 (x1.5).
const s = createScaler({ width: 1920, height: 1080 }, { width: 1280, height: 720 });

test('scaling', () => {
  assert.deepEqual(fitModelSize({ width: 1920, height: 1080 }), { width: 1280, height: 720 });
  assert.deepEqual(fitModelSize({ width: 1280, height: 1024 }), { width: 1000, height: 800 });
  assert.deepEqual(fitModelSize({ width: 800, height: 600 }), { width: 800, height: 600 });
  assert.equal(s.scale, 2 / 3);
  assert.deepEqual(s.toPage(100, 200), { x: 150, y: 300 });
  assert.deepEqual(s.toPage(1279, 719), { x: 1919, y: 1079 }, 'clamped into the viewport');
  assert.deepEqual(s.toPage(-5, 9999), { x: 0, y: 1079 });
  assert.deepEqual(s.toModel(150, 300), { x: 100, y: 200 });
});

const anthropic: Array<[unknown, unknown]> = [
  [{ action: 'screenshot' }, { actions: [], screenshot: true, cursorPosition: false }],
  [{ action: 'cursor_position' }, { actions: [], screenshot: false, cursorPosition: true }],
  [{ action: 'left_click', coordinate: [100, 200] }, [{ type: 'left_click', x: 150, y: 300 }]],
  [
    { action: 'left_click', coordinate: [100, 200], text: 'shift' },
    [{ type: 'left_click', x: 150, y: 300, modifiers: 'shift' }],
  ],
  [{ action: 'right_click', coordinate: [0, 0] }, [{ type: 'right_click', x: 0, y: 0 }]],
  [{ action: 'middle_click', coordinate: [2, 2] }, [{ type: 'middle_click', x: 3, y: 3 }]],
  [{ action: 'double_click', coordinate: [10, 10] }, [{ type: 'double_click', x: 15, y: 15 }]],
  [{ action: 'triple_click', coordinate: [10, 10] }, [{ type: 'triple_click', x: 15, y: 15 }]],
  [
    { action: 'double_click' },
    [
      { type: 'mouse_down', button: 'left' },
      { type: 'mouse_up', button: 'left' },
      { type: 'mouse_down', button: 'left' },
      { type: 'mouse_up', button: 'left' },
    ],
  ],
  [{ action: 'mouse_move', coordinate: [20, 40] }, [{ type: 'mouse_move', x: 30, y: 60 }]],
  [
    { action: 'left_click_drag', start_coordinate: [0, 0], coordinate: [100, 100] },
    [
      {
        type: 'drag',
        path: [
          { x: 0, y: 0 },
          { x: 150, y: 150 },
        ],
      },
    ],
  ],
  [{ action: 'left_mouse_down' }, [{ type: 'mouse_down', button: 'left' }]],
  [{ action: 'left_mouse_up' }, [{ type: 'mouse_up', button: 'left' }]],
  [{ action: 'type', text: 'hello\n' }, [{ type: 'type', text: 'hello\n' }]],
  [{ action: 'key', text: 'ctrl+a' }, [{ type: 'key', keys: 'ctrl+a' }]],
  [{ action: 'hold_key', text: 'shift', duration: 1.5 }, [{ type: 'hold_key', keys: 'shift', durationMs: 1500 }]],
  [
    { action: 'scroll', coordinate: [100, 100], scroll_direction: 'up', scroll_amount: 5 },
    [{ type: 'scroll', x: 150, y: 150, direction: 'up', amount: 5 }],
  ],
  [{ action: 'scroll', scroll_direction: 'down' }, [{ type: 'scroll', x: 960, y: 540, direction: 'down', amount: 3 }]],
  [{ action: 'wait', duration: 2 }, [{ type: 'wait', ms: 2000 }]],
];
for (const [input, expected] of anthropic) {
  test(`anthropic ${JSON.stringify(input)}`, () => {
    const step = fromAnthropic(input, s);
    if (Array.isArray(expected)) assert.deepEqual(step.actions, expected);
    else assert.deepEqual(step, expected);
  });
}

const openai: Array<[unknown, unknown]> = [
  [{ type: 'screenshot' }, { actions: [], screenshot: true, cursorPosition: false }],
  [{ type: 'click', x: 100, y: 200, button: 'left' }, [{ type: 'click', x: 150, y: 300, button: 'left' }]],
  [{ type: 'click', x: 1, y: 1, button: 'right' }, [{ type: 'click', x: 2, y: 2, button: 'right' }]],
  [{ type: 'click', x: 1, y: 1, button: 'wheel' }, [{ type: 'click', x: 2, y: 2, button: 'middle' }]],
  [{ type: 'click', x: 1, y: 1, button: 'back' }, [{ type: 'back' }]],
  [{ type: 'click', x: 1, y: 1, button: 'forward' }, [{ type: 'forward' }]],
  [{ type: 'double_click', x: 10, y: 10 }, [{ type: 'double_click', x: 15, y: 15 }]],
  [{ type: 'move', x: 10, y: 10 }, [{ type: 'mouse_move', x: 15, y: 15 }]],
  [
    {
      type: 'drag',
      path: [
        { x: 0, y: 0 },
        { x: 10, y: 0 },
        { x: 10, y: 10 },
      ],
    },
    [
      {
        type: 'drag',
        path: [
          { x: 0, y: 0 },
          { x: 15, y: 0 },
          { x: 15, y: 15 },
        ],
      },
    ],
  ],
  [
    { type: 'scroll', x: 100, y: 100, scroll_x: 0, scroll_y: 400 },
    [{ type: 'scroll', x: 150, y: 150, direction: 'down', amount: 6 }],
  ],
  [
    { type: 'scroll', x: 100, y: 100, scroll_x: -50, scroll_y: 0 },
    [{ type: 'scroll', x: 150, y: 150, direction: 'left', amount: 1 }],
  ],
  [{ type: 'type', text: 'abc' }, [{ type: 'type', text: 'abc' }]],
  [{ type: 'keypress', keys: ['CTRL', 'A'] }, [{ type: 'key', keys: 'CTRL+A' }]],
  [{ type: 'keypress', keys: ['ENTER'] }, [{ type: 'key', keys: 'ENTER' }]],
  [{ type: 'keypress', keys: ['CMD', 'SPACE'] }, [{ type: 'key', keys: 'meta+space' }]],
  [{ type: 'wait' }, [{ type: 'wait', ms: 1000 }]],
];
for (const [input, expected] of openai) {
  test(`openai ${JSON.stringify(input)}`, () => {
    const step = fromOpenAI(input, s);
    if (Array.isArray(expected)) assert.deepEqual(step.actions, expected);
    else assert.deepEqual(step, expected);
  });
}

test('bad tool input is a ToolInputError (reported to the model, not thrown through the loop)', () => {
  for (const bad of [
    null,
    { action: 'fly' },
    { action: 'left_click', coordinate: [1] },
    { action: 'type' },
    { action: 'scroll', scroll_direction: 'in' },
  ]) {
    assert.throws(() => fromAnthropic(bad, s), ToolInputError, JSON.stringify(bad));
  }
  for (const bad of [
    null,
    { type: 'fly' },
    { type: 'click', x: 'a', y: 1 },
    { type: 'click', x: 1, y: 1, button: 'side' },
    { type: 'keypress', keys: [] },
    { type: 'drag', path: [{ x: 1, y: 1 }] },
  ]) {
    assert.throws(() => fromOpenAI(bad, s), ToolInputError, JSON.stringify(bad));
  }
  assert.equal(openaiKeys(['SHIFT', 'TAB']), 'SHIFT+TAB');
});
