import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { PaintGate } from '../src/cdp/paint-gate.ts';

const flush = () => new Promise<void>((r) => setImmediate(r));

test('open: input passes without waiting', () => {
  const g = new PaintGate(2000);
  assert.equal(g.pass(), undefined);
  g.painted(5); // a paint with no hold changes nothing
  assert.equal(g.holding, false);
});

test('held from a commit until a paint captured after it; an older paint does not open it', async () => {
  const g = new PaintGate(2000);
  g.hold(1000);
  const order: string[] = [];
  void g.pass()?.then(() => order.push('a'));
  void g.pass()?.then(() => order.push('b'));
  g.painted(999); // the old page's last paint, delivered after the commit
  await flush();
  assert.deepEqual(order, []);
  assert.equal(g.holding, true);
  g.hold(1500); // a second commit keeps the first start
  g.painted(1000);
  await flush();
  assert.deepEqual(order, ['a', 'b'], 'released in call order');
  assert.equal(g.holding, false);
  assert.equal(g.pass(), undefined);
  g.open();
});

test('a page that never paints releases after the limit; open() releases at once', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const g = new PaintGate(2000);
    g.hold(1);
    let passed = false;
    void g.pass()?.then(() => {
      passed = true;
    });
    mock.timers.tick(1999);
    await Promise.resolve();
    assert.equal(passed, false);
    mock.timers.tick(1);
    await Promise.resolve();
    assert.equal(passed, true);
    g.hold(5);
    let closed = false;
    void g.pass()?.then(() => {
      closed = true;
    });
    g.open();
    await Promise.resolve();
    assert.equal(closed, true);
  } finally {
    mock.timers.reset();
  }
});
