import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLAIM_STEPS, parseStepGauge, stepDurations } from '../lib/claim-steps.ts';

test('the step gauge of /metrics becomes wall ms by step (table)', () => {
  const cases: { text: string; want: Record<string, number> }[] = [
    { text: '', want: {} },
    {
      text: [
        '# HELP lkb_startup_step_timestamp_seconds Unix time',
        '# TYPE lkb_startup_step_timestamp_seconds gauge',
        'lkb_startup_step_timestamp_seconds{step="claimed"} 1796160000.125',
        'lkb_startup_step_timestamp_seconds{step="room_connected"} 1.796160000375e+9',
        'lkb_other{step="claimed"} 5',
      ].join('\n'),
      want: { claimed: 1796160000125, room_connected: 1796160000375 },
    },
  ];
  for (const c of cases) assert.deepEqual(parseStepGauge(c.text), c.want);
});

test('each row is its to-step minus its from-step, NaN where one is missing', () => {
  const d = stepDurations({
    claimed: 1000,
    room_connect_started: 1010,
    room_connected: 1200,
    viewer_first_frame: 1600,
  });
  const by = (label: string) => d[CLAIM_STEPS.findIndex(([l]) => l === label)];
  assert.equal(by('claim → first frame decoded by the viewer'), 600);
  assert.equal(by('  claim → room connect started'), 10);
  assert.equal(by('  room connect (signal join + peer connection up)'), 190);
  assert.ok(Number.isNaN(by('  claim → page ready (resize + navigate, in parallel)')));
  assert.equal(d.length, CLAIM_STEPS.length);
});
