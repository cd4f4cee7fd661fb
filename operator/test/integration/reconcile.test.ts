// The operator against a real control plane (etcd + kube-apiserver + kube-controller-manager): the API server
// validates and defaults, the garbage collector removes pods, admission refuses what it refuses. No kubelet runs,
// so pods stay Pending unless a test writes their status (the kubelet's part) through the status subresource.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@lkbrowser/testkit';
import { parseAllDocuments } from 'yaml';
import { SESSIONS } from '../../src/browsersession/resource.ts';
import type { BrowserSession } from '../../src/browsersession/types.ts';
import { ApiError, isConflict, PODS, SECRETS } from '../../src/framework/kube-client.ts';
import type { KubeObject, Pod } from '../../src/framework/kube-types.ts';
import type { Operator } from '../../src/operator.ts';
import { served } from '../support/crd.ts';
import { condOf, RESOURCE_QUOTAS, TestCluster } from '../support/cluster.ts';
import { FakeRuntime, podStatus, sleep } from '../support/helpers.ts';

const LONG = 90_000; // the machine is shared: generous waits, never timing assertions

/** A kubelet-style status the API server accepts (podIPs must agree with podIP). */
function kubelet(kind: Parameters<typeof podStatus>[0], restarts = 0): Record<string, unknown> {
  const s = podStatus(kind, restarts);
  return { ...s, podIPs: [{ ip: s.podIP }], hostIP: '127.0.0.1', hostIPs: [{ ip: '127.0.0.1' }] };
}

async function metric(op: Operator, name: string): Promise<number> {
  const text = await op.metrics.registry.metrics();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(name)) sum += Number(line.split(' ').pop());
  return sum;
}

describe('operator on a real control plane', { timeout: 15 * 60_000 }, () => {
  let c: TestCluster;
  let op: Operator;
  let runtime: FakeRuntime;
  let ns: string;
  let qns: string;
  let ens: string;
  let mns: string;

  before(async () => {
    c = await TestCluster.start();
    runtime = new FakeRuntime();
    await runtime.start();
    ns = await c.namespace('ops');
    qns = await c.namespace('quota');
    ens = await c.namespace('examples');
    mns = await c.namespace('many');
    op = await c.operator({
      namespaces: [ns, qns, ens, mns],
      runtimePort: runtime.port,
      maxConcurrentReconciles: 4,
      startingRequeueMs: 1000,
      runningRequeueMs: 1000,
    });
    await waitFor('informers synced', () => op.synced(), LONG);
  });
  after(async () => {
    await runtime?.stop();
    await c?.stop();
  });

  it('the API server defaults what the tests default (test/support/crd.ts is the real structural defaulting)', async () => {
    const specs: Record<string, unknown>[] = [
      { url: 'https://example.com', room: 'demo' },
      {
        url: 'https://example.com',
        room: 'demo',
        viewport: { width: 1920 },
        focus: { priorityIdentities: ['a'] },
      },
    ];
    for (const spec of specs) {
      const body = {
        apiVersion: 'lkbrowser.dev/v1alpha1',
        kind: 'BrowserSession',
        metadata: { name: 'dry', namespace: ns },
        spec,
      };
      const r = await c.cp.api(
        'POST',
        `/apis/lkbrowser.dev/v1alpha1/namespaces/${ns}/browsersessions?dryRun=All`,
        body,
      );
      assert.equal(r.status, 201, r.text);
      assert.deepEqual((r.body as BrowserSession).spec, served(spec).spec, JSON.stringify(spec));
    }
  });

  it('create → pod with owner reference, status Pending with observedGeneration, a PodCreated event (events are written)', async () => {
    const created = await c.createSession(ns, 's1', { participant: { name: 'Browser' } });
    const pod = await waitFor('pod created', () => c.pod(ns, 's1'), LONG);
    assert.deepEqual(pod.metadata.ownerReferences, [
      {
        apiVersion: 'lkbrowser.dev/v1alpha1',
        kind: 'BrowserSession',
        name: 's1',
        uid: created.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.equal(pod.status?.phase, 'Pending', 'no scheduler, no kubelet: the pod stays Pending');
    const s = await waitFor(
      'status Pending',
      async () => {
        const x = await c.session(ns, 's1');
        return x?.status?.phase === 'Pending' && x.status.podName ? x : undefined;
      },
      LONG,
    );
    assert.equal(s.status?.observedGeneration, 1);
    assert.equal(condOf(s, 'PodScheduled')?.status, 'False');
    assert.equal(condOf(s, 'Ready')?.status, 'False');
    assert.equal(s.status?.participantIdentity, 's1');
    const ev = await waitFor(
      'PodCreated event',
      async () => (await c.events(ns, 'PodCreated')).find((e) => e.regarding.name === 's1'),
      LONG,
    );
    assert.equal(ev.type, 'Normal');
    assert.equal(ev.regarding.uid, created.metadata.uid);
    assert.match(ev.metadata.name ?? '', /^s1\.[0-9a-f]+$/);
  });

  it('kubelet status → Starting → Running with url and focus from the runtime; status is a subresource', async () => {
    await c.createSession(ns, 's2');
    await waitFor('pod', () => c.pod(ns, 's2'), LONG);
    runtime.status = { ...runtime.status, url: 'https://example.com/page', focusHolder: 'alice' };
    await c.setPodStatus(ns, 's2-browser', kubelet('running'));
    await waitFor('Starting', async () => (await c.session(ns, 's2'))?.status?.phase === 'Starting', LONG);
    await c.setPodStatus(ns, 's2-browser', kubelet('ready'));
    const s = await waitFor(
      'Running',
      async () => {
        const x = await c.session(ns, 's2');
        return x?.status?.phase === 'Running' && x.status.focusHolder === 'alice' ? x : undefined;
      },
      LONG,
    );
    assert.equal(s.status?.url, 'https://example.com/page');
    for (const t of ['Ready', 'Running', 'Publishing', 'PodScheduled']) assert.equal(condOf(s, t)?.status, 'True', t);
    // A status sent with the main resource is dropped by the server (status subresource); the operator's stays.
    const updated = await c.admin.mergePatch<BrowserSession>(SESSIONS, ns, 's2', {
      metadata: { labels: { x: 'y' } },
      status: { phase: 'Failed' },
    });
    assert.equal(updated.status?.phase, 'Running');
    assert.equal(updated.metadata.generation, 1, 'a label change is not a spec change');
  });

  it('spec update → generation 2 → pod recreated with the new spec, observedGeneration 2', async () => {
    await c.createSession(ns, 's3');
    const first = await waitFor('pod', () => c.pod(ns, 's3'), LONG);
    // status.restarts counts recreations of a pod the status has recorded: wait until it has.
    await waitFor('first status', async () => (await c.session(ns, 's3'))?.status?.podName, LONG);
    await c.admin.mergePatch(SESSIONS, ns, 's3', { spec: { viewport: { width: 1024, height: 768 } } });
    const second = await waitFor(
      'recreated pod',
      async () => {
        const p = await c.pod(ns, 's3');
        return p && p.metadata.uid !== first.metadata.uid ? p : undefined;
      },
      LONG,
    );
    const env = Object.fromEntries((second.spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
    assert.equal(env.LKB_WIDTH, '1024');
    assert.equal(env.LKB_HEIGHT, '768');
    // Converged state, not the first write of generation 2: under load the status write that observes the new
    // generation can land before the one that counts the recreated pod (seen once with the machine loaded).
    const s = await waitFor(
      'observedGeneration 2 with the recreation counted',
      async () => {
        const x = await c.session(ns, 's3');
        return x?.status?.observedGeneration === 2 && x.status.phase === 'Pending' && x.status.restarts === 1
          ? x
          : undefined;
      },
      LONG,
    );
    assert.equal(s.metadata.generation, 2);
    assert.ok(condOf(s, 'Ready')?.observedGeneration === 2);
    assert.equal(s.status?.restarts, 1, 'the recreation counts as a restart');
  });

  it('an invalid spec never reaches the operator: the API server refuses it (422)', async () => {
    const bad = await c.createSession(ns, 'bad', { viewport: { width: 5000 } }).catch((e: unknown) => e);
    assert.ok(bad instanceof ApiError && bad.code === 422, String(bad));
    assert.match((bad as ApiError).apiMessage, /spec\.viewport\.width/);
  });

  it('session deleted → the real garbage collector deletes its pod; the operator does not recreate it', async () => {
    await c.createSession(ns, 'g1');
    await waitFor('pod', () => c.pod(ns, 'g1'), LONG);
    await c.admin.delete(SESSIONS, ns, 'g1');
    await waitFor('pod garbage-collected', async () => (await c.pod(ns, 'g1')) === undefined, LONG);
    await sleep(1500);
    assert.equal(await c.pod(ns, 'g1'), undefined);
  });

  it('admission refuses the pod (ResourceQuota, missing RuntimeClass) → Failed/PodCreateFailed with the API message and a Warning event; fixed → pod', async () => {
    await c.admin.create(RESOURCE_QUOTAS, qns, {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'no-pods', namespace: qns },
      spec: { hard: { pods: '0' } },
    });
    // The quota controller must have computed usage before admission enforces it.
    await waitFor(
      'quota status',
      async () =>
        (
          await c.admin.get<KubeObject & { status?: { hard?: Record<string, string> } }>(
            RESOURCE_QUOTAS,
            qns,
            'no-pods',
          )
        )?.status?.hard,
      LONG,
    );
    await c.createSession(qns, 'q1');
    const s = await waitFor(
      'PodCreateFailed',
      async () => {
        const x = await c.session(qns, 'q1');
        return condOf(x, 'Failed')?.reason === 'PodCreateFailed' ? x : undefined;
      },
      LONG,
    );
    assert.equal(s.status?.phase, 'Failed');
    assert.match(s.status?.message ?? '', /HTTP 403.*exceeded quota: no-pods/);
    assert.equal(condOf(s, 'Ready')?.reason, 'PodCreateFailed');
    const ev = await waitFor('Warning event', async () => (await c.events(qns, 'PodCreateFailed'))[0], LONG);
    assert.equal(ev.type, 'Warning');
    assert.match(ev.note, /exceeded quota/);
    await c.admin.delete(RESOURCE_QUOTAS, qns, 'no-pods');
    await waitFor('pod after the quota is gone', () => c.pod(qns, 'q1'), LONG);
    await waitFor('Failed cleared', async () => condOf(await c.session(qns, 'q1'), 'Failed')?.status === 'False', LONG);

    await c.createSession(ns, 'rc1', { pod: { runtimeClassName: 'gvisor' } });
    const r = await waitFor(
      'RuntimeClass refusal',
      async () => {
        const x = await c.session(ns, 'rc1');
        return condOf(x, 'Failed')?.reason === 'PodCreateFailed' ? x : undefined;
      },
      LONG,
    );
    assert.match(r.status?.message ?? '', /RuntimeClass "gvisor" not found/);
    assert.equal(await c.pod(ns, 'rc1'), undefined);
    await c.admin.delete(SESSIONS, ns, 'rc1'); // the examples test below creates the class; this one is done
  });

  it('an unlabeled foreign pod with the session pod name → real 409 AlreadyExists → PodConflict; resolved when it goes', async () => {
    await c.admin.create<Pod>(PODS, ns, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'u1-browser', namespace: ns },
      spec: { containers: [{ name: 'x', image: 'x' }] },
    });
    await c.createSession(ns, 'u1');
    await waitFor(
      'PodConflict',
      async () => condOf(await c.session(ns, 'u1'), 'Failed')?.reason === 'PodConflict',
      LONG,
    );
    await c.admin.delete(PODS, ns, 'u1-browser');
    const pod = await waitFor(
      'our pod',
      async () => {
        const p = await c.pod(ns, 'u1');
        return p?.spec?.containers[0]?.name === 'browser' ? p : undefined;
      },
      LONG,
    );
    assert.ok(pod.metadata.ownerReferences?.[0]?.controller);
  });

  it('a status write with a stale resourceVersion gets a real 409, and the operator converges through one', async () => {
    const s = await c.createSession(ns, 'c1');
    await waitFor('status', async () => (await c.session(ns, 'c1'))?.status?.phase, LONG);
    const stale = await c.admin
      .patchStatus(SESSIONS, ns, 'c1', {
        metadata: { resourceVersion: s.metadata.resourceVersion },
        status: { message: 'x' },
      })
      .catch((e: unknown) => e);
    assert.ok(isConflict(stale), `expected 409, got ${String(stale)}`);
    // Churn the object (label writes bump its resourceVersion) while the operator writes status: it converges.
    const before = await metric(op, 'controller_runtime_reconcile_errors_total');
    for (let i = 0; i < 20; i++)
      await c.admin.mergePatch(SESSIONS, ns, 'c1', { metadata: { labels: { churn: String(i) } } });
    await c.setPodStatus(ns, 'c1-browser', kubelet('scheduled'));
    await waitFor(
      'Starting despite churn',
      async () => (await c.session(ns, 'c1'))?.status?.phase === 'Starting',
      LONG,
    );
    assert.equal(
      await metric(op, 'controller_runtime_reconcile_errors_total'),
      before,
      'conflicts are requeues, not errors',
    );
  });

  it('the examples/ sessions are accepted by the API server and get a pod', async () => {
    // examples/browsersession-full.yaml asks for the gvisor RuntimeClass: this cluster offers it.
    await c.cp.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'node.k8s.io/v1',
        kind: 'RuntimeClass',
        metadata: { name: 'gvisor' },
        handler: 'runsc',
      }),
    });
    const dir = new URL('../../../examples/', import.meta.url);
    const names: string[] = [];
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
      const found: string[] = [];
      for (const doc of parseAllDocuments(readFileSync(new URL(f, dir), 'utf8'))) {
        const obj = doc.toJS() as { kind?: string; metadata?: { name?: string } } | null;
        if (obj?.kind === 'BrowserSession' && obj.metadata?.name) found.push(obj.metadata.name);
      }
      // livekit-credentials-secret.yaml belongs in the operator's namespace, not in a session namespace.
      if (found.length === 0) continue;
      names.push(...found);
      await c.cp.kubectl(['apply', '-n', ens, '-f', new URL(f, dir).pathname]);
    }
    assert.ok(names.length >= 2, `found ${names.length} BrowserSession examples`);
    for (const n of names) await waitFor(`pod of ${n}`, () => c.pod(ens, n), LONG);
  });

  it('kubelet states: crash loop → Failed + one Warning, recovery → Running; evicted → recreated; deleted → recreated', async () => {
    await c.createSession(ns, 'k1');
    await waitFor('pod', () => c.pod(ns, 'k1'), LONG);
    await c.setPodStatus(ns, 'k1-browser', kubelet('crashloop', 4));
    const s = await waitFor(
      'Failed',
      async () => {
        const x = await c.session(ns, 'k1');
        return x?.status?.phase === 'Failed' ? x : undefined;
      },
      LONG,
    );
    assert.equal(condOf(s, 'Failed')?.reason, 'CrashLoopBackOff');
    assert.match(condOf(s, 'Failed')?.message ?? '', /back-off 40s/);
    assert.equal(s.status?.restarts, 4);
    await waitFor('Warning', async () => (await c.events(ns, 'CrashLoopBackOff')).length === 1, LONG);
    await c.setPodStatus(ns, 'k1-browser', kubelet('ready', 5));
    await waitFor('recovered', async () => (await c.session(ns, 'k1'))?.status?.phase === 'Running', LONG);
    assert.equal((await c.events(ns, 'CrashLoopBackOff')).length, 1, 'one warning per failure episode');

    await c.createSession(ns, 'k2');
    const first = await waitFor('pod', () => c.pod(ns, 'k2'), LONG);
    await c.setPodStatus(ns, 'k2-browser', kubelet('failed'));
    const second = await waitFor(
      'recreated after eviction',
      async () => {
        const p = await c.pod(ns, 'k2');
        return p && p.metadata.uid !== first.metadata.uid ? p : undefined;
      },
      LONG,
    );
    const ev = await waitFor(
      'PodRecreated',
      async () => (await c.events(ns, 'PodRecreated')).find((e) => e.regarding.name === 'k2'),
      LONG,
    );
    assert.equal(ev.type, 'Warning');
    assert.match(ev.note, /Evicted/);
    await c.admin.delete(PODS, ns, 'k2-browser');
    const third = await waitFor(
      'recreated after delete',
      async () => {
        const p = await c.pod(ns, 'k2');
        return p && p.metadata.uid !== second.metadata.uid ? p : undefined;
      },
      LONG,
    );
    assert.equal(third.metadata.annotations?.['lkbrowser.dev/prior-restarts'], '2');
  });

  it('pod Succeeded → Completed with an event; the pod is not recreated after it is cleaned up', async () => {
    await c.createSession(ns, 'done', { lifetime: { maxDurationSeconds: 60 } });
    await waitFor('pod', () => c.pod(ns, 'done'), LONG);
    await c.setPodStatus(ns, 'done-browser', kubelet('succeeded'));
    await waitFor('Completed', async () => (await c.session(ns, 'done'))?.status?.phase === 'Completed', LONG);
    await waitFor('Completed event', async () => (await c.events(ns, 'Completed')).length > 0, LONG);
    await c.admin.delete(PODS, ns, 'done-browser');
    await sleep(2000);
    assert.equal(await c.pod(ns, 'done'), undefined);
    assert.equal((await c.session(ns, 'done'))?.status?.phase, 'Completed');
  });

  it('a spec only the operator can refuse (the operator has no LiveKit URL) → Failed/InvalidSpec, no pod, no token', async () => {
    const ins = await c.namespace('nourl');
    const strict = await c.operator({ namespaces: [ins], livekitUrl: '' });
    await waitFor('synced', () => strict.synced(), LONG);
    await c.createSession(ins, 'nourl');
    const s = await waitFor(
      'InvalidSpec',
      async () => {
        const x = await c.session(ins, 'nourl');
        return condOf(x, 'Failed')?.reason === 'InvalidSpec' ? x : undefined;
      },
      LONG,
    );
    assert.match(s.status?.message ?? '', /the operator has no --livekit-url/);
    await waitFor('InvalidSpec event', async () => (await c.events(ins, 'InvalidSpec')).length > 0, LONG);
    assert.equal(await c.pod(ins, 'nourl'), undefined);
    assert.equal(await c.admin.get(SECRETS, ins, 'nourl-livekit-token'), undefined, 'no token for a refused session');
    await strict.stop();
  });

  it('a labeled pod with our name but no owner → PodConflict; a pod of an older same-name session is replaced', async () => {
    await c.admin.create<Pod>(PODS, ns, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'f1-browser', namespace: ns, labels: { 'app.kubernetes.io/managed-by': 'lkbrowser-operator' } },
      spec: { containers: [{ name: 'x', image: 'x' }] },
    });
    await c.createSession(ns, 'f1');
    await waitFor(
      'PodConflict',
      async () => condOf(await c.session(ns, 'f1'), 'Failed')?.reason === 'PodConflict',
      LONG,
    );
    assert.equal((await c.pod(ns, 'f1'))?.spec?.containers[0]?.name, 'x', 'the foreign pod is left alone');

    const old = await c.createSession(ns, 'f2');
    await waitFor('pod of the old f2', () => c.pod(ns, 'f2'), LONG);
    // Delete f2 and at once create a new f2: the old pod (owned by the old uid) is replaced, by the operator or the
    // garbage collector, whichever comes first; the new session ends up with its own pod.
    await c.admin.delete(SESSIONS, ns, 'f2');
    const fresh = await c.createSession(ns, 'f2');
    assert.notEqual(fresh.metadata.uid, old.metadata.uid);
    await waitFor(
      'pod owned by the new f2',
      async () => (await c.pod(ns, 'f2'))?.metadata.ownerReferences?.[0]?.uid === fresh.metadata.uid,
      LONG,
    );
  });

  it('probes and metrics', async () => {
    const h = await fetch(`http://127.0.0.1:${op.probePort}/healthz`);
    assert.equal(h.status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${op.probePort}/readyz`)).status, 200);
    const text = await (await fetch(`http://127.0.0.1:${op.metricsPort}/metrics`)).text();
    assert.match(text, /controller_runtime_reconcile_total\{controller="browsersession",result="[a-z_]+"\} [1-9]/);
    assert.match(text, /lkbrowser_sessions\{phase="Running"\} [1-9]/);
  });

  it('100 sessions at once: every one gets exactly one pod and a status', async () => {
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 100 }, (_, i) => c.createSession(mns, `many-${i}`)));
    await waitFor('100 pods', async () => (await c.pods(mns)).length === 100, 5 * 60_000, 500);
    await waitFor(
      '100 statuses',
      async () => {
        const items = (await c.admin.list<BrowserSession>(SESSIONS, mns)).items;
        return items.length === 100 && items.every((s) => s.status?.phase === 'Pending' && s.status.podName);
      },
      5 * 60_000,
      500,
    );
    process.stderr.write(`100 sessions → 100 pods + status in ${Math.round(performance.now() - t0)} ms\n`);
    const pods = await c.pods(mns);
    assert.equal(new Set(pods.map((p) => p.metadata.ownerReferences?.[0]?.uid)).size, 100, 'one pod per session');
  });
});
