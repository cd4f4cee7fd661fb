// The whole operator (informers → queue → reconciler → client-node adapter) against the in-process fake apiserver.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Operator } from '../src/operator.ts';
import { SPEC_HASH_ANNOTATION } from '../src/browsersession/pod-spec.ts';
import type { BrowserSession } from '../src/browsersession/types.ts';
import type { Pod } from '../src/framework/kube-types.ts';
import { FakeApiServer } from './support/fake-apiserver.ts';
import { FakeRuntime, makeOperator, podStatus, session, sleep, waitFor } from './support/helpers.ts';

interface Env {
  fake: FakeApiServer;
  runtime: FakeRuntime;
  op: Operator;
  sess(name: string): BrowserSession | undefined;
  pod(name: string): Pod | undefined;
  events(reason?: string): { reason: string; type: string; note: string; regarding: { name: string } }[];
}

async function withOperator(t: { after(fn: () => Promise<void>): void }, over: Parameters<typeof makeOperator>[2] = {}, fakeOpts = {}): Promise<Env> {
  const fake = new FakeApiServer(fakeOpts);
  await fake.start();
  const runtime = new FakeRuntime();
  await runtime.start();
  const op = makeOperator(fake, 'op-a', { runtimePort: runtime.port, ...over });
  t.after(async () => {
    await op.stop();
    await runtime.stop();
    await fake.stop();
  });
  await op.start();
  await waitFor('informers synced', () => op.synced());
  return {
    fake,
    runtime,
    op,
    sess: (name) => fake.getObject('browsersessions', 'default', name) as unknown as BrowserSession | undefined,
    pod: (name) => fake.getObject('pods', 'default', `${name}-browser`) as unknown as Pod | undefined,
    events: (reason) =>
      (fake.objects('events') as unknown as { reason: string; type: string; note: string; regarding: { name: string } }[]).filter((e) => reason === undefined || e.reason === reason),
  };
}

const cond = (s: BrowserSession | undefined, type: string) => s?.status?.conditions?.find((c) => c.type === type);

async function metric(op: Operator, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${op.metricsPort}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(name) && (labels === '' || line.includes(labels))) sum += Number(line.split(' ').pop());
  return sum;
}

test('create → pod with ownerRef, spec hash, env and restricted security; status Pending then Starting', async (t) => {
  const e = await withOperator(t);
  const created = e.fake.createObject('browsersessions', session('s1', { participant: { name: 'Browser' } }));
  const pod = await waitFor('pod created', () => e.pod('s1'));
  const ref = pod.metadata.ownerReferences?.[0];
  assert.deepEqual(ref, { apiVersion: 'lkbrowser.dev/v1alpha1', kind: 'BrowserSession', name: 's1', uid: created.metadata.uid, controller: true, blockOwnerDeletion: true });
  assert.match(pod.metadata.annotations?.[SPEC_HASH_ANNOTATION] ?? '', /^[0-9a-f]{16}$/);
  assert.equal(pod.metadata.labels?.['app.kubernetes.io/managed-by'], 'lkbrowser-operator');
  const env = Object.fromEntries((pod.spec?.containers[0]?.env ?? []).map((v) => [v.name, v.value ?? v.valueFrom]));
  assert.equal(env.LIVEKIT_ROOM, 'demo');
  assert.equal(env.LIVEKIT_IDENTITY, 's1');
  assert.equal(env.LIVEKIT_NAME, 'Browser');
  assert.deepEqual(env.LIVEKIT_API_SECRET, { secretKeyRef: { name: 'livekit-credentials', key: 'apiSecret' } });
  assert.equal(pod.spec?.automountServiceAccountToken, false);

  const pending = await waitFor('status Pending', () => (e.sess('s1')?.status?.phase === 'Pending' ? e.sess('s1') : undefined));
  assert.equal(pending.status?.podName, 's1-browser');
  assert.equal(pending.status?.participantIdentity, 's1');
  assert.equal(pending.status?.observedGeneration, 1);
  assert.equal(cond(pending, 'Ready')?.status, 'False');
  assert.equal(cond(pending, 'PodScheduled')?.status, 'False');

  e.fake.setPodStatus('default', 's1-browser', podStatus('scheduled'));
  const starting = await waitFor('status Starting', () => (e.sess('s1')?.status?.phase === 'Starting' ? e.sess('s1') : undefined));
  assert.equal(cond(starting, 'PodScheduled')?.status, 'True');
  assert.equal(cond(starting, 'Running')?.reason, 'ContainerCreating');
  const ev = await waitFor('PodCreated event', () => e.events('PodCreated')[0]);
  assert.equal(ev.type, 'Normal');
  assert.equal(ev.regarding.name, 's1');
  // Status is written with merge-patch on the status subresource, never strategic merge.
  const statusWrites = e.fake.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/browsersessions/s1/status'));
  assert.ok(statusWrites.length > 0);
  for (const r of statusWrites) assert.equal(r.contentType, 'application/merge-patch+json');
  // Exactly one pod create for one session.
  assert.equal(e.fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/pods') && r.status === 201).length, 1);
});

test('pod Ready → Running/Ready/Publishing with observedGeneration; url and focusHolder from the runtime /status', async (t) => {
  const e = await withOperator(t);
  e.fake.createObject('browsersessions', session('s2'));
  await waitFor('pod', () => e.pod('s2'));
  e.runtime.status = { ...e.runtime.status, url: 'https://example.com/page', focusHolder: 'alice' };
  e.fake.setPodStatus('default', 's2-browser', podStatus('running'));
  await waitFor('Starting with Running condition', () => cond(e.sess('s2'), 'Running')?.status === 'True' && e.sess('s2')?.status?.phase === 'Starting');
  e.fake.setPodStatus('default', 's2-browser', podStatus('ready'));
  const s = await waitFor('Running', () => (e.sess('s2')?.status?.phase === 'Running' && e.sess('s2')?.status?.focusHolder === 'alice' ? e.sess('s2') : undefined));
  assert.equal(s.status?.observedGeneration, s.metadata.generation);
  for (const type of ['Ready', 'Running', 'Publishing', 'PodScheduled']) {
    assert.equal(cond(s, type)?.status, 'True', type);
    assert.equal(cond(s, type)?.observedGeneration, s.metadata.generation);
  }
  assert.equal(cond(s, 'Failed')?.status, 'False');
  assert.equal(s.status?.url, 'https://example.com/page');
  assert.ok(s.status?.startTime);
  // Focus moves: the periodic requeue of a running session picks it up.
  const readyTransition = cond(s, 'Ready')?.lastTransitionTime;
  e.runtime.status = { ...e.runtime.status, focusHolder: 'agent-1', url: 'https://example.com/other' };
  const s2 = await waitFor('focus update', () => (e.sess('s2')?.status?.focusHolder === 'agent-1' ? e.sess('s2') : undefined));
  assert.equal(s2.status?.url, 'https://example.com/other');
  assert.equal(cond(s2, 'Ready')?.lastTransitionTime, readyTransition, 'lastTransitionTime only changes on a status flip');
  // A dead runtime endpoint is logged, not fatal: status keeps the last values.
  await e.runtime.stop();
  await sleep(800);
  assert.equal(e.sess('s2')?.status?.phase, 'Running');
  assert.equal(e.sess('s2')?.status?.focusHolder, 'agent-1');
  assert.equal(await metric(e.op, 'controller_runtime_reconcile_errors_total'), 0);
  assert.ok((await waitFor('Running event', () => e.events('Running')[0])).note.includes('publishing'));
});

test('spec change → pod recreated with the new hash and env; restarts counts the recreation', async (t) => {
  const e = await withOperator(t);
  e.fake.createObject('browsersessions', session('s3'));
  const first = await waitFor('pod', () => e.pod('s3'));
  e.fake.setPodStatus('default', 's3-browser', podStatus('ready'));
  await waitFor('Running', () => e.sess('s3')?.status?.phase === 'Running');
  const updated = e.fake.updateSpec('browsersessions', 'default', 's3', (spec) => {
    spec.viewport = { width: 1920, height: 1080, framerate: 60 };
  });
  assert.equal(updated.metadata.generation, 2);
  const second = await waitFor('recreated pod', () => {
    const p = e.pod('s3');
    return p && p.metadata.uid !== first.metadata.uid ? p : undefined;
  });
  assert.notEqual(second.metadata.annotations?.[SPEC_HASH_ANNOTATION], first.metadata.annotations?.[SPEC_HASH_ANNOTATION]);
  const env = Object.fromEntries((second.spec?.containers[0]?.env ?? []).map((v) => [v.name, v.value]));
  assert.equal(env.LKB_WIDTH, '1920');
  assert.equal(env.LKB_FRAMERATE, '60');
  const s = await waitFor('status of generation 2', () => (e.sess('s3')?.status?.observedGeneration === 2 ? e.sess('s3') : undefined));
  assert.equal(s.status?.phase, 'Pending');
  assert.equal(s.status?.restarts, 1);
  const ev = await waitFor('PodRecreated event', () => e.events('PodRecreated')[0]);
  assert.match(ev.note, /spec changed/);
  // A status-only write does not bump generation and does not recreate the pod.
  await sleep(500);
  assert.equal(e.pod('s3')?.metadata.uid, second.metadata.uid);
  assert.equal(e.sess('s3')?.metadata.generation, 2);
});

test('pod deleted externally → recreated', async (t) => {
  const e = await withOperator(t);
  e.fake.createObject('browsersessions', session('s4'));
  const first = await waitFor('pod', () => e.pod('s4'));
  e.fake.setPodStatus('default', 's4-browser', podStatus('ready'));
  await waitFor('Running', () => e.sess('s4')?.status?.phase === 'Running');
  e.fake.deleteObject('pods', 'default', 's4-browser');
  const again = await waitFor('recreated pod', () => {
    const p = e.pod('s4');
    return p && p.metadata.uid !== first.metadata.uid ? p : undefined;
  });
  assert.equal(again.metadata.annotations?.['lkbrowser.dev/prior-restarts'], '1');
  await waitFor('PodRecreated event', () => e.events('PodRecreated')[0]);
  const s = await waitFor('Pending again', () => (e.sess('s4')?.status?.phase === 'Pending' ? e.sess('s4') : undefined));
  assert.equal(s.status?.restarts, 1);
});

test('CrashLoopBackOff → Failed condition with reason, message and a Warning event; recovery → Running', async (t) => {
  const e = await withOperator(t);
  e.fake.createObject('browsersessions', session('s5'));
  await waitFor('pod', () => e.pod('s5'));
  e.fake.setPodStatus('default', 's5-browser', podStatus('crashloop', 4));
  const s = await waitFor('Failed', () => (e.sess('s5')?.status?.phase === 'Failed' ? e.sess('s5') : undefined));
  assert.equal(cond(s, 'Failed')?.status, 'True');
  assert.equal(cond(s, 'Failed')?.reason, 'CrashLoopBackOff');
  assert.match(cond(s, 'Failed')?.message ?? '', /back-off 40s/);
  assert.equal(cond(s, 'Ready')?.status, 'False');
  assert.equal(s.status?.restarts, 4);
  const ev = await waitFor('Warning event', () => e.events('CrashLoopBackOff')[0]);
  assert.equal(ev.type, 'Warning');
  // The pod is not deleted for a crash loop: the kubelet restarts it in place (restartPolicy OnFailure).
  e.fake.setPodStatus('default', 's5-browser', podStatus('ready', 5));
  const ok = await waitFor('recovered', () => (e.sess('s5')?.status?.phase === 'Running' ? e.sess('s5') : undefined));
  assert.equal(cond(ok, 'Failed')?.status, 'False');
  assert.equal(ok.status?.restarts, 5);
  // One warning per failure episode, not one per reconcile.
  assert.equal(e.events('CrashLoopBackOff').length, 1);
});

test('ImagePullBackOff → Failed with that reason', async (t) => {
  const e = await withOperator(t);
  e.fake.createObject('browsersessions', session('s5b', { pod: { image: 'nope:missing' } }));
  const pod = await waitFor('pod', () => e.pod('s5b'));
  assert.equal(pod.spec?.containers[0]?.image, 'nope:missing');
  e.fake.setPodStatus('default', 's5b-browser', podStatus('imagepull'));
  const s = await waitFor('Failed', () => (e.sess('s5b')?.status?.phase === 'Failed' ? e.sess('s5b') : undefined));
  assert.equal(cond(s, 'Failed')?.reason, 'ImagePullBackOff');
  await waitFor('Warning event', () => e.events('ImagePullBackOff')[0]);
});

test('pod Succeeded → Completed; the pod is not recreated, even after it is cleaned up', async (t) => {
  const e = await withOperator(t);
  e.fake.createObject('browsersessions', session('s6', { lifetime: { maxDurationSeconds: 60 } }));
  const pod = await waitFor('pod', () => e.pod('s6'));
  assert.ok(pod.spec?.containers[0]?.env?.some((v) => v.name === 'LKB_MAX_DURATION_SECONDS' && v.value === '60'));
  e.fake.setPodStatus('default', 's6-browser', podStatus('ready'));
  await waitFor('Running', () => e.sess('s6')?.status?.phase === 'Running');
  e.fake.setPodStatus('default', 's6-browser', podStatus('succeeded'));
  const s = await waitFor('Completed', () => (e.sess('s6')?.status?.phase === 'Completed' ? e.sess('s6') : undefined));
  assert.equal(cond(s, 'Ready')?.reason, 'Completed');
  assert.equal(cond(s, 'Failed')?.status, 'False');
  await waitFor('Completed event', () => e.events('Completed')[0]);
  e.fake.deleteObject('pods', 'default', 's6-browser');
  await sleep(1000);
  assert.equal(e.pod('s6'), undefined, 'a completed session does not get a new pod');
  assert.equal(e.sess('s6')?.status?.phase, 'Completed');
});

test('evicted pod (phase Failed) → recreated with a Warning event', async (t) => {
  const e = await withOperator(t);
  e.fake.createObject('browsersessions', session('s6b'));
  const first = await waitFor('pod', () => e.pod('s6b'));
  e.fake.setPodStatus('default', 's6b-browser', podStatus('failed'));
  await waitFor('recreated', () => {
    const p = e.pod('s6b');
    return p && p.metadata.uid !== first.metadata.uid ? p : undefined;
  });
  const ev = await waitFor('event', () => e.events('PodRecreated')[0]);
  assert.equal(ev.type, 'Warning');
  assert.match(ev.note, /Evicted/);
  await waitFor('PodFailed warning', () => e.events('PodFailed')[0]);
});

test('a spec the operator cannot run (no LiveKit URL anywhere, comma in a list) → Failed/InvalidSpec, no pod; fixed → pod', async (t) => {
  const e = await withOperator(t, { livekitUrl: '' });
  e.fake.createObject('browsersessions', session('bad', { navigation: { allowedOrigins: ['https://ok.example', 'https://x.example,y'] } }));
  const s = await waitFor('Failed', () => (e.sess('bad')?.status?.phase === 'Failed' ? e.sess('bad') : undefined));
  const msg = s.status?.message ?? '';
  assert.match(msg, /allowedOrigins\[1\] must not contain a comma/);
  assert.match(msg, /spec\.livekit\.url is required/);
  assert.equal(cond(s, 'Failed')?.reason, 'InvalidSpec');
  assert.equal(cond(s, 'Ready')?.reason, 'InvalidSpec');
  await waitFor('InvalidSpec event', () => e.events('InvalidSpec')[0]);
  await sleep(500);
  assert.equal(e.fake.objects('pods').length, 0);
  // Fixing the spec brings the session up.
  e.fake.updateSpec('browsersessions', 'default', 'bad', (spec) => {
    spec.navigation = {};
    spec.livekit = { url: 'wss://lk.example.com' };
  });
  const pod = await waitFor('pod after fix', () => e.pod('bad'));
  assert.ok(pod.spec?.containers[0]?.env?.some((v) => v.name === 'LIVEKIT_URL' && v.value === 'wss://lk.example.com'));
  await waitFor('Pending', () => e.sess('bad')?.status?.phase === 'Pending' && cond(e.sess('bad'), 'Failed')?.status === 'False');
});

test('a 409 on the status write is retried and converges', async (t) => {
  const e = await withOperator(t);
  e.fake.injectFault('PATCH', /\/browsersessions\/c1\/status$/, 409, 2);
  e.fake.createObject('browsersessions', session('c1'));
  await waitFor('status despite conflicts', () => e.sess('c1')?.status?.phase === 'Pending');
  assert.ok(e.fake.requests.filter((r) => r.path.endsWith('/c1/status') && r.status === 409).length === 2);
  assert.equal(e.fake.objects('pods').length, 1);
});

test('watch 410 Gone → relist; changes made while disconnected (incl. a delete) converge', async (t) => {
  const e = await withOperator(t);
  e.fake.createObject('browsersessions', session('w1'));
  await waitFor('pod w1', () => e.pod('w1'));
  // Cut the watches and keep them down while the world changes, then compact history.
  e.fake.rejectWatches = true;
  e.fake.dropWatches();
  await waitFor('watches down', () => e.fake.openWatchCount() === 0);
  e.fake.createObject('browsersessions', session('w2'));
  e.fake.deleteObject('browsersessions', 'default', 'w1');
  await sleep(100);
  e.fake.compact();
  e.fake.rejectWatches = false;
  await waitFor('pod w2 after relist', () => e.pod('w2'), 30_000);
  await waitFor('w1 pod garbage collected', () => e.pod('w1') === undefined);
  const { sessions, pods } = e.op.informers();
  await waitFor('session informer saw 410', () => (sessions[0]?.stats.gone ?? 0) >= 1);
  await waitFor('pod informer saw 410', () => (pods[0]?.stats.gone ?? 0) >= 1, 40_000);
  assert.equal(sessions[0]?.get('default/w1'), undefined, 'the delete missed while disconnected reached the cache');
  await waitFor('w2 status', () => e.sess('w2')?.status?.phase === 'Pending');
  assert.ok((await metric(e.op, 'lkbrowser_operator_watch_restarts_total', 'reason="gone"')) >= 2);
});

test('silently stalled watch → watchdog restarts it; bookmarks keep a quiet watch alive', async (t) => {
  const e = await withOperator(t, { watchdogMs: 1200 }, { bookmarkIntervalMs: 300 });
  e.fake.createObject('browsersessions', session('d1'));
  await waitFor('pod d1', () => e.pod('d1'));
  // Quiet but healthy: bookmarks arrive, so the watchdog does not fire.
  await sleep(2000);
  const { sessions } = e.op.informers();
  assert.equal(sessions[0]?.stats.watchdogAborts, 0);
  assert.ok(Number(sessions[0]?.lastResourceVersion()) >= Number(e.fake.currentRv()) - 1, 'bookmarks advanced the resourceVersion');
  e.fake.stallWatches();
  e.fake.createObject('browsersessions', session('d2'));
  await waitFor('pod d2 after watchdog restart', () => e.pod('d2'), 30_000);
  assert.ok((sessions[0]?.stats.watchdogAborts ?? 0) >= 1);
});

test('session deleted → pod garbage-collected, nothing recreated, no reconcile errors', async (t) => {
  const e = await withOperator(t);
  e.fake.createObject('browsersessions', session('g1'));
  await waitFor('pod', () => e.pod('g1'));
  e.fake.setPodStatus('default', 'g1-browser', podStatus('ready'));
  await waitFor('Running', () => e.sess('g1')?.status?.phase === 'Running');
  e.fake.deleteObject('browsersessions', 'default', 'g1');
  await waitFor('pod gone', () => e.pod('g1') === undefined);
  await sleep(800);
  assert.equal(e.pod('g1'), undefined);
  assert.equal(await metric(e.op, 'controller_runtime_reconcile_errors_total'), 0);
  // A new session with the same name gets a fresh pod owned by the new uid.
  const again = e.fake.createObject('browsersessions', session('g1'));
  const pod = await waitFor('new pod', () => e.pod('g1'));
  assert.equal(pod.metadata.ownerReferences?.[0]?.uid, again.metadata.uid);
});

test('probes and metrics endpoints', async (t) => {
  const e = await withOperator(t);
  e.fake.createObject('browsersessions', session('m1'));
  await waitFor('pod', () => e.pod('m1'));
  await waitFor('status', () => e.sess('m1')?.status?.phase);
  const h = await fetch(`http://127.0.0.1:${e.op.probePort}/healthz`);
  assert.equal(h.status, 200);
  const r = await fetch(`http://127.0.0.1:${e.op.probePort}/readyz`);
  assert.equal(r.status, 200);
  assert.ok((await metric(e.op, 'controller_runtime_reconcile_total', 'controller="browsersession"')) >= 1);
  assert.ok((await metric(e.op, 'workqueue_adds_total')) >= 1);
  assert.equal(await metric(e.op, 'leader_election_master_status'), 1);
  await waitFor('sessions gauge', async () => (await metric(e.op, 'lkbrowser_sessions', 'phase="Pending"')) === 1);
  assert.equal(await metric(e.op, 'lkbrowser_operator_pod_actions_total', 'action="create"'), 1);
});

test('a foreign pod with the session pod name → Failed PodConflict; a stale pod of an older same-name session is replaced', async (t) => {
  const e = await withOperator(t);
  e.fake.createObject('pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'f1-browser', namespace: 'default', labels: { 'app.kubernetes.io/managed-by': 'lkbrowser-operator' } },
    spec: { containers: [{ name: 'x', image: 'x' }] },
  });
  e.fake.createObject('browsersessions', session('f1'));
  const s = await waitFor('conflict', () => (e.sess('f1')?.status?.phase === 'Failed' ? e.sess('f1') : undefined));
  assert.equal(cond(s, 'Failed')?.reason, 'PodConflict');
  assert.match(s.status?.message ?? '', /not controlled by this BrowserSession/);
  assert.equal(e.pod('f1')?.spec?.containers[0]?.name, 'x', 'the foreign pod is left alone');

  // A pod still owned by a deleted BrowserSession of the same name (GC not done yet) is deleted and replaced.
  const ghost = e.fake.createObject('browsersessions', session('ghost-owner'));
  e.fake.createObject('pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'f2-browser',
      namespace: 'default',
      labels: { 'app.kubernetes.io/managed-by': 'lkbrowser-operator' },
      ownerReferences: [{ apiVersion: 'lkbrowser.dev/v1alpha1', kind: 'BrowserSession', name: 'f2', uid: ghost.metadata.uid ?? '', controller: true }],
    },
    spec: { containers: [{ name: 'old', image: 'old' }] },
  });
  const fresh = e.fake.createObject('browsersessions', session('f2'));
  const pod = await waitFor('replaced pod', () => (e.pod('f2')?.metadata.ownerReferences?.[0]?.uid === fresh.metadata.uid ? e.pod('f2') : undefined));
  assert.equal(pod.spec?.containers[0]?.name, 'browser');
});

test('an unlabeled foreign pod (invisible to the informer) → PodConflict after AlreadyExists; resolved when it goes', async (t) => {
  const e = await withOperator(t);
  e.fake.createObject('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'u1-browser', namespace: 'default' }, spec: { containers: [{ name: 'x', image: 'x' }] } });
  e.fake.createObject('browsersessions', session('u1'));
  const s = await waitFor('conflict', () => (e.sess('u1')?.status?.phase === 'Failed' ? e.sess('u1') : undefined));
  assert.equal(cond(s, 'Failed')?.reason, 'PodConflict');
  await waitFor('Warning event', () => e.events('PodConflict')[0]);
  e.fake.deleteObject('pods', 'default', 'u1-browser');
  const pod = await waitFor('our pod', () => (e.pod('u1')?.spec?.containers[0]?.name === 'browser' ? e.pod('u1') : undefined));
  assert.ok(pod.metadata.ownerReferences?.[0]?.controller);
  await waitFor('conflict cleared', () => cond(e.sess('u1'), 'Failed')?.status === 'False');
});

test('--namespace limits the operator to the listed namespaces', async (t) => {
  const e = await withOperator(t, { namespaces: ['team-a', 'team-b'] });
  e.fake.createObject('browsersessions', session('n1', {}, 'team-a'));
  e.fake.createObject('browsersessions', session('n2', {}, 'team-b'));
  e.fake.createObject('browsersessions', session('n3', {}, 'elsewhere'));
  await waitFor('pod in team-a', () => e.fake.getObject('pods', 'team-a', 'n1-browser'));
  await waitFor('pod in team-b', () => e.fake.getObject('pods', 'team-b', 'n2-browser'));
  await sleep(500);
  assert.equal(e.fake.getObject('pods', 'elsewhere', 'n3-browser'), undefined);
  assert.equal(e.fake.getObject('browsersessions', 'elsewhere', 'n3')?.status, undefined);
  const watched = new Set(e.fake.requests.filter((r) => r.query.watch === 'true').map((r) => r.path));
  assert.ok(watched.has('/apis/lkbrowser.dev/v1alpha1/namespaces/team-a/browsersessions'));
  assert.ok(watched.has('/api/v1/namespaces/team-b/pods'));
  assert.ok(![...watched].some((p) => p === '/api/v1/pods' || p === '/apis/lkbrowser.dev/v1alpha1/browsersessions'), 'no cluster-wide watches');
  // Pods are watched with the managed-by selector only.
  assert.ok(e.fake.requests.filter((r) => r.path.endsWith('/pods') && r.method === 'GET').every((r) => r.query.labelSelector === 'app.kubernetes.io/managed-by=lkbrowser-operator'));
});

test('a dropped watch resumes from the last resourceVersion without relisting', async (t) => {
  const e = await withOperator(t);
  e.fake.createObject('browsersessions', session('r1'));
  await waitFor('pod', () => e.pod('r1'));
  const { sessions } = e.op.informers();
  const lists = sessions[0]?.stats.lists;
  const rv = sessions[0]?.lastResourceVersion();
  e.fake.dropWatches();
  e.fake.createObject('browsersessions', session('r2'));
  await waitFor('pod r2', () => e.pod('r2'));
  assert.equal(sessions[0]?.stats.lists, lists, 'no relist');
  const rewatch = e.fake.requests.filter((r) => r.query.watch === 'true' && r.path.endsWith('/browsersessions')).at(-1);
  assert.ok(Number(rewatch?.query.resourceVersion) >= Number(rv), `re-watch from ${rewatch?.query.resourceVersion}, last seen ${rv}`);
  assert.equal(rewatch?.query.allowWatchBookmarks, 'true');
});

test('40 sessions with 4 workers: every one gets exactly one pod and a status', async (t) => {
  const e = await withOperator(t, { maxConcurrentReconciles: 4, startingRequeueMs: 2000 });
  const t0 = performance.now();
  for (let i = 0; i < 40; i++) e.fake.createObject('browsersessions', session(`many-${i}`));
  await waitFor('40 pods', () => e.fake.objects('pods').length === 40, 60_000);
  await waitFor('40 statuses', () => e.fake.objects('browsersessions').every((s) => (s.status as { phase?: string } | undefined)?.phase === 'Pending'), 60_000);
  t.diagnostic(`40 sessions → 40 pods + Pending status in ${Math.round(performance.now() - t0)} ms`);
  const creates = e.fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/pods') && r.status === 201);
  assert.equal(creates.length, 40, 'no duplicate pod creates');
  assert.equal(await metric(e.op, 'controller_runtime_reconcile_errors_total'), 0);
});
