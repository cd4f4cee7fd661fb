import assert from 'node:assert/strict';
import { test } from 'node:test';
import { easeOutSteps, WHEEL_ANIMATION_MS, WHEEL_STEP_MS, WheelSmoother } from '../src/wheel-smoothing.ts';

const STEPS = Math.round(WHEEL_ANIMATION_MS / WHEEL_STEP_MS);

test('easeOutSteps: integer steps, largest first, summing exactly to the delta', () => {
  const cases: Array<[number, number]> = [
    [120, 6],
    [-120, 6],
    [100, 6],
    [3, 6],
    [-1, 6],
    [0, 6],
    [720, 6],
    [53, 1],
  ];
  for (const [delta, n] of cases) {
    const s = easeOutSteps(delta, n);
    assert.equal(s.length, n, `${delta}/${n}`);
    assert.equal(
      s.reduce((a, b) => a + b, 0),
      delta,
      `${delta}/${n}: sum`,
    );
    for (const v of s) assert.ok(Number.isInteger(v) && Math.sign(v) * Math.sign(delta) >= 0, `${delta}: ${s}`);
    for (let i = 1; i < s.length; i++)
      assert.ok(Math.abs(s[i] ?? 0) <= Math.abs(s[i - 1] ?? 0) + 1, `${delta}: ease-out ${s}`);
  }
});

const at = { x: 10, y: 20, modifiers: 0 };
const drain = (w: WheelSmoother) => {
  const out = [];
  for (let s = w.next(); s; s = w.next()) out.push(s);
  return out;
};

test('WheelSmoother: a notch becomes steps; one arriving mid-way joins what is left; zero steps are skipped', () => {
  const cases: Array<{ name: string; run: (w: WheelSmoother) => number[]; wantSum: number; maxSteps: number }> = [
    {
      name: 'one notch',
      run: (w) => (w.add({ ...at, deltaX: 0, deltaY: -100 }), drain(w).map((s) => s.deltaY)),
      wantSum: -100,
      maxSteps: STEPS,
    },
    {
      name: 'second notch after two steps: retargeted, nothing lost',
      run: (w) => {
        w.add({ ...at, deltaX: 0, deltaY: 100 });
        const sent = [w.next()?.deltaY ?? 0, w.next()?.deltaY ?? 0];
        w.add({ ...at, deltaX: 0, deltaY: 100 });
        return [...sent, ...drain(w).map((s) => s.deltaY)];
      },
      wantSum: 200,
      maxSteps: STEPS + 2,
    },
    {
      name: 'a 2 px notch: only the non-zero steps',
      run: (w) => (w.add({ ...at, deltaX: 0, deltaY: 2 }), drain(w).map((s) => s.deltaY)),
      wantSum: 2,
      maxSteps: 2,
    },
  ];
  for (const c of cases) {
    const w = new WheelSmoother();
    const got = c.run(w);
    assert.equal(
      got.reduce((a, b) => a + b, 0),
      c.wantSum,
      `${c.name}: ${got}`,
    );
    assert.ok(got.length <= c.maxSteps && got.every((v) => v !== 0), `${c.name}: ${got}`);
    assert.equal(w.pending, 0, c.name);
  }
});

test('WheelSmoother: a notch at another position or with other modifiers first lands the rest of the running one', () => {
  const w = new WheelSmoother();
  w.add({ ...at, deltaX: 30, deltaY: -90 });
  const first = w.next();
  const rest = w.add({ x: 50, y: 60, modifiers: 0, deltaX: 0, deltaY: 10 });
  assert.deepEqual(rest, { ...at, deltaX: 30 - (first?.deltaX ?? 0), deltaY: -90 - (first?.deltaY ?? 0) });
  const next = drain(w);
  assert.ok(next.every((s) => s.x === 50 && s.y === 60));
  assert.equal(
    next.reduce((a, s) => a + s.deltaY, 0),
    10,
  );
  w.add({ ...at, deltaX: 0, deltaY: 5 });
  assert.deepEqual(w.add({ ...at, modifiers: 4, deltaX: 0, deltaY: 5 }), { ...at, deltaX: 0, deltaY: 5 });
  assert.deepEqual(w.flush(), { ...at, modifiers: 4, deltaX: 0, deltaY: 5 });
  assert.equal(w.flush(), undefined);
});
