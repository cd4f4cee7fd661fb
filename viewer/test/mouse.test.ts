import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buttonEvent,
  buttonsToFlags,
  clickCount,
  domButton,
  LINE_PX,
  MoveThrottle,
  moveEvent,
  wheelEvent,
} from '../src/mouse.ts';

test('buttonsToFlags: DOM buttons → CEF flags', () => {
  const cases: Array<[number, number]> = [
    [0, 0],
    [1, 16],
    [2, 64],
    [4, 32],
    [3, 80],
    [7, 112],
    [8, 0],
    [16, 0],
  ];
  for (const [b, f] of cases) assert.equal(buttonsToFlags(b), f, `buttons=${b}`);
});

test('domButton and clickCount', () => {
  assert.deepEqual([0, 1, 2, 3, 4].map(domButton), [0, 1, 2, null, null]);
  assert.deepEqual([0, 1, 2, 3, 4, 10, -1, Number.NaN].map(clickCount), [1, 1, 2, 3, 3, 3, 1, 1]);
});

test('moveEvent carries held buttons and key modifiers', () => {
  assert.deepEqual(moveEvent({ x: 5, y: 6 }, 0, 0), { type: 'mousemove', x: 5, y: 6, modifiers: 0 });
  assert.deepEqual(moveEvent({ x: 5, y: 6 }, 1, 2), { type: 'mousemove', x: 5, y: 6, modifiers: 18 });
});

test('buttonEvent: down/up, double click via detail, right button, ignored back button', () => {
  assert.deepEqual(buttonEvent('mousedown', { x: 1, y: 2 }, 0, 1, 1, 0), {
    type: 'mousedown',
    x: 1,
    y: 2,
    button: 0,
    clickCount: 1,
    modifiers: 16,
  });
  assert.deepEqual(buttonEvent('mouseup', { x: 1, y: 2 }, 0, 2, 0, 4), {
    type: 'mouseup',
    x: 1,
    y: 2,
    button: 0,
    clickCount: 2,
    modifiers: 4,
  });
  assert.deepEqual(buttonEvent('mousedown', { x: 1, y: 2 }, 2, 1, 2, 0), {
    type: 'mousedown',
    x: 1,
    y: 2,
    button: 2,
    clickCount: 1,
    modifiers: 64,
  });
  assert.equal(buttonEvent('mousedown', { x: 1, y: 2 }, 3, 1, 8, 0), null);
});

test('wheelEvent: sign is the negation of DOM deltas; lines and pages become pixels', () => {
  const page = { width: 1280, height: 720 };
  const p = { x: 10, y: 20 };
  const cases: Array<{ name: string; dx: number; dy: number; mode: number; want: object | null }> = [
    {
      name: 'DOM scroll down 100px → protocol -100 (down)',
      dx: 0,
      dy: 100,
      mode: 0,
      want: { type: 'wheel', x: 10, y: 20, deltaY: -100 },
    },
    { name: 'DOM scroll up → positive', dx: 0, dy: -53, mode: 0, want: { type: 'wheel', x: 10, y: 20, deltaY: 53 } },
    {
      name: 'DOM scroll right → negative deltaX',
      dx: 30,
      dy: 0,
      mode: 0,
      want: { type: 'wheel', x: 10, y: 20, deltaX: -30 },
    },
    { name: 'lines', dx: 0, dy: 3, mode: 1, want: { type: 'wheel', x: 10, y: 20, deltaY: -3 * LINE_PX } },
    { name: 'pages', dx: 0, dy: -1, mode: 2, want: { type: 'wheel', x: 10, y: 20, deltaY: 720 } },
    { name: 'both axes', dx: -2, dy: 4, mode: 0, want: { type: 'wheel', x: 10, y: 20, deltaX: 2, deltaY: -4 } },
    { name: 'zero', dx: 0, dy: 0, mode: 0, want: null },
    { name: 'sub-pixel rounds to zero', dx: 0.2, dy: -0.3, mode: 0, want: null },
  ];
  for (const c of cases) assert.deepEqual(wheelEvent(p, c.dx, c.dy, c.mode, page), c.want, c.name);
});

test('MoveThrottle keeps only the latest move per frame', () => {
  const t = new MoveThrottle();
  assert.equal(t.push(moveEvent({ x: 1, y: 1 }, 0, 0)), true);
  assert.equal(t.push(moveEvent({ x: 2, y: 2 }, 0, 0)), false);
  assert.deepEqual(t.take(), { type: 'mousemove', x: 2, y: 2, modifiers: 0 });
  assert.equal(t.take(), null);
  assert.equal(t.push(moveEvent({ x: 3, y: 3 }, 0, 0)), true);
});
