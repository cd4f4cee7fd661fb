// What a real API server cannot be made to do on demand, against the in-process fake (support/fake-apiserver.ts):
// a 409 on exactly the next two status writes, bookmarks every 300 ms on a quiet watch (the real one sends them
// about once a minute), a watch dropped by the server without compaction (resume without relist), and request
// shapes read from the fake's request log (namespaced watches only, the managed-by selector). Everything else runs
// against the real control plane in test/integration/.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Operator } from '../src/operator.ts';
import type { BrowserSession } from '../src/browsersession/types.ts';
import type { Pod } from '../src/framework/kube-types.ts';
import { FakeApiServer } from './support/fake-apiserver.ts';
import { FakeRuntime, makeOperator, session, sleep } from './support/helpers.ts';
import { waitFor } from '@lkbrowser/testkit';

interface Env {
  fake: FakeApiServer;
  runtime: FakeRuntime;
  op: Operator;
  sess(name: string): BrowserSession | undefined;
  pod(name: string): Pod | undefined;
  events(reason?: string): { reason: string; type: string; note: string; regarding: { name: string } }[];
}

async function withOperator(
  t: { after(fn: () => Promise<void>): void },
  over: Parameters<typeof makeOperator>[2] = {},
  fakeOpts = {},
): Promise<Env> {
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
  await waitFor('informers synced', () => op.synced(), 20_000);
  return {
    fake,
    runtime,
    op,
    sess: (name) => fake.getObject('browsersessions', 'default', name) as unknown as BrowserSession | undefined,
    pod: (name) => fake.getObject('pods', 'default', `${name}-browser`) as unknown as Pod | undefined,
    events: (reason) =>
      (
        fake.objects('events') as unknown as {
          reason: string;
          type: string;
          note: string;
          regarding: { name: string };
        }[]
      ).filter((e) => reason === undefined || e.reason === reason),
  };
}

test('a 409 on the status write is retried and converges', async (t) => {
  const e = await withOperator(t);
  e.fake.injectFault('PATCH', /\/browsersessions\/c1\/status$/, 409, 2);
  e.fake.createObject('browsersessions', session('c1'));
  await waitFor('status despite conflicts', () => e.sess('c1')?.status?.phase === 'Pending', 20_000);
  assert.ok(e.fake.requests.filter((r) => r.path.endsWith('/c1/status') && r.status === 409).length === 2);
  assert.equal(e.fake.objects('pods').length, 1);
});

test('silently stalled watch → watchdog restarts it; bookmarks keep a quiet watch alive', async (t) => {
  const e = await withOperator(t, { watchdogMs: 1200 }, { bookmarkIntervalMs: 300 });
  e.fake.createObject('browsersessions', session('d1'));
  await waitFor('pod d1', () => e.pod('d1'), 20_000);
  // Quiet but healthy: bookmarks arrive, so the watchdog does not fire.
  await sleep(2000);
  const { sessions } = e.op.informers();
  assert.equal(sessions[0]?.stats.watchdogAborts, 0);
  assert.ok(
    Number(sessions[0]?.lastResourceVersion()) >= Number(e.fake.currentRv()) - 1,
    'bookmarks advanced the resourceVersion',
  );
  e.fake.stallWatches();
  e.fake.createObject('browsersessions', session('d2'));
  await waitFor('pod d2 after watchdog restart', () => e.pod('d2'), 30_000);
  // Both watches share one HTTP/2 connection: the first watchdog to fire (sessions' or pods') drops it, which ends
  // the other watch with an error instead, so either informer's watchdog counts.
  const { pods } = e.op.informers();
  const aborts = [...sessions, ...pods].reduce((n, i) => n + i.stats.watchdogAborts, 0);
  assert.ok(aborts >= 1, 'a watchdog restarted the stalled watches');
});

test('--namespace limits the operator to the listed namespaces', async (t) => {
  const e = await withOperator(t, { namespaces: ['team-a', 'team-b'] });
  e.fake.createObject('browsersessions', session('n1', {}, 'team-a'));
  e.fake.createObject('browsersessions', session('n2', {}, 'team-b'));
  e.fake.createObject('browsersessions', session('n3', {}, 'elsewhere'));
  await waitFor('pod in team-a', () => e.fake.getObject('pods', 'team-a', 'n1-browser'), 20_000);
  await waitFor('pod in team-b', () => e.fake.getObject('pods', 'team-b', 'n2-browser'), 20_000);
  await sleep(500);
  assert.equal(e.fake.getObject('pods', 'elsewhere', 'n3-browser'), undefined);
  assert.equal(e.fake.getObject('browsersessions', 'elsewhere', 'n3')?.status, undefined);
  const watched = new Set(e.fake.requests.filter((r) => r.query.watch === 'true').map((r) => r.path));
  assert.ok(watched.has('/apis/lkbrowser.dev/v1alpha1/namespaces/team-a/browsersessions'));
  assert.ok(watched.has('/api/v1/namespaces/team-b/pods'));
  assert.ok(
    ![...watched].some((p) => p === '/api/v1/pods' || p === '/apis/lkbrowser.dev/v1alpha1/browsersessions'),
    'no cluster-wide watches',
  );
  // Pods are watched with the managed-by selector only.
  assert.ok(
    e.fake.requests
      .filter((r) => r.path.endsWith('/pods') && r.method === 'GET')
      .every((r) => r.query.labelSelector === 'app.kubernetes.io/managed-by=lkbrowser-operator'),
  );
});

test('a dropped watch resumes from the last resourceVersion without relisting', async (t) => {
  const e = await withOperator(t);
  e.fake.createObject('browsersessions', session('r1'));
  await waitFor('pod', () => e.pod('r1'), 20_000);
  const { sessions } = e.op.informers();
  const lists = sessions[0]?.stats.lists;
  const rv = sessions[0]?.lastResourceVersion();
  e.fake.dropWatches();
  e.fake.createObject('browsersessions', session('r2'));
  await waitFor('pod r2', () => e.pod('r2'), 20_000);
  assert.equal(sessions[0]?.stats.lists, lists, 'no relist');
  const rewatch = e.fake.requests.filter((r) => r.query.watch === 'true' && r.path.endsWith('/browsersessions')).at(-1);
  assert.ok(
    Number(rewatch?.query.resourceVersion) >= Number(rv),
    `re-watch from ${rewatch?.query.resourceVersion}, last seen ${rv}`,
  );
  assert.equal(rewatch?.query.allowWatchBookmarks, 'true');
});
