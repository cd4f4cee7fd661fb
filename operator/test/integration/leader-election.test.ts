// Leader election on a real Lease, and operators that stop: gracefully (the Lease is released), by kill -9 in the
// middle of creating pods (a child process), and restarted. Against a real control plane.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@lkbrowser/testkit';
import { SESSIONS } from '../../src/browsersession/resource.ts';
import type { BrowserSession } from '../../src/browsersession/types.ts';
import { LEASES } from '../../src/framework/kube-client.ts';
import type { Lease } from '../../src/framework/kube-types.ts';
import { TestCluster } from '../support/cluster.ts';

const LONG = 120_000;
const ELECTION = { leaderElect: true, leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 500 };
const ELECTION_FLAGS = ['--leader-elect', '--lease-duration=4s', '--renew-deadline=3s', '--retry-period=500ms'];

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => child.once('exit', () => r()));
}

describe('leader election and restarts on a real control plane', { timeout: 15 * 60_000 }, () => {
  let c: TestCluster;
  let system: string;
  before(async () => {
    c = await TestCluster.start();
    system = await c.namespace('lkb-system');
  });
  after(async () => {
    await c?.stop();
  });

  const holder = async (id: string) => (await c.admin.get<Lease>(LEASES, system, id))?.spec?.holderIdentity;

  async function converged(ns: string, n: number): Promise<void> {
    await waitFor(`${n} pods in ${ns}`, async () => (await c.pods(ns)).length === n, LONG, 500);
    await waitFor(
      `${n} statuses in ${ns}`,
      async () => {
        const items = (await c.admin.list<BrowserSession>(SESSIONS, ns)).items;
        return items.length === n && items.every((s) => s.status?.podName !== undefined);
      },
      LONG,
      500,
    );
    const pods = await c.pods(ns);
    assert.equal(new Set(pods.map((p) => p.metadata.ownerReferences?.[0]?.uid)).size, n, 'exactly one pod per session');
  }

  it('two operators: one leads and reconciles; after a graceful stop the standby takes over at once', async () => {
    const ns = await c.namespace('le');
    const id = 'lkb-le-graceful';
    const a = await c.operator({
      ...ELECTION,
      operatorNamespace: system,
      leaderElectionId: id,
      identity: 'op-a',
      namespaces: [ns],
    });
    await waitFor('a leads', () => a.isLeader(), LONG);
    const b = await c.operator({
      ...ELECTION,
      operatorNamespace: system,
      leaderElectionId: id,
      identity: 'op-b',
      namespaces: [ns],
    });
    assert.equal(await holder(id), 'op-a');
    await c.createSession(ns, 'l1');
    await waitFor('pod l1', () => c.pod(ns, 'l1'), LONG);
    assert.equal(b.isLeader(), false);
    assert.equal(b.reconcileCount(), 0, 'the standby does not reconcile');
    await a.stop();
    assert.equal(await holder(id), '', 'a graceful stop releases the Lease');
    await waitFor('b leads', () => b.isLeader(), LONG);
    await c.createSession(ns, 'l2');
    await waitFor('pod l2 from the new leader', () => c.pod(ns, 'l2'), LONG);
    assert.equal(await holder(id), 'op-b');
    const lease = await c.admin.get<Lease>(LEASES, system, id);
    assert.match(lease?.spec?.renewTime ?? '', /\.\d{6}Z$/, 'MicroTime');
    assert.ok((lease?.spec?.leaseTransitions ?? 0) >= 1);
    await b.stop();
  });

  it('the leader is killed (-9) while creating pods: the standby takes over after the lease expires and converges', async () => {
    const ns = await c.namespace('kill');
    const id = 'lkb-le-kill';
    const child = c.spawnOperator([
      ...ELECTION_FLAGS,
      `--operator-namespace=${system}`,
      `--leader-election-id=${id}`,
      '--identity=child-a',
      `--namespace=${ns}`,
      '--livekit-url=wss://lk.example.com',
      '--health-probe-bind-address=0',
      '--metrics-bind-address=0',
      '--log-level=warn',
    ]);
    await waitFor('child leads', async () => (await holder(id)) === 'child-a', LONG, 200).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${child.output()}`);
    });
    const standby = await c.operator({
      ...ELECTION,
      operatorNamespace: system,
      leaderElectionId: id,
      identity: 'op-standby',
      namespaces: [ns],
    });
    const n = 40;
    await Promise.all(Array.from({ length: n }, (_, i) => c.createSession(ns, `k-${i}`)));
    await waitFor('the child created some pods', async () => (await c.pods(ns)).length > 0, LONG, 50);
    child.child.kill('SIGKILL');
    await exited(child.child);
    assert.equal(await holder(id), 'child-a', 'a killed leader cannot release the Lease');
    await waitFor('standby leads', () => standby.isLeader(), LONG);
    await converged(ns, n);
    await standby.stop();
  });

  it('an operator killed (-9) mid-reconcile and restarted converges without duplicate pods; SIGTERM releases the Lease', async () => {
    const ns = await c.namespace('restart');
    const id = 'lkb-le-restart';
    const flags = [
      ...ELECTION_FLAGS,
      `--operator-namespace=${system}`,
      `--leader-election-id=${id}`,
      `--namespace=${ns}`,
      '--livekit-url=wss://lk.example.com',
      '--metrics-bind-address=0',
      '--max-concurrent-reconciles=4',
    ];
    const first = c.spawnOperator([...flags, '--identity=first', '--health-probe-bind-address=0', '--log-level=warn']);
    const n = 40;
    await Promise.all(Array.from({ length: n }, (_, i) => c.createSession(ns, `r-${i}`)));
    await waitFor('some pods', async () => (await c.pods(ns)).length > 0, LONG, 50);
    first.child.kill('SIGKILL');
    await exited(first.child);
    // The same identity restarted (a pod restarted in place) takes its own Lease back at once.
    const second = c.spawnOperator([
      ...flags,
      '--identity=first',
      '--health-probe-bind-address=127.0.0.1:0',
      '--log-level=info',
    ]);
    await converged(ns, n).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${second.output().slice(-3000)}`);
    });
    const started = await waitFor(
      'started line',
      () =>
        second
          .output()
          .split('\n')
          .find((l) => l.includes('"msg":"started"')),
      LONG,
    );
    const probePort = (JSON.parse(started) as { probePort: number }).probePort;
    assert.equal((await fetch(`http://127.0.0.1:${probePort}/readyz`)).status, 200);
    second.child.kill('SIGTERM');
    await exited(second.child);
    assert.equal(second.child.exitCode, 0, `graceful SIGTERM exit\n${second.output().slice(-2000)}`);
    assert.equal(await holder(id), '', 'SIGTERM released the Lease');
    for (const line of second.output().trim().split('\n')) JSON.parse(line); // pino JSON only
  });

  it('Lease times are MicroTime: the API server refuses a millisecond timestamp', async () => {
    const r = await c.cp.api('POST', `/apis/coordination.k8s.io/v1/namespaces/${system}/leases`, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'ms-time' },
      spec: { holderIdentity: 'x', renewTime: new Date().toISOString() },
    });
    assert.equal(r.status, 400, r.text);
  });
});
