import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SUBSCRIBED_BURST_MS, SUBSCRIBED_TAIL_MS, subscribedResendMs } from '../src/video-publisher.ts';

test('after a subscription: the frame interval during the burst, then every 100 ms to the tail (table)', () => {
  const tail = [300, 400, 500, 600, 700, 800, 900, 1000];
  const cases: { fps: number; want: number[] }[] = [
    { fps: 30, want: [0, 33, 66, 99, 132, 165, 198, 231, 264, 297, ...tail] },
    { fps: 10, want: [0, 100, 200, ...tail] },
    { fps: 60, want: [0, 20, 40, 60, 80, 100, 120, 140, 160, 180, 200, 220, 240, 260, 280, ...tail] }, // ≥ 20 ms apart
    { fps: 1, want: [0, ...tail] },
  ];
  for (const c of cases) assert.deepEqual(subscribedResendMs(c.fps), c.want, `fps ${c.fps}`);
  assert.ok(SUBSCRIBED_BURST_MS < SUBSCRIBED_TAIL_MS);
});
