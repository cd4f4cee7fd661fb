// The runtime's default process metrics stay exported with the slower event-loop sampling (runtime/src/metrics.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EVENT_LOOP_SAMPLE_MS, RuntimeMetrics } from '../src/metrics.ts';

test('event-loop lag is still measured (sampled every EVENT_LOOP_SAMPLE_MS) with the process metrics', async () => {
  const m = new RuntimeMetrics({ defaultMetrics: true });
  // a few samples' worth, with one blocked stretch the histogram must see
  await new Promise((r) => setTimeout(r, EVENT_LOOP_SAMPLE_MS * 2));
  const until = Date.now() + EVENT_LOOP_SAMPLE_MS * 1.5;
  while (Date.now() < until) {
    // block the loop past one sample point
  }
  await new Promise((r) => setTimeout(r, EVENT_LOOP_SAMPLE_MS * 2));
  const text = await m.registry.metrics();
  const max = Number(/^lkb_runtime_nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text)?.[1]);
  assert.ok(Number.isFinite(max), text.slice(0, 400));
  assert.ok(max >= (EVENT_LOOP_SAMPLE_MS * 0.4) / 1000, `the blocked stretch shows as lag: max ${max} s`);
  assert.match(text, /^lkb_runtime_process_cpu_seconds_total /m);
});
