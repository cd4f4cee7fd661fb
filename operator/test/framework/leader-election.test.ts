// Two operators against one fake apiserver: only the Lease holder reconciles; the standby takes over when the
// leader stops (at once after a graceful release, after leaseDuration after a crash). Plus the Lease wire format.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientNodeKube, LEASES } from '../../src/framework/kube-client.ts';
import { LeaderElector } from '../../src/framework/leader-election.ts';
import type { Lease } from '../../src/framework/kube-types.ts';
import { FakeApiServer } from '../support/fake-apiserver.ts';
import { kubeConfigFor, makeOperator, session, sleep, testLog, waitFor } from '../support/helpers.ts';

const LE = { leaderElect: true, leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 200 };
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const noop = () => undefined;
const NOOP = { onStartedLeading: noop, onStoppedLeading: noop };

function writersOf(fake: FakeApiServer, pathPart: string): Set<string | undefined> {
  return new Set(fake.requests.filter((r) => MUTATING.has(r.method) && r.path.includes(pathPart)).map((r) => r.auth));
}

test('only the leader reconciles; after a graceful stop the standby takes over at once', async (t) => {
  const fake = new FakeApiServer();
  await fake.start();
  const a = makeOperator(fake, 'op-a', LE);
  const b = makeOperator(fake, 'op-b', LE);
  t.after(async () => {
    await a.stop();
    await b.stop();
    await fake.stop();
  });
  await a.start();
  await waitFor('a leads', () => a.isLeader());
  await b.start();
  fake.createObject('browsersessions', session('l1'));
  await waitFor('pod l1', () => fake.getObject('pods', 'default', 'l1-browser'));
  await waitFor('status l1', () => (fake.getObject('browsersessions', 'default', 'l1')?.status as { phase?: string } | undefined)?.phase);
  await sleep(600); // several retry periods: b keeps trying and keeps losing
  assert.equal(b.isLeader(), false);
  assert.equal(b.reconcileCount(), 0);
  assert.deepEqual(writersOf(fake, '/pods'), new Set(['Bearer op-a']));
  assert.deepEqual(writersOf(fake, '/browsersessions'), new Set(['Bearer op-a']));
  const lease = fake.getObject('leases', 'lkb-system', 'lkbrowser-operator') as unknown as Lease;
  assert.equal(lease.spec?.holderIdentity, 'op-a');
  assert.match(lease.spec?.renewTime ?? '', /\.\d{6}Z$/);

  const t0 = performance.now();
  await a.stop();
  assert.equal((fake.getObject('leases', 'lkb-system', 'lkbrowser-operator') as unknown as Lease).spec?.holderIdentity, '', 'released');
  await waitFor('b leads', () => b.isLeader());
  const takeover = performance.now() - t0;
  assert.ok(takeover < LE.leaseDurationMs, `takeover after release took ${Math.round(takeover)} ms`);
  t.diagnostic(`takeover after graceful release: ${Math.round(takeover)} ms (retryPeriod ${LE.retryPeriodMs} ms)`);
  fake.createObject('browsersessions', session('l2'));
  await waitFor('pod l2 by b', () => fake.getObject('pods', 'default', 'l2-browser'));
  const l2Create = fake.requests.find((r) => r.method === 'POST' && r.path.endsWith('/pods') && (r.body as { metadata?: { name?: string } })?.metadata?.name === 'l2-browser');
  assert.equal(l2Create?.auth, 'Bearer op-b');
  const after = fake.getObject('leases', 'lkb-system', 'lkbrowser-operator') as unknown as Lease;
  assert.equal(after.spec?.holderIdentity, 'op-b');
  assert.equal(after.spec?.leaseTransitions, 1);
});

test('a crashed leader (no release) is replaced after the lease expires', async (t) => {
  const fake = new FakeApiServer();
  await fake.start();
  const a = makeOperator(fake, 'op-a', LE);
  const b = makeOperator(fake, 'op-b', LE);
  t.after(async () => {
    await a.stop();
    await b.stop();
    await fake.stop();
  });
  await a.start();
  await waitFor('a leads', () => a.isLeader());
  await b.start();
  await sleep(400);
  const t0 = performance.now();
  await a.crash();
  assert.equal((fake.getObject('leases', 'lkb-system', 'lkbrowser-operator') as unknown as Lease).spec?.holderIdentity, 'op-a', 'not released');
  await waitFor('b leads', () => b.isLeader(), 15_000);
  const took = performance.now() - t0;
  // b must wait until it has seen no renewal for leaseDuration on its own clock.
  assert.ok(took >= LE.leaseDurationMs - 450, `takeover after ${Math.round(took)} ms is earlier than the lease allows`);
  t.diagnostic(`takeover after crash: ${Math.round(took)} ms (leaseDuration ${LE.leaseDurationMs} ms)`);
  fake.createObject('browsersessions', session('l3'));
  await waitFor('pod l3', () => fake.getObject('pods', 'default', 'l3-browser'));
});

test('a leader that cannot renew within renewDeadline stops leading', async (t) => {
  const fake = new FakeApiServer();
  await fake.start();
  t.after(() => fake.stop());
  const client = new ClientNodeKube(kubeConfigFor(fake.url, 'x'));
  let started = 0;
  let stopped = 0;
  const el = new LeaderElector(
    client,
    { namespace: 'ns', name: 'l', identity: 'x', ...LE, onStartedLeading: () => started++, onStoppedLeading: () => stopped++ },
    testLog,
  );
  el.start();
  t.after(() => el.stop());
  await waitFor('leading', () => el.isLeader());
  assert.equal(started, 1);
  fake.injectFault('PUT', /\/leases\/l$/, 500, 1000);
  await waitFor('lost', () => stopped === 1, 10_000);
  assert.equal(el.isLeader(), false);
});

test('Lease times are MicroTime; a plain Date-style timestamp is rejected with 400', async (t) => {
  const fake = new FakeApiServer();
  await fake.start();
  t.after(() => fake.stop());
  const client = new ClientNodeKube(kubeConfigFor(fake.url, 'x'));
  await assert.rejects(
    client.create<Lease>(LEASES, 'ns', { metadata: { name: 'bad' }, spec: { holderIdentity: 'x', renewTime: new Date().toISOString() } }),
    (e: Error & { code?: number }) => e.code === 400,
  );
  const el = new LeaderElector(client, { namespace: 'ns', name: 'good', identity: 'x', ...LE, ...NOOP }, testLog);
  assert.equal(await el.tryAcquireOrRenew(), true);
  const lease = fake.getObject('leases', 'ns', 'good') as unknown as Lease;
  assert.match(lease.spec?.acquireTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.equal(lease.spec?.leaseDurationSeconds, 2);
  // Renewing keeps acquireTime and bumps renewTime through a resourceVersion-guarded PUT.
  await sleep(5);
  assert.equal(await el.tryAcquireOrRenew(), true);
  const renewed = fake.getObject('leases', 'ns', 'good') as unknown as Lease;
  assert.equal(renewed.spec?.acquireTime, lease.spec?.acquireTime);
  assert.notEqual(renewed.spec?.renewTime, lease.spec?.renewTime);
  const put = fake.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/leases/good'));
  assert.equal(put.length, 1);
  assert.equal((put[0]?.body as Lease).metadata.resourceVersion, lease.metadata.resourceVersion);
  // Another candidate sees a fresh lease and does not take it.
  const other = new LeaderElector(client, { namespace: 'ns', name: 'good', identity: 'y', ...LE, ...NOOP }, testLog);
  assert.equal(await other.tryAcquireOrRenew(), false);
});
