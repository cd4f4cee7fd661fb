import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type Criteria,
  densityRatio,
  largestPassingN,
  nextN,
  type SessionFigures,
  type Step,
  sessionPasses,
  stepPasses,
  type Verdict,
  worstOf,
} from '../lib/density.ts';

const c: Criteria = { minFps: 25, maxP95Ms: 150 };
const ok: SessionFigures = { fps: 29.5, p95: 90 };
const slow: SessionFigures = { fps: 29, p95: 151 };
const choppy: SessionFigures = { fps: 24.9, p95: 100 };
const step = (n: number, ...sessions: SessionFigures[]): Step => ({ n, sessions });
const okStep = (n: number): Step => step(n, ...Array.from({ length: n }, () => ok));

test('a session passes only with both criteria met and no error (table)', () => {
  const cases: { s: SessionFigures; want: boolean; why: string }[] = [
    { s: ok, want: true, why: 'well inside both' },
    { s: { fps: 25, p95: 150 }, want: true, why: 'both bounds are inclusive' },
    { s: slow, want: false, why: 'p95 above 150' },
    { s: choppy, want: false, why: 'fps below 25' },
    { s: { fps: Number.NaN, p95: 50 }, want: false, why: 'fps not measured' },
    { s: { fps: 30, p95: Number.NaN }, want: false, why: 'no latency sample' },
    { s: { ...ok, error: 'first frame timeout' }, want: false, why: 'failed to start' },
  ];
  for (const x of cases) assert.equal(sessionPasses(x.s, c), x.want, x.why);
});

test('a step passes when all N sessions ran and passed (table)', () => {
  const cases: { s: Step; want: boolean; why: string }[] = [
    { s: okStep(3), want: true, why: 'all three pass' },
    { s: step(3, ok, ok, slow), want: false, why: 'one slow session fails the step' },
    { s: step(3, ok, ok), want: false, why: 'a session missing (not started) fails the step' },
    { s: step(0), want: false, why: 'N=0 is not a step' },
  ];
  for (const x of cases) assert.equal(stepPasses(x.s, c), x.want, x.why);
});

test('the largest N is the last one before the first failing or missing N (table)', () => {
  const cases: { steps: Step[]; max: number; want: Verdict; why: string }[] = [
    { steps: [], max: 6, want: { largest: 0, firstFailing: undefined, reachedMax: false }, why: 'nothing measured' },
    {
      steps: [step(1, choppy)],
      max: 6,
      want: { largest: 0, firstFailing: 1, reachedMax: false },
      why: 'not even one session',
    },
    {
      steps: [okStep(1), okStep(2), step(3, ok, slow, ok)],
      max: 6,
      want: { largest: 2, firstFailing: 3, reachedMax: false },
      why: 'the third fails',
    },
    {
      steps: [step(3, ok, slow, ok), okStep(1), okStep(2)],
      max: 6,
      want: { largest: 2, firstFailing: 3, reachedMax: false },
      why: 'order of the steps does not matter',
    },
    {
      steps: [okStep(1), step(2, ok, choppy), okStep(3)],
      max: 6,
      want: { largest: 1, firstFailing: 2, reachedMax: false },
      why: 'a pass above a failure does not count (the load may have dropped)',
    },
    {
      steps: [okStep(1), okStep(3)],
      max: 6,
      want: { largest: 1, firstFailing: undefined, reachedMax: false },
      why: 'a gap stops the walk',
    },
    {
      steps: [okStep(1), okStep(2)],
      max: 2,
      want: { largest: 2, firstFailing: undefined, reachedMax: true },
      why: 'every N up to --max passed: a lower bound',
    },
  ];
  for (const x of cases) assert.deepEqual(largestPassingN(x.steps, c, x.max), x.want, x.why);
});

test('the next N follows the last pass, and stops at a failure or --max (table)', () => {
  const cases: { steps: Step[]; max: number; want: number | undefined }[] = [
    { steps: [], max: 3, want: 1 },
    { steps: [okStep(1)], max: 3, want: 2 },
    { steps: [okStep(1), okStep(2)], max: 3, want: 3 },
    { steps: [okStep(1), okStep(2), okStep(3)], max: 3, want: undefined },
    { steps: [okStep(1), step(2, ok, slow)], max: 3, want: undefined },
    { steps: [step(1, slow)], max: 3, want: undefined },
  ];
  for (const x of cases) assert.equal(nextN(x.steps, c, x.max), x.want, JSON.stringify(x.steps.map((s) => s.n)));
});

test('the worst session: lowest fps, highest p95, NaN when one is unmeasured (table)', () => {
  const cases: { s: SessionFigures[]; want: { fps: number; p95: number } }[] = [
    { s: [ok, slow, choppy], want: { fps: 24.9, p95: 151 } },
    { s: [ok], want: { fps: 29.5, p95: 90 } },
    { s: [ok, { fps: Number.NaN, p95: Number.NaN }], want: { fps: Number.NaN, p95: Number.NaN } },
    { s: [], want: { fps: Number.NaN, p95: Number.NaN } },
  ];
  for (const x of cases) assert.deepEqual(worstOf(x.s), x.want);
});

test('the ours/peer ratio, with bounds when a side reached --max (table)', () => {
  const v = (largest: number, reachedMax = false): Verdict => ({
    largest,
    firstFailing: reachedMax ? undefined : largest + 1,
    reachedMax,
  });
  const cases: { ours: Verdict; peer: Verdict; want: string }[] = [
    { ours: v(2), peer: v(1), want: '2.00x' },
    { ours: v(1), peer: v(2), want: '0.50x' },
    { ours: v(3, true), peer: v(1), want: '≥3.00x' },
    { ours: v(1), peer: v(3, true), want: '≤0.33x' },
    { ours: v(3, true), peer: v(3, true), want: '1.00x (both hit --max)' },
    { ours: v(2), peer: v(0), want: '– (peer 0, ours 2)' },
    { ours: v(0), peer: v(0), want: '– (both 0)' },
  ];
  for (const x of cases) assert.equal(densityRatio(x.ours, x.peer), x.want, JSON.stringify(x));
});
