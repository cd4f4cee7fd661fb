// The client-node adapter against the fake apiserver: paths, verbs, content types, error mapping, and the
// apiserver semantics the operator relies on (status subresource split, generation, resourceVersion conflicts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SESSIONS } from '../../src/browsersession/resource.ts';
import { ApiError, ClientNodeKube, PODS } from '../../src/framework/kube-client.ts';
import type { BrowserSession } from '../../src/browsersession/types.ts';
import type { Pod } from '../../src/framework/kube-types.ts';
import { FakeApiServer } from '../support/fake-apiserver.ts';
import { kubeConfigFor, session, waitFor } from '../support/helpers.ts';

async function setup(t: { after(fn: () => Promise<void>): void }) {
  const fake = new FakeApiServer();
  await fake.start();
  t.after(() => fake.stop());
  return { fake, client: new ClientNodeKube(kubeConfigFor(fake.url, 'tok')) };
}

test('CRUD paths, auth header, merge-patch content type; status subresource and generation semantics', async (t) => {
  const { fake, client } = await setup(t);
  const created = await client.create<BrowserSession>(SESSIONS, 'default', { ...session('k1'), status: { phase: 'Running' } } as BrowserSession);
  assert.equal(created.metadata.generation, 1);
  assert.equal(created.status, undefined, 'status is ignored on create');
  const post = fake.requests.at(-1);
  assert.equal(post?.path, '/apis/lkbrowser.dev/v1alpha1/namespaces/default/browsersessions');
  assert.equal(post?.auth, 'Bearer tok');
  assert.equal(post?.query.fieldManager, 'lkbrowser-operator');

  const st = await client.patchStatus<BrowserSession>(SESSIONS, 'default', 'k1', { status: { phase: 'Pending' }, spec: { url: 'https://ignored.example' } });
  assert.equal(st.status?.phase, 'Pending');
  assert.equal(st.spec.url, 'https://example.com', '/status ignores spec');
  assert.equal(st.metadata.generation, 1);
  assert.equal(fake.requests.at(-1)?.contentType, 'application/merge-patch+json');
  assert.equal(fake.requests.at(-1)?.path, '/apis/lkbrowser.dev/v1alpha1/namespaces/default/browsersessions/k1/status');

  const main = await client.mergePatch<BrowserSession>(SESSIONS, 'default', 'k1', { spec: { audio: false }, status: { phase: 'Failed' } });
  assert.equal(main.spec.audio, false);
  assert.equal(main.status?.phase, 'Pending', 'the main resource ignores status');
  assert.equal(main.metadata.generation, 2, 'spec change bumps generation');
  const again = await client.patchStatus<BrowserSession>(SESSIONS, 'default', 'k1', { status: { phase: 'Running' } });
  assert.equal(again.metadata.generation, 2, 'status change does not bump generation');

  // Stale resourceVersion → 409 Conflict as ApiError.
  await assert.rejects(
    client.patchStatus(SESSIONS, 'default', 'k1', { metadata: { resourceVersion: created.metadata.resourceVersion }, status: { phase: 'Failed' } }),
    (e: unknown) => e instanceof ApiError && e.code === 409 && e.reason === 'Conflict',
  );
  await assert.rejects(client.create(SESSIONS, 'default', session('k1') as BrowserSession), (e: unknown) => e instanceof ApiError && e.code === 409 && e.reason === 'AlreadyExists');
  assert.equal(await client.get(SESSIONS, 'default', 'nope'), undefined);
  const list = await client.list<BrowserSession>(SESSIONS, undefined);
  assert.equal(list.items.length, 1);
  assert.equal(list.items[0]?.kind, 'BrowserSession');
  assert.equal(list.resourceVersion, fake.currentRv());
  assert.equal(await client.delete(SESSIONS, 'default', 'k1', { uid: 'wrong' }).catch((e: ApiError) => e.code), 409, 'uid precondition');
  assert.equal(await client.delete(SESSIONS, 'default', 'k1', { uid: created.metadata.uid }), true);
  assert.equal(await client.delete(SESSIONS, 'default', 'k1'), false, 'already gone');
});

test('custom resources reject strategic-merge-patch with 415 (why the operator uses merge-patch)', async (t) => {
  const { fake } = await setup(t);
  fake.createObject('browsersessions', session('k2'));
  const res = await fetch(`${fake.url}/apis/lkbrowser.dev/v1alpha1/namespaces/default/browsersessions/k2/status`, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/strategic-merge-patch+json' },
    body: JSON.stringify({ status: { phase: 'Running' } }),
  });
  assert.equal(res.status, 415);
  assert.equal(((await res.json()) as { reason: string }).reason, 'UnsupportedMediaType');
});

test('pods: label-selected list and watch with bookmarks; owner deletion garbage-collects', async (t) => {
  const { fake, client } = await setup(t);
  fake.bookmarkIntervalMs = 50;
  const owner = fake.createObject('browsersessions', session('k3'));
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'k3-browser', labels: { app: 'x' }, ownerReferences: [{ apiVersion: 'lkbrowser.dev/v1alpha1', kind: 'BrowserSession', name: 'k3', uid: owner.metadata.uid ?? '', controller: true }] },
    spec: { containers: [{ name: 'c', image: 'i' }] },
  };
  await client.create(PODS, 'default', pod);
  await client.create(PODS, 'default', { ...pod, metadata: { name: 'other', labels: { app: 'y' } } });
  const sel = await client.list<Pod>(PODS, 'default', { labelSelector: 'app=x' });
  assert.deepEqual(
    sel.items.map((p) => p.metadata.name),
    ['k3-browser'],
  );
  const events: string[] = [];
  let done: unknown = 'open';
  const h = await client.watch(
    PODS,
    'default',
    { resourceVersion: sel.resourceVersion, labelSelector: 'app=x', inactivityMs: 5000 },
    (type, obj) => events.push(`${type}:${(obj as Pod).metadata.name ?? ''}`),
    (err) => {
      done = err;
    },
  );
  await waitFor('bookmark', () => events.includes('BOOKMARK:'));
  fake.deleteObject('browsersessions', 'default', 'k3');
  await waitFor('GC delete event', () => events.includes('DELETED:k3-browser'));
  assert.ok(fake.getObject('pods', 'default', 'other'), 'unowned pod survives');
  h.stop();
  await waitFor('done', () => done !== 'open');
  assert.equal(done, null);
});

test('watch from a compacted resourceVersion gets a 410 ERROR event', async (t) => {
  const { fake, client } = await setup(t);
  fake.createObject('browsersessions', session('k4'));
  const rv = fake.currentRv();
  fake.createObject('browsersessions', session('k5'));
  fake.compact();
  const events: { type: string; code?: number }[] = [];
  let ended = false;
  await client.watch(
    SESSIONS,
    undefined,
    { resourceVersion: String(Number(rv) - 1), inactivityMs: 5000 },
    (type, obj) => events.push({ type, code: (obj as { code?: number }).code }),
    () => {
      ended = true;
    },
  );
  await waitFor('ended', () => ended);
  assert.deepEqual(events, [{ type: 'ERROR', code: 410 }]);
});

test('watch inactivity watchdog reports TimeoutError', async (t) => {
  const { fake, client } = await setup(t);
  let err: unknown;
  const t0 = performance.now();
  await client.watch(SESSIONS, undefined, { resourceVersion: fake.currentRv(), inactivityMs: 300 }, () => undefined, (e) => {
    err = e;
  });
  await waitFor('timeout', () => err);
  assert.equal((err as Error).name, 'TimeoutError');
  assert.ok(performance.now() - t0 >= 250);
});
