// observePod and the refusals: what the operator reads from a pod, or why it runs none (table tests).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  conflictObservation,
  invalidObservation,
  observePod,
  podCreateFailedObservation,
} from '../../src/browsersession/observation.ts';
import type { Pod } from '../../src/framework/kube-types.ts';
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
const conds = (o: ReturnType<typeof observePod>) =>
  Object.fromEntries(o.conditions.map((c) => [c.type, `${c.status}/${c.reason}`]));

test('phase and conditions from the pod (table)', () => {
  const cases: { name: string; pod: Pod | undefined; phase: string; want: Record<string, string>; failure?: string }[] =
    [
      {
        name: 'no pod',
        pod: undefined,
        phase: 'Pending',
        want: {
          Ready: 'False/PodNotCreated',
          PodScheduled: 'False/PodNotCreated',
          Running: 'False/PodNotCreated',
          Publishing: 'False/PodNotCreated',
          Failed: 'False/NoFailure',
        },
      },
      {
        name: 'created, not scheduled',
        pod: pod({ phase: 'Pending' }),
        phase: 'Pending',
        want: { PodScheduled: 'False/PodCreated', Ready: 'False/PodCreated' },
      },
      {
        name: 'unschedulable',
        pod: pod({
          phase: 'Pending',
          conditions: [
            { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available' },
          ],
        }),
        phase: 'Pending',
        want: { PodScheduled: 'False/Unschedulable', Failed: 'False/NoFailure' },
      },
      {
        name: 'scheduled, creating',
        pod: pod(podStatus('scheduled')),
        phase: 'Starting',
        want: { PodScheduled: 'True/Scheduled', Running: 'False/ContainerCreating', Ready: 'False/Starting' },
      },
      {
        name: 'running, not ready',
        pod: pod(podStatus('running')),
        phase: 'Starting',
        want: { Running: 'True/ContainerRunning', Publishing: 'False/NotPublishing', Ready: 'False/Starting' },
      },
      {
        name: 'ready',
        pod: pod(podStatus('ready')),
        phase: 'Running',
        want: {
          Ready: 'True/RuntimeReady',
          PodScheduled: 'True/Scheduled',
          Running: 'True/ContainerRunning',
          Publishing: 'True/Publishing',
          Failed: 'False/NoFailure',
        },
      },
      {
        name: 'crash loop',
        pod: pod(podStatus('crashloop', 3)),
        phase: 'Failed',
        want: { Failed: 'True/CrashLoopBackOff', Ready: 'False/CrashLoopBackOff', Running: 'False/CrashLoopBackOff' },
        failure: 'CrashLoopBackOff',
      },
      {
        name: 'image pull',
        pod: pod(podStatus('imagepull')),
        phase: 'Failed',
        want: { Failed: 'True/ImagePullBackOff' },
        failure: 'ImagePullBackOff',
      },
      {
        name: 'missing secret',
        pod: pod({
          phase: 'Pending',
          conditions: [{ type: 'PodScheduled', status: 'True' }],
          containerStatuses: [
            {
              name: 'browser',
              ready: false,
              restartCount: 0,
              state: {
                waiting: { reason: 'CreateContainerConfigError', message: 'secret "livekit-credentials" not found' },
              },
            },
          ],
        }),
        phase: 'Failed',
        want: { Failed: 'True/CreateContainerConfigError' },
        failure: 'CreateContainerConfigError',
      },
      {
        name: 'succeeded',
        pod: pod(podStatus('succeeded')),
        phase: 'Completed',
        want: { Ready: 'False/Completed', Running: 'False/Completed', Failed: 'False/NoFailure' },
      },
      {
        name: 'failed (evicted)',
        pod: pod(podStatus('failed')),
        phase: 'Failed',
        want: { Failed: 'True/PodFailed', Ready: 'False/PodFailed' },
        failure: 'PodFailed',
      },
      {
        name: 'terminating',
        pod: pod(podStatus('ready'), { deletionTimestamp: '2026-01-01T00:00:00Z' }),
        phase: 'Pending',
        want: { Ready: 'False/Terminating' },
      },
      {
        // kubectl delete pod: SIGTERM, the runtime exits 0, the pod ends Succeeded while being deleted. Not the
        // session's end: the reconciler recreates the pod (seen on the real single-node cluster, #15).
        name: 'succeeded while being deleted',
        pod: pod(podStatus('succeeded'), { deletionTimestamp: '2026-01-01T00:00:00Z' }),
        phase: 'Pending',
        want: { Ready: 'False/Terminating', Failed: 'False/NoFailure' },
      },
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
  // and why the runtime stopped: its termination message (FallbackToLogsOnError or /dev/termination-log)
  assert.match(
    observePod(pod(podStatus('crashloop'))).message,
    /back-off 40s.*; last exit code 3 \(Error\): runtime failed to start: 401 unauthorized$/,
  );
  assert.match(observePod(pod(podStatus('failed'))).message, /Evicted.*low on resource/);
});

test('refusals: no pod runs, Failed with the reason on every condition and the message on Ready and Failed', () => {
  const cases = [
    { o: invalidObservation(['a', 'b']), reason: 'InvalidSpec', message: 'invalid spec: a; b' },
    {
      o: conflictObservation('s-browser'),
      reason: 'PodConflict',
      message: 'pod s-browser exists and is not controlled by this BrowserSession',
    },
    {
      o: podCreateFailedObservation(
        's-browser',
        403,
        'pods "s-browser" is forbidden: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1',
      ),
      reason: 'PodCreateFailed',
      message:
        'the API server refused runtime pod s-browser (HTTP 403): pods "s-browser" is forbidden: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1',
    },
  ];
  for (const c of cases) {
    assert.equal(c.o.phase, 'Failed');
    assert.equal(c.o.failureReason, c.reason);
    assert.equal(c.o.message, c.message);
    assert.deepEqual(conds(c.o), {
      Ready: `False/${c.reason}`,
      PodScheduled: `False/${c.reason}`,
      Running: `False/${c.reason}`,
      Publishing: `False/${c.reason}`,
      Failed: `True/${c.reason}`,
    });
    const byType = Object.fromEntries(c.o.conditions.map((x) => [x.type, x.message]));
    assert.deepEqual(byType, { Ready: c.message, PodScheduled: '', Running: '', Publishing: '', Failed: c.message });
  }
});
