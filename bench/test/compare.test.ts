import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spread } from '../lib/common.ts';
import { compareRows } from '../lib/compare.ts';
import type { PipelineKind } from '../lib/pipelines.ts';

const figures: Record<PipelineKind, number[]> = {
  ours: [10, 20, 30],
  cef: [40, 40, 50],
  screencast: [5, 5, 5],
  baseline: [20, 20, 20],
};
const agg = (k: PipelineKind) => spread(figures[k]);

test('one row per pipeline, then <kind>/ours ratios of the medians (table)', () => {
  const cases: { kinds: PipelineKind[]; want: Record<string, string | number>[] }[] = [
    {
      kinds: ['ours', 'cef', 'screencast'],
      want: [
        { case: 'c', pipeline: 'ours', ms: 20 },
        { case: 'c', pipeline: 'cef', ms: 40 },
        { case: 'c', pipeline: 'screencast', ms: 5 },
        { case: 'c', pipeline: 'cef/ours', ms: '2.00x' },
        { case: 'c', pipeline: 'screencast/ours', ms: '0.25x' },
      ],
    },
    // Without ours there is no reference: no ratio rows.
    {
      kinds: ['cef', 'screencast'],
      want: [
        { case: 'c', pipeline: 'cef', ms: 40 },
        { case: 'c', pipeline: 'screencast', ms: 5 },
      ],
    },
  ];
  for (const c of cases) {
    const rows = compareRows(
      c.kinds,
      agg,
      (_k, v) => ({ ms: v.median }),
      (v) => ({ ms: v }),
      { case: 'c' },
    );
    assert.deepEqual(rows, c.want, c.kinds.join(','));
  }
});
