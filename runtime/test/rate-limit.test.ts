import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateLimiter } from '../src/rate-limit.ts';

test('burst then refill at the rate, per key', () => {
  const r = new RateLimiter({ ratePerSec: 10, burst: 5 });
  for (let i = 0; i < 5; i++) assert.equal(r.take('a', 0), true);
  assert.equal(r.take('a', 0), false);
  assert.equal(r.take('b', 0), true, 'keys are independent');
  assert.equal(r.take('a', 99), false, '0.99 token after 99 ms');
  assert.equal(r.take('a', 100), true, 'one token after 100 ms');
  assert.equal(r.take('a', 100), false);
  assert.equal(r.take('a', 10_000, 5), true, 'refill is capped at burst');
  assert.equal(r.take('a', 10_000), false);
});

test('cost > 1 and failed takes consume nothing', () => {
  const r = new RateLimiter({ ratePerSec: 1, burst: 10 });
  assert.equal(r.take('a', 0, 8), true);
  assert.equal(r.take('a', 0, 3), false);
  assert.equal(r.take('a', 0, 2), true);
});

test('time going backwards does not mint tokens', () => {
  const r = new RateLimiter({ ratePerSec: 100, burst: 1 });
  assert.equal(r.take('a', 1000), true);
  assert.equal(r.take('a', 500), false);
});

test('idle keys are forgotten; forget()', () => {
  const r = new RateLimiter({ ratePerSec: 1, burst: 1, forgetAfterMs: 1000 });
  r.take('a', 0);
  r.take('b', 0);
  assert.equal(r.size, 2);
  r.take('c', 2000);
  assert.equal(r.size, 1);
  r.forget('c');
  assert.equal(r.size, 0);
});

test('bad options throw', () => {
  assert.throws(() => new RateLimiter({ ratePerSec: 0, burst: 1 }), RangeError);
  assert.throws(() => new RateLimiter({ ratePerSec: 1, burst: 0 }), RangeError);
});
