// buildStatus: an observation merged into the previous status.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { invalidObservation, observePod } from '../../src/browsersession/observation.ts';
import { PRIOR_RESTARTS_ANNOTATION } from '../../src/browsersession/pod-spec.ts';
import { sandboxCondition } from '../../src/browsersession/conditions.ts';
import { buildStatus } from '../../src/browsersession/status.ts';
import type { Pod } from '../../src/framework/kube-types.ts';
import { served } from '../support/crd.ts';
import { podStatus } from '../support/helpers.ts';

function pod(status: Record<string, unknown> | undefined, extra: Partial<Pod['metadata']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', ...extra },
    spec: { containers: [] },
    status: status as Pod['status'],
  };
}
test('buildStatus: observedGeneration, restarts across pods, url/focus retention', () => {
  const s = {
    ...served({ url: 'https://e.x', room: 'r' }, { name: 's', namespace: 'ns', generation: 4 }),
    status: { url: 'https://old.example', focusHolder: 'alice', restarts: 2 },
  };
  const p = pod(podStatus('ready', 3), { annotations: { [PRIOR_RESTARTS_ANNOTATION]: '2' } });
  const now = '2026-01-01T00:00:00Z';
  const running = buildStatus(
    s,
    observePod(p),
    p,
    { podName: 's-browser', participantIdentity: 's', url: 'https://new.example' },
    now,
  );
  assert.equal(running.phase, 'Running');
  assert.equal(running.observedGeneration, 4);
  assert.equal(running.restarts, 5);
  assert.equal(running.url, 'https://new.example');
  assert.equal(running.focusHolder, 'alice', 'kept when the runtime could not be asked');
  assert.equal(running.podName, 's-browser');
  assert.ok(running.conditions?.every((c) => c.observedGeneration === 4));
  const done = buildStatus(s, observePod(pod(podStatus('succeeded'))), pod(podStatus('succeeded')), {}, now);
  assert.equal(done.focusHolder, '', 'nobody holds focus in a finished session');
  assert.equal(done.url, 'https://old.example');
  const noPod = buildStatus(s, observePod(undefined), undefined, {}, now);
  assert.equal(noPod.restarts, 2);
  const bad = buildStatus(s, invalidObservation(['spec.url is required']), undefined, {}, now);
  assert.equal(bad.phase, 'Failed');
  assert.equal(bad.message, 'invalid spec: spec.url is required');
  assert.equal(bad.conditions?.find((c) => c.type === 'Failed')?.reason, 'InvalidSpec');
  // Reasons satisfy the CRD's condition reason pattern.
  for (const c of [...(running.conditions ?? []), ...(bad.conditions ?? []), ...(done.conditions ?? [])])
    assert.match(c.reason, /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/);
});

test("buildStatus: the Sandboxed condition follows the runtime's report and is kept while it cannot be asked", () => {
  const s = served({ url: 'https://e.x', room: 'r' }, { name: 's', namespace: 'ns', generation: 1 });
  const p = pod(podStatus('ready', 0));
  const off = sandboxCondition({ enabled: false, detail: 'off: unshare(CLONE_NEWUSER): Operation not permitted' });
  const first = buildStatus(s, observePod(p), p, { sandboxed: off }, '2026-01-01T00:00:00Z');
  const c = first.conditions?.find((x) => x.type === 'Sandboxed');
  assert.deepEqual(
    { status: c?.status, reason: c?.reason, message: c?.message },
    { status: 'False', reason: 'NoSandbox', message: 'off: unshare(CLONE_NEWUSER): Operation not permitted' },
  );
  const later = buildStatus({ ...s, status: first }, observePod(p), p, {}, '2026-01-01T00:01:00Z');
  assert.deepEqual(
    later.conditions?.find((x) => x.type === 'Sandboxed'),
    c,
    'kept',
  );
  const on = sandboxCondition({ enabled: true, detail: 'on: user, pid and net namespaces work for this uid' });
  const flipped = buildStatus({ ...s, status: first }, observePod(p), p, { sandboxed: on }, '2026-01-01T00:02:00Z');
  const c2 = flipped.conditions?.find((x) => x.type === 'Sandboxed');
  assert.equal(c2?.status, 'True');
  assert.equal(c2?.reason, 'ChromiumSandbox');
  assert.equal(c2?.lastTransitionTime, '2026-01-01T00:02:00Z');
});
