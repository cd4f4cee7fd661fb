import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PRIOR_RESTARTS_ANNOTATION } from '../src/browsersession/pod-spec.ts';
import { buildStatus, invalidObservation, observePod, setConditions } from '../src/browsersession/status.ts';
import type { BrowserSession, Condition } from '../src/browsersession/types.ts';
import type { Pod } from '../src/framework/kube-types.ts';
import { podStatus } from './helpers.ts';

function pod(status: Record<string, unknown> | undefined, extra: Partial<Pod['metadata']> = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', ...extra }, spec: { containers: [] }, status: status as Pod['status'] };
}
const conds = (o: ReturnType<typeof observePod>) => Object.fromEntries(o.conditions.map((c) => [c.type, `${c.status}/${c.reason}`]));

test('phase and conditions from the pod (table)', () => {
  const cases: { name: string; pod: Pod | undefined; phase: string; want: Record<string, string>; failure?: string }[] = [
    {
      name: 'no pod',
      pod: undefined,
      phase: 'Pending',
      want: { Ready: 'False/PodNotCreated', PodScheduled: 'False/PodNotCreated', Running: 'False/PodNotCreated', Publishing: 'False/PodNotCreated', Failed: 'False/NoFailure' },
    },
    { name: 'created, not scheduled', pod: pod({ phase: 'Pending' }), phase: 'Pending', want: { PodScheduled: 'False/PodCreated', Ready: 'False/PodCreated' } },
    {
      name: 'unschedulable',
      pod: pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available' }] }),
      phase: 'Pending',
      want: { PodScheduled: 'False/Unschedulable', Failed: 'False/NoFailure' },
    },
    { name: 'scheduled, creating', pod: pod(podStatus('scheduled')), phase: 'Starting', want: { PodScheduled: 'True/Scheduled', Running: 'False/ContainerCreating', Ready: 'False/Starting' } },
    { name: 'running, not ready', pod: pod(podStatus('running')), phase: 'Starting', want: { Running: 'True/ContainerRunning', Publishing: 'False/NotPublishing', Ready: 'False/Starting' } },
    {
      name: 'ready',
      pod: pod(podStatus('ready')),
      phase: 'Running',
      want: { Ready: 'True/RuntimeReady', PodScheduled: 'True/Scheduled', Running: 'True/ContainerRunning', Publishing: 'True/Publishing', Failed: 'False/NoFailure' },
    },
    { name: 'crash loop', pod: pod(podStatus('crashloop', 3)), phase: 'Failed', want: { Failed: 'True/CrashLoopBackOff', Ready: 'False/CrashLoopBackOff', Running: 'False/CrashLoopBackOff' }, failure: 'CrashLoopBackOff' },
    { name: 'image pull', pod: pod(podStatus('imagepull')), phase: 'Failed', want: { Failed: 'True/ImagePullBackOff' }, failure: 'ImagePullBackOff' },
    {
      name: 'missing secret',
      pod: pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }], containerStatuses: [{ name: 'browser', ready: false, restartCount: 0, state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "livekit-credentials" not found' } } }] }),
      phase: 'Failed',
      want: { Failed: 'True/CreateContainerConfigError' },
      failure: 'CreateContainerConfigError',
    },
    { name: 'succeeded', pod: pod(podStatus('succeeded')), phase: 'Completed', want: { Ready: 'False/Completed', Running: 'False/Completed', Failed: 'False/NoFailure' } },
    { name: 'failed (evicted)', pod: pod(podStatus('failed')), phase: 'Failed', want: { Failed: 'True/PodFailed', Ready: 'False/PodFailed' }, failure: 'PodFailed' },
    { name: 'terminating', pod: pod(podStatus('ready'), { deletionTimestamp: '2026-01-01T00:00:00Z' }), phase: 'Pending', want: { Ready: 'False/Terminating' } },
  ];
  for (const c of cases) {
    const o = observePod(c.pod);
    assert.equal(o.phase, c.phase, c.name);
    const got = conds(o);
    for (const [k, v] of Object.entries(c.want)) assert.equal(got[k], v, `${c.name}: ${k}`);
    assert.equal(o.failureReason, c.failure, `${c.name}: failureReason`);
    assert.equal(o.conditions.length, 5, `${c.name}: all condition types present`);
  }
  assert.match(observePod(pod(podStatus('crashloop'))).message, /back-off 40s/);
  assert.match(observePod(pod(podStatus('failed'))).message, /Evicted.*low on resource/);
});

test('setConditions keeps lastTransitionTime unless the status flips', () => {
  const t1 = '2026-01-01T00:00:00Z';
  const t2 = '2026-01-01T00:05:00Z';
  const first = setConditions(undefined, [{ type: 'Ready', status: 'False', reason: 'Starting', message: 'a' }], 1, t1);
  assert.deepEqual(first, [{ type: 'Ready', status: 'False', reason: 'Starting', message: 'a', lastTransitionTime: t1, observedGeneration: 1 }]);
  const same = setConditions(first, [{ type: 'Ready', status: 'False', reason: 'Other', message: 'b' }], 2, t2);
  assert.equal(same[0]?.lastTransitionTime, t1);
  assert.equal(same[0]?.reason, 'Other');
  assert.equal(same[0]?.observedGeneration, 2);
  const flipped = setConditions(same, [{ type: 'Ready', status: 'True', reason: 'RuntimeReady', message: '' }], 2, t2);
  assert.equal(flipped[0]?.lastTransitionTime, t2);
  // Ordering is stable and unknown types from elsewhere are kept.
  const mixed = setConditions([{ type: 'Custom' as Condition['type'], status: 'True', reason: 'X', message: '', lastTransitionTime: t1 }], [{ type: 'Failed', status: 'False', reason: 'NoFailure', message: '' }, { type: 'Ready', status: 'True', reason: 'R', message: '' }], 1, t2);
  assert.deepEqual(
    mixed.map((c) => c.type),
    ['Ready', 'Failed', 'Custom'],
  );
});

test('buildStatus: observedGeneration, restarts across pods, url/focus retention', () => {
  const s: BrowserSession = {
    metadata: { name: 's', namespace: 'ns', generation: 4 },
    spec: { url: 'https://e.x', room: 'r' },
    status: { url: 'https://old.example', focusHolder: 'alice', restarts: 2 },
  };
  const p = pod(podStatus('ready', 3), { annotations: { [PRIOR_RESTARTS_ANNOTATION]: '2' } });
  const now = '2026-01-01T00:00:00Z';
  const running = buildStatus(s, observePod(p), p, { podName: 's-browser', participantIdentity: 's', url: 'https://new.example' }, now);
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
  for (const c of [...(running.conditions ?? []), ...(bad.conditions ?? []), ...(done.conditions ?? [])]) assert.match(c.reason, /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/);
});
