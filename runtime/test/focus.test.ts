import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FocusArbiter, isAgentIdentity, MAX_HOLD_COOLDOWN_MS, REVOKE_COOLDOWN_MS } from '../src/focus.ts';

test('request on free focus grants and broadcasts; second requester is denied with the holder', () => {
  const f = new FocusArbiter({ idleMs: 0, priority: [] });
  assert.deepEqual(f.request('alice', 0), {
    granted: true,
    previous: null,
    reason: 'free',
    broadcast: { identity: 'alice' },
  });
  assert.deepEqual(f.request('bob', 1), { granted: false, holder: 'alice' });
  assert.deepEqual(f.request('alice', 2), { granted: true, previous: 'alice', reason: 'already-holder' });
  assert.equal(f.holder, 'alice');
});

test('release only by the holder', () => {
  const f = new FocusArbiter({ idleMs: 0, priority: [] });
  assert.deepEqual(f.release('alice'), { changed: false, previous: null });
  f.request('alice', 0);
  assert.deepEqual(f.release('bob'), { changed: false, previous: 'alice' });
  assert.deepEqual(f.release('alice'), { changed: true, previous: 'alice', broadcast: { identity: null } });
  assert.equal(f.holder, null);
  assert.equal(f.request('bob', 5).granted, true);
});

test('disconnect of the holder releases; of others does nothing', () => {
  const f = new FocusArbiter({ idleMs: 0, priority: [] });
  f.request('alice', 0);
  assert.equal(f.disconnect('bob').changed, false);
  assert.deepEqual(f.disconnect('alice'), { changed: true, previous: 'alice', broadcast: { identity: null } });
});

test('idle release via tick, activity postpones it; idleMs 0 never releases', () => {
  const f = new FocusArbiter({ idleMs: 10_000, priority: [] });
  f.request('alice', 0);
  assert.equal(f.tick(9_999).changed, false);
  assert.equal(f.activity('alice', 9_000), true);
  assert.equal(f.activity('bob', 9_500), false, 'non-holder activity is not recorded');
  assert.equal(f.tick(18_999).changed, false);
  assert.deepEqual(f.tick(19_000), { changed: true, previous: 'alice', broadcast: { identity: null }, reason: 'idle' });
  assert.equal(f.tick(50_000).changed, false, 'nothing to release twice');

  const never = new FocusArbiter({ idleMs: 0, priority: [] });
  never.request('alice', 0);
  assert.equal(never.tick(1e12).changed, false);
  assert.equal(never.request('bob', 1e12).granted, false);
});

test('idle holder can be taken over by a request before the tick', () => {
  const f = new FocusArbiter({ idleMs: 5_000, priority: [] });
  f.request('alice', 0);
  assert.deepEqual(f.request('bob', 4_999), { granted: false, holder: 'alice' });
  assert.deepEqual(f.request('bob', 5_000), {
    granted: true,
    previous: 'alice',
    reason: 'idle-takeover',
    broadcast: { identity: 'bob' },
  });
});

test('priority identities take focus from non-priority holders only (agent/human handoff)', () => {
  const f = new FocusArbiter({ idleMs: 0, priority: ['human'] });
  f.request('agent', 0);
  assert.deepEqual(f.request('human', 1), {
    granted: true,
    previous: 'agent',
    reason: 'priority-takeover',
    broadcast: { identity: 'human' },
  });
  assert.deepEqual(f.request('agent', 2), { granted: false, holder: 'human' }, 'non-priority cannot take back');
  f.release('human');
  assert.equal(f.request('agent', 3).granted, true, 'free again after release');

  const two = new FocusArbiter({ idleMs: 0, priority: ['h1', 'h2'] });
  two.request('h1', 0);
  assert.deepEqual(two.request('h2', 1), { granted: false, holder: 'h1' }, 'priority does not preempt priority');
  assert.equal(two.isPriority('h2'), true);
  assert.equal(two.isPriority('agent'), false);
});

test('isHolder and clear', () => {
  const f = new FocusArbiter({ idleMs: 0, priority: [] });
  assert.equal(f.isHolder(undefined), false);
  assert.equal(f.isHolder('a'), false);
  f.request('a', 0);
  assert.equal(f.isHolder('a'), true);
  assert.equal(f.isHolder(undefined), false);
  assert.deepEqual(f.clear(), { changed: true, previous: 'a', broadcast: { identity: null } });
  assert.deepEqual(f.clear(), { changed: false, previous: null });
});

test('a long random sequence keeps invariants', () => {
  const ids = ['a', 'b', 'c', 'd'];
  const f = new FocusArbiter({ idleMs: 1000, priority: ['d'] });
  let now = 0;
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  for (let i = 0; i < 5000; i++) {
    now += Math.floor(rnd() * 400);
    const id = ids[Math.floor(rnd() * ids.length)] as string;
    const before = f.holder;
    const op = Math.floor(rnd() * 5);
    if (op === 0) {
      const d = f.request(id, now);
      if (d.granted) {
        assert.equal(f.holder, id);
        assert.equal(d.broadcast !== undefined, before !== id);
      } else assert.equal(d.holder, before);
    } else if (op === 1) {
      const d = f.release(id);
      assert.equal(d.changed, before === id);
      if (d.changed) assert.equal(f.holder, null);
    } else if (op === 2) f.activity(id, now);
    else if (op === 3) {
      const d = f.tick(now);
      if (d.changed) assert.equal(f.holder, null);
    } else f.disconnect(id);
  }
});

test('max hold: released however busy, re-request does not extend it, cool-down lets others in', () => {
  const f = new FocusArbiter({ idleMs: 10_000, priority: [], maxHoldMs: 60_000 });
  f.request('alice', 0);
  for (let t = 5_000; t < 60_000; t += 5_000) {
    assert.equal(f.activity('alice', t), true);
    assert.equal(f.request('alice', t).granted, true, 're-request while holding');
    assert.equal(f.tick(t).changed, false);
  }
  assert.deepEqual(f.tick(60_000), {
    changed: true,
    previous: 'alice',
    broadcast: { identity: null },
    reason: 'max-hold',
  });
  const again = f.request('alice', 61_000);
  assert.equal(again.granted, false);
  assert.ok(
    !again.granted &&
      again.holder === null &&
      'coolingDownMs' in again &&
      again.coolingDownMs === MAX_HOLD_COOLDOWN_MS - 1_000,
  );
  assert.equal(f.request('bob', 61_000).granted, true, 'someone else gets it');
  f.release('bob');
  assert.equal(f.request('alice', 60_000 + MAX_HOLD_COOLDOWN_MS).granted, true, 'after the cool-down');
  // Over the limit but before the tick: another identity may take it over.
  const g = new FocusArbiter({ idleMs: 0, priority: [], maxHoldMs: 1_000 });
  g.request('alice', 0);
  assert.equal(g.request('bob', 1_000).granted, true);
});

test('admin revoke: only admins; the holder is barred for the cool-down', () => {
  const f = new FocusArbiter({ idleMs: 0, priority: [], admins: ['ops'] });
  f.request('alice', 0);
  assert.deepEqual(f.revoke('bob', 1), { allowed: false });
  assert.equal(f.holder, 'alice');
  assert.deepEqual(f.revoke('ops', 2), {
    allowed: true,
    changed: true,
    previous: 'alice',
    broadcast: { identity: null },
  });
  assert.equal(f.holder, null);
  assert.deepEqual(f.revoke('ops', 3), { allowed: true, changed: false, previous: null });
  assert.equal(f.request('alice', 2 + REVOKE_COOLDOWN_MS - 1).granted, false);
  assert.equal(f.request('alice', 2 + REVOKE_COOLDOWN_MS).granted, true);
  assert.equal(f.isAdmin('ops'), true);
  assert.equal(f.isAdmin('alice'), false);
});

test('agents rank below humans: a human takes focus from an agent, not the reverse', () => {
  const f = new FocusArbiter({ idleMs: 0, priority: [], agents: ['agent-*', 'bot'] });
  assert.equal(f.request('agent-1', 0).granted, true);
  assert.equal(f.request('agent-2', 1).granted, false, 'agent from agent');
  const h = f.request('alice', 2);
  assert.equal(h.granted, true);
  if (h.granted) {
    assert.equal(h.reason, 'human-takeover');
    assert.equal(h.previous, 'agent-1');
    assert.deepEqual(h.broadcast, { identity: 'alice' });
  }
  assert.equal(f.request('agent-1', 3).granted, false, 'agent from human');
  assert.equal(f.request('bob', 4).granted, false, 'human from human');
  f.release('alice');
  assert.equal(f.request('bot', 5).granted, true);
  assert.equal(f.request('bob', 6).granted, true);
});

test('agent patterns', () => {
  assert.equal(isAgentIdentity('agent-7', ['agent-*']), true);
  assert.equal(isAgentIdentity('agent', ['agent-*']), false);
  assert.equal(isAgentIdentity('bot', ['bot']), true);
  assert.equal(isAgentIdentity('bot2', ['bot']), false);
  assert.equal(isAgentIdentity('anyone', ['*']), true);
  assert.equal(isAgentIdentity('x', []), false);
});
