// Warm pools on a real control plane (etcd + kube-apiserver + kube-controller-manager): the BrowserPool CRD as
// shipped, the operator with --warm-pools, and the kubelet's part played by the test (pool pods become Running +
// Ready with podIP 127.0.0.1; test/support/standby-runtimes.ts answers their POST /claim and /status).
// Concurrent claims never share a runtime; a runtime that dies while waiting is replaced; scaling down removes
// unclaimed runtimes only; a claimed runtime is deleted when its session ends and never claimed again; no pool
// or an empty pool starts cold with a WarmStart condition; pool pods count against the pool namespace's quota.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@lkbrowser/testkit';
import { claimKeyFrom } from '../../src/browserpool/claim-secret.ts';
import { roomTokenMinter } from '../../src/browserpool/claim-token.ts';
import { CLAIMED_BY_UID_LABEL, POOL_LABEL, POOL_STATE_LABEL } from '../../src/browserpool/labels.ts';
import { type BrowserPool, POOLS } from '../../src/browserpool/types.ts';
import type { NetworkPolicy } from '../../src/browsersession/network-policy.ts';
import type { BrowserSession } from '../../src/browsersession/types.ts';
import { SESSIONS } from '../../src/browsersession/resource.ts';
import { ClientNodeKube, NETWORK_POLICIES, PODS } from '../../src/framework/kube-client.ts';
import type { KubeObject, Pod } from '../../src/framework/kube-types.ts';
import { Operator } from '../../src/operator.ts';
import { condOf, RESOURCE_QUOTAS, TestCluster } from '../support/cluster.ts';
import { PERMISSIVE_POLICY, podStatus, testConfig, testLog } from '../support/helpers.ts';
import { StandbyRuntimes } from '../support/standby-runtimes.ts';

const LONG = 90_000; // the machine is shared: generous waits, never timing assertions
const POOL_CRD = fileURLToPath(new URL('../../../crds/browserpool.yaml', import.meta.url));
/** Runtime NetworkPolicy rules (abridged; the chart renders the real ones): pool pods get them like sessions' pods. */
const NP_RULES = {
  ingress: [{ ports: [{ protocol: 'TCP', port: 9090 }] }],
  egress: [{ ports: [{ protocol: 'UDP', port: 53 }] }],
};
const npDir = mkdtempSync(join(tmpdir(), 'lkb-pool-np-'));
const NP_FILE = join(npDir, 'runtime-networkpolicy.json');
writeFileSync(NP_FILE, JSON.stringify(NP_RULES));

function kubelet(kind: Parameters<typeof podStatus>[0]): Record<string, unknown> {
  const s = podStatus(kind);
  return { ...s, podIPs: [{ ip: s.podIP }], hostIP: '127.0.0.1', hostIPs: [{ ip: '127.0.0.1' }] };
}

describe('warm pools on a real control plane', { timeout: 15 * 60_000 }, () => {
  let c: TestCluster;
  let runtimes: StandbyRuntimes;
  let admin: string; // the pool's (admin's) namespace
  let tenant: string; // sessions' namespace
  let stopKubelet = false;
  let kubeletLoop: Promise<void> | undefined;
  /** Pods the fake kubelet leaves alone (never started). */
  const hold = new Set<string>();

  const operators: Operator[] = [];
  async function startOperator(identity: string, namespaces: string[]): Promise<Operator> {
    const config = testConfig({
      identity,
      namespaces,
      runtimePort: runtimes.port,
      maxConcurrentReconciles: 4,
      startingRequeueMs: 500,
      runningRequeueMs: 1000,
      warmPools: true,
      runtimeNetworkPolicyFile: NP_FILE,
    });
    const o = new Operator({
      config,
      client: new ClientNodeKube(c.kubeConfig()),
      log: testLog.child({ op: identity }),
      policy: PERMISSIVE_POLICY, // the admin rules have their own tests (trust.test.ts)
      warmPools: {
        claimKey: claimKeyFrom({ LKB_POOL_CLAIM_KEY: 'k'.repeat(40) }).key,
        mint: roomTokenMinter(() => ({ apiKey: 'devkey', apiSecret: 's'.repeat(32) }), 600),
      },
    });
    operators.push(o);
    await o.start();
    await waitFor('informers synced', () => o.synced(), LONG);
    return o;
  }

  before(async () => {
    c = await TestCluster.start();
    await c.cp.kubectl(['apply', '-f', POOL_CRD]);
    await c.cp.kubectl(['wait', '--for=condition=Established', 'crd/browserpools.lkbrowser.dev', '--timeout=120s']);
    await waitFor(
      'BrowserPools served',
      async () => (await c.admin.list(POOLS, 'default')).items !== undefined,
      60_000,
      200,
    );
    runtimes = new StandbyRuntimes();
    await runtimes.start();
    admin = await c.namespace('pool-admin');
    tenant = await c.namespace('tenant');
    await startOperator('op-pool', [admin, tenant]);
    // The kubelet: every new pod in the two namespaces starts and becomes Ready (unless held).
    kubeletLoop = (async () => {
      while (!stopKubelet) {
        for (const ns of [admin, tenant]) {
          for (const p of await c.pods(ns)) {
            const name = p.metadata.name ?? '';
            if (p.status?.podIP || hold.has(name) || p.metadata.deletionTimestamp) continue;
            runtimes.add(p);
            await c
              .setPodStatus(ns, name, kubelet('ready'))
              .catch((e: unknown) =>
                testLog.warn({ err: e, pod: name }, 'kubelet: status not written (pod deleted meanwhile?)'),
              );
          }
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
  });
  after(async () => {
    stopKubelet = true;
    await kubeletLoop;
    await Promise.all(operators.map((o) => o.stop()));
    await runtimes?.stop();
    await c?.stop();
    rmSync(npDir, { recursive: true, force: true });
  });

  const createPool = (name: string, spec: Record<string, unknown>) =>
    c.admin.create(POOLS, admin, {
      apiVersion: 'lkbrowser.dev/v1alpha1',
      kind: 'BrowserPool',
      metadata: { name, namespace: admin },
      spec,
    } as unknown as BrowserPool);
  const pool = (name: string) => c.admin.get<BrowserPool>(POOLS, admin, name);
  const poolPods = async (name: string) =>
    (await c.pods(admin)).filter((p) => p.metadata.labels?.[POOL_LABEL] === name && !p.metadata.deletionTimestamp);
  const unclaimed = async (name: string) =>
    (await poolPods(name)).filter((p) => p.metadata.labels?.[POOL_STATE_LABEL] === 'standby');
  const readyCount = async (name: string, n: number) =>
    waitFor(
      `pool ${name}: ${n} ready`,
      async () => {
        const st = (await pool(name))?.status;
        return st?.readyReplicas === n && st.startingReplicas === 0 && (await unclaimed(name)).length === n;
      },
      LONG,
      200,
    ).catch(async (e: unknown) => {
      const pods = (await poolPods(name)).map(
        (p) =>
          `${p.metadata.name}:${p.metadata.labels?.[POOL_STATE_LABEL]}:${p.status?.phase}:${p.status?.conditions?.find((x) => x.type === 'Ready')?.status}`,
      );
      throw new Error(
        `${(e as Error).message}; status ${JSON.stringify((await pool(name))?.status)}; pods ${pods.join(' ')}`,
      );
    });
  const warmOf = (s: BrowserSession | undefined) => condOf(s, 'WarmStart');

  it('fills to spec.replicas; status counts, printer columns, events', async () => {
    await createPool('fill', { replicas: 3, sessionNamespaces: [tenant] });
    await readyCount('fill', 3);
    const out = (await c.cp.kubectl(['get', 'browserpools', '-n', admin, 'fill'])).stdout;
    assert.match(out.split('\n')[0] ?? '', /NAME\s+DESIRED\s+READY\s+STARTING\s+CLAIMED\s+AGE/);
    assert.match(out.split('\n')[1] ?? '', /^fill\s+3\s+3\s+0\s+0\s/);
    await waitFor('PodCreated events', async () => (await c.events(admin, 'PodCreated')).length >= 3, LONG);
    const pod = (await poolPods('fill'))[0] as Pod;
    const env = pod.spec?.containers?.[0]?.env ?? [];
    assert.deepEqual(
      env.filter((e) => /LIVEKIT|TOKEN|SECRET/.test(e.name)).map((e) => e.name),
      ['LKB_CLAIM_SECRET_SHA256'],
      'a standby pod holds no LiveKit credentials, only the digest of its claim secret',
    );
    assert.equal(pod.spec?.restartPolicy, 'Never');
    // The pool's namespace has the runtime NetworkPolicy, and it selects the pool's pods.
    const np = await c.admin.get<NetworkPolicy>(NETWORK_POLICIES, admin, 'lkbrowser-runtime');
    assert.ok(np, 'the pool namespace has the runtime NetworkPolicy');
    assert.deepEqual((np.spec.egress as unknown[]).length, 1);
    const sel = (np.spec.podSelector as { matchLabels: Record<string, string> }).matchLabels;
    for (const [k, v] of Object.entries(sel)) assert.equal(pod.metadata.labels?.[k], v, `selects pool pods (${k})`);
  });

  it('concurrent claims: every session a different runtime, each claimed once; the pool refills', async () => {
    await createPool('race', { replicas: 4, sessionNamespaces: [tenant] });
    await readyCount('race', 4);
    const before = runtimes.accepted.length;
    const names = ['r1', 'r2', 'r3', 'r4'];
    await Promise.all(
      names.map((n) => c.createSession(tenant, n, { room: `room-${n}`, pool: { name: 'race', namespace: admin } })),
    );
    const sessions = await waitFor(
      'every session claimed or cold',
      async () => {
        const all = await Promise.all(names.map((n) => c.session(tenant, n)));
        return all.every((s) => warmOf(s) !== undefined && s?.status?.podName) ? all : undefined;
      },
      LONG,
      200,
    );
    const claimed = sessions.filter((s) => warmOf(s)?.status === 'True');
    assert.ok(claimed.length >= 1, 'at least one warm start');
    const pods = claimed.map((s) => s?.status?.podName);
    assert.equal(new Set(pods).size, pods.length, `no runtime shared: ${pods.join(' ')}`);
    for (const s of claimed) {
      const [ns, name] = (s?.status?.podName ?? '').split('/');
      const p = await c.admin.get<Pod>(PODS, ns ?? '', name ?? '');
      assert.equal(p?.metadata.labels?.[CLAIMED_BY_UID_LABEL], s?.metadata.uid);
    }
    const mine = runtimes.accepted.slice(before);
    assert.equal(mine.length, claimed.length, 'one accepted claim per claimed session');
    assert.equal(new Set(mine.map((a) => a.pod)).size, mine.length, 'no runtime took two claims');
    for (const s of claimed) {
      const a = mine.find((x) => x.pod === s?.status?.podName);
      assert.equal(a?.env.LIVEKIT_ROOM, s?.spec.room, 'the runtime got its session’s room');
      assert.ok(a?.env.LIVEKIT_TOKEN?.split('.').length === 3, 'and a token');
      assert.equal(a?.env.LIVEKIT_API_SECRET, undefined, 'never the API secret');
    }
    await waitFor(
      'claimed sessions Running',
      async () => {
        const all = await Promise.all(claimed.map((s) => c.session(tenant, s?.metadata.name ?? '')));
        return all.every((s) => s?.status?.phase === 'Running');
      },
      LONG,
    );
    await readyCount('race', 4); // refilled in the background
    assert.equal((await pool('race'))?.status?.claimedReplicas, claimed.length);
  });

  it('a runtime that dies while waiting is replaced', async () => {
    await createPool('die', { replicas: 2 });
    await readyCount('die', 2);
    const victim = (await unclaimed('die'))[0] as Pod;
    await c.setPodStatus(admin, victim.metadata.name ?? '', { ...kubelet('failed') });
    await waitFor(
      'victim deleted',
      async () => !(await poolPods('die')).some((p) => p.metadata.uid === victim.metadata.uid),
      LONG,
    );
    await readyCount('die', 2);
    const ev = await c.events(admin, 'RuntimeDied');
    assert.ok(
      ev.some((e) => e.note.includes(victim.metadata.name ?? '')),
      'RuntimeDied event',
    );
  });

  it('scale down removes unclaimed runtimes only; a session end deletes its claimed runtime', async () => {
    await createPool('down', { replicas: 3, sessionNamespaces: [tenant] });
    await readyCount('down', 3);
    await c.createSession(tenant, 'd1', { room: 'room-d1', pool: { name: 'down', namespace: admin } });
    const s = await waitFor(
      'd1 claimed',
      async () => {
        const x = await c.session(tenant, 'd1');
        return warmOf(x)?.status === 'True' && x?.status?.phase === 'Running' ? x : undefined;
      },
      LONG,
    );
    await readyCount('down', 3);
    const claimedPod = s.status?.podName ?? '';
    await c.admin.mergePatch(POOLS, admin, 'down', { spec: { replicas: 0 } });
    await waitFor('no unclaimed left', async () => (await unclaimed('down')).length === 0, LONG);
    const left = await poolPods('down');
    assert.deepEqual(
      left.map((p) => `${p.metadata.namespace}/${p.metadata.name}`),
      [claimedPod],
      'the claimed one stays',
    );
    assert.equal((await c.session(tenant, 'd1'))?.status?.phase, 'Running');
    await waitFor('ScaleDown events', async () => (await c.events(admin, 'ScaleDown')).length >= 3, LONG);

    // The session ends (the runtime exits 0): Completed, then the runtime is deleted and not replaced by a claim.
    await c.setPodStatus(admin, claimedPod.split('/')[1] ?? '', kubelet('succeeded'));
    await waitFor('d1 Completed', async () => (await c.session(tenant, 'd1'))?.status?.phase === 'Completed', LONG);
    await waitFor('claimed runtime deleted', async () => (await poolPods('down')).length === 0, LONG);
    await c.admin.mergePatch(POOLS, admin, 'down', { spec: { replicas: 1 } });
    await readyCount('down', 1);
    await new Promise((r) => setTimeout(r, 1500)); // a wrong re-claim would happen within a reconcile or two
    assert.equal((await unclaimed('down')).length, 1, 'the completed session claimed nothing new');
    assert.equal((await c.session(tenant, 'd1'))?.status?.phase, 'Completed');

    // A deleted session: its claimed runtime goes too.
    await c.createSession(tenant, 'd2', { room: 'room-d2', pool: { name: 'down', namespace: admin } });
    const s2 = await waitFor(
      'd2 claimed',
      async () => {
        const x = await c.session(tenant, 'd2');
        return warmOf(x)?.status === 'True' ? x : undefined;
      },
      LONG,
    );
    await c.admin.delete(
      { group: 'lkbrowser.dev', version: 'v1alpha1', plural: 'browsersessions', kind: 'BrowserSession' },
      tenant,
      'd2',
    );
    const p2 = (s2.status?.podName ?? '').split('/')[1] ?? '';
    await waitFor(
      'd2 runtime deleted',
      async () => !(await poolPods('down')).some((p) => p.metadata.name === p2),
      LONG,
    );
  });

  it('no pool, an empty pool or a namespace the pool does not admit: cold start, WarmStart says why', async () => {
    await createPool('empty', { replicas: 0, sessionNamespaces: [tenant] });
    await createPool('private', { replicas: 1 }); // admits only its own namespace
    await readyCount('private', 1);
    const rows: [string, Record<string, unknown>, string][] = [
      ['c-none', { name: 'missing', namespace: admin }, 'PoolNotFound'],
      ['c-empty', { name: 'empty', namespace: admin }, 'PoolEmpty'],
      ['c-ns', { name: 'private', namespace: admin }, 'NamespaceNotAllowed'],
    ];
    for (const [name, ref] of rows) await c.createSession(tenant, name, { pool: ref });
    for (const [name, , reason] of rows) {
      const s = await waitFor(
        `${name} cold`,
        async () => {
          const x = await c.session(tenant, name);
          return x?.status?.phase === 'Running' ? x : undefined;
        },
        LONG,
      );
      assert.equal(warmOf(s)?.status, 'False', name);
      assert.equal(warmOf(s)?.reason, reason, name);
      assert.equal(s.status?.podName, `${name}-browser`, 'the cold pod in the session’s namespace');
    }
    assert.equal((await unclaimed('private')).length, 1, 'the private pool was not touched');
  });

  it('label matching: a session without spec.pool claims from the pool whose sessionSelector matches its labels', async () => {
    await createPool('by-label', {
      replicas: 1,
      sessionNamespaces: [tenant],
      sessionSelector: { matchLabels: { 'lkbrowser.dev/warm': 'yes' } },
    });
    await readyCount('by-label', 1);
    const labelled = (name: string, labels: Record<string, string>) =>
      c.admin.create(SESSIONS, tenant, {
        apiVersion: 'lkbrowser.dev/v1alpha1',
        kind: 'BrowserSession',
        metadata: { name, namespace: tenant, labels },
        spec: { url: 'https://example.com', room: `room-${name}` },
      } as unknown as BrowserSession);
    await labelled('m-yes', { 'lkbrowser.dev/warm': 'yes' });
    const s = await waitFor(
      'm-yes claimed by its labels',
      async () => {
        const x = await c.session(tenant, 'm-yes');
        return warmOf(x)?.status === 'True' ? x : undefined;
      },
      LONG,
    );
    assert.match(s.status?.podName ?? '', new RegExp(`^${admin}/by-label-`), 'a runtime of the matching pool');
    // Labels that do not match: an ordinary cold start, no WarmStart condition (no pool was asked for).
    await labelled('m-no', { 'lkbrowser.dev/warm': 'no' });
    const cold = await waitFor(
      'm-no cold',
      async () => {
        const x = await c.session(tenant, 'm-no');
        return x?.status?.phase === 'Running' ? x : undefined;
      },
      LONG,
    );
    assert.equal(cold.status?.podName, 'm-no-browser', 'the cold pod in the session’s namespace');
    assert.equal(warmOf(cold), undefined);
    // The refill is claimable again; the session's end deletes its runtime although the session names no pool.
    await readyCount('by-label', 1);
    await c.admin.delete(SESSIONS, tenant, 'm-yes');
    const claimedPod = (s.status?.podName ?? '').split('/')[1] ?? '';
    await waitFor(
      'the label-matched runtime deleted with its session',
      async () => !(await poolPods('by-label')).some((p) => p.metadata.name === claimedPod),
      LONG,
    );
  });

  it('pool pods count against the pool namespace’s quota', async () => {
    const qns = await c.namespace('pool-quota');
    await c.admin.create(RESOURCE_QUOTAS, qns, {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'two-pods', namespace: qns },
      spec: { hard: { pods: '2' } },
    } as KubeObject);
    await waitFor(
      'quota status',
      async () => {
        const q = await c.admin.get<KubeObject & { status?: { hard?: Record<string, string> } }>(
          RESOURCE_QUOTAS,
          qns,
          'two-pods',
        );
        return q?.status?.hard?.pods === '2';
      },
      LONG,
    );
    // This namespace is not watched by the running operator: a second one watches it.
    await startOperator('op-quota', [qns]);
    await c.admin.create(POOLS, qns, {
      apiVersion: 'lkbrowser.dev/v1alpha1',
      kind: 'BrowserPool',
      metadata: { name: 'q', namespace: qns },
      spec: { replicas: 3 },
    } as unknown as BrowserPool);
    await waitFor('PodCreateFailed event', async () => (await c.events(qns, 'PodCreateFailed')).length > 0, LONG);
    const pods = (await c.pods(qns)).filter((p) => p.metadata.labels?.[POOL_LABEL] === 'q');
    assert.equal(pods.length, 2, 'two pods admitted, the third refused by the quota');
    const ev = await c.events(qns, 'PodCreateFailed');
    assert.match(ev[0]?.note ?? '', /exceeded quota/);
  });
});
