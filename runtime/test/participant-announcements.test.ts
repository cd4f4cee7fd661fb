import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParticipantAnnouncements } from '../src/participant-announcements.ts';

function roster(timeoutMs = 60_000) {
  const known = new Set<string>();
  const a = new ParticipantAnnouncements({ has: (id) => known.has(id), timeoutMs });
  return {
    a,
    join(id: string) {
      known.add(id);
      a.announced(id);
    },
    known,
  };
}

test('an identity already announced resolves at once', async () => {
  const r = roster();
  r.known.add('alice');
  assert.equal(await r.a.whenAnnounced('alice'), true);
  assert.equal(r.a.pending, 0);
});

test('a wait ends when that identity is announced, not another', async () => {
  const r = roster();
  let done: boolean | undefined;
  const w = r.a.whenAnnounced('alice').then((v) => {
    done = v;
  });
  r.join('mallory');
  await new Promise((res) => setImmediate(res));
  assert.equal(done, undefined, 'announcing someone else does not end alice’s wait');
  r.join('alice');
  await w;
  assert.equal(done, true);
  assert.equal(r.a.pending, 0);
});

test('several waits for one identity all end on its announcement', async () => {
  const r = roster();
  const ws = [r.a.whenAnnounced('bob'), r.a.whenAnnounced('bob')];
  assert.equal(r.a.pending, 2);
  r.join('bob');
  assert.deepEqual(await Promise.all(ws), [true, true]);
  assert.equal(r.a.pending, 0);
});

test('an identity never announced gives false after the timeout', async () => {
  const r = roster(20);
  assert.equal(await r.a.whenAnnounced('ghost'), false);
  assert.equal(r.a.pending, 0);
});

test('close ends every wait with false', async () => {
  const r = roster();
  const ws = [r.a.whenAnnounced('a'), r.a.whenAnnounced('b')];
  r.a.close();
  assert.deepEqual(await Promise.all(ws), [false, false]);
  assert.equal(r.a.pending, 0);
});
