import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BucketRateLimiter,
  ItemExponentialRateLimiter,
  MaxOfRateLimiter,
  WorkQueue,
} from '../../src/framework/work-queue.ts';
import { sleep } from '../support/helpers.ts';

test('de-duplicates queued keys and never hands out a key being processed', async () => {
  const q = new WorkQueue();
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.length, 2);
  const k1 = await q.get();
  assert.equal(k1, 'a');
  q.add('a'); // while processing: only marked dirty
  q.add('a');
  assert.equal(q.length, 1);
  assert.equal(await q.get(), 'b');
  let got: string | undefined;
  void q.get().then((k) => {
    got = k;
  });
  await sleep(10);
  assert.equal(got, undefined, 'a is still processing');
  q.done('a'); // re-queued exactly once
  await sleep(0);
  assert.equal(got, 'a');
  q.done('b');
  q.done('a');
  assert.equal(q.length, 0);
});

test('addAfter keeps the earliest pending delay; shutdown drains and wakes getters', async () => {
  const q = new WorkQueue();
  q.addAfter('x', 5000);
  q.addAfter('x', 20);
  q.addAfter('x', 8000);
  const t0 = performance.now();
  assert.equal(await q.get(), 'x');
  const waited = performance.now() - t0;
  assert.ok(waited >= 15 && waited < 4000, `waited ${waited}`);
  const pending = q.get();
  let drained = false;
  const d = q.shutDownWithDrain().then(() => {
    drained = true;
  });
  assert.equal(await pending, undefined);
  await sleep(10);
  assert.equal(drained, false, 'waits for the in-flight key');
  q.done('x');
  await d;
  assert.equal(drained, true);
  q.add('y');
  assert.equal(q.length, 0, 'no adds after shutdown');
});

test('per-key exponential backoff 5 ms → 1000 s, forget resets', () => {
  const l = new ItemExponentialRateLimiter();
  assert.deepEqual(
    [0, 1, 2, 3].map(() => l.when('k')),
    [5, 10, 20, 40],
  );
  assert.equal(l.when('other'), 5);
  for (let i = 0; i < 40; i++) l.when('k');
  assert.equal(l.when('k'), 1_000_000);
  assert.equal(l.retries('k'), 45);
  l.forget('k');
  assert.equal(l.when('k'), 5);
});

test('token bucket: burst free, then 1/qps spacing; max-of combines', () => {
  let now = 0;
  const b = new BucketRateLimiter(10, 3, () => now);
  assert.deepEqual(
    [1, 2, 3].map(() => b.when('k')),
    [0, 0, 0],
  );
  assert.equal(Math.round(b.when('k')), 100);
  assert.equal(Math.round(b.when('k')), 200);
  now = 1000; // refilled
  assert.equal(b.when('k'), 0);
  let t = 0;
  const m = new MaxOfRateLimiter(new ItemExponentialRateLimiter(5, 1000), new BucketRateLimiter(10, 1, () => t));
  assert.equal(m.when('a'), 5);
  assert.equal(Math.round(m.when('a')), 100, 'the bucket dominates');
  t = 10_000;
  assert.equal(m.when('a'), 20, 'the item backoff dominates');
});

test('addRateLimited delays retries of a failing key', async () => {
  const q = new WorkQueue(new ItemExponentialRateLimiter(20, 1000));
  q.addRateLimited('k');
  const t0 = performance.now();
  assert.equal(await q.get(), 'k');
  q.done('k');
  q.addRateLimited('k');
  assert.equal(await q.get(), 'k');
  const total = performance.now() - t0;
  assert.ok(total >= 55, `20 + 40 ms of backoff, got ${total}`);
  assert.equal(q.numRequeues('k'), 2);
  q.forget('k');
  assert.equal(q.numRequeues('k'), 0);
  q.done('k');
  await q.shutDownWithDrain();
});
