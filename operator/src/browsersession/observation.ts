// What the operator sees of a session, before it is merged into status: the runtime pod read as a phase and
// conditions (observePod), or the reason the operator runs no pod (refusal). Pure functions, no I/O.
import type { Pod } from '../framework/kube-types.ts';
import { type CondInput, type ConditionSet, type CondValue, cond, Reasons, sessionConditions } from './conditions.ts';
import { CONTAINER_NAME } from './pod-spec.ts';
import type { SessionPhase } from './types.ts';

export interface Observation {
  phase: SessionPhase;
  conditions: CondInput[];
  message: string;
  /** Set when the session is Failed: the reason of the Warning event. */
  failureReason?: string;
}

/** Container waiting reasons that need a human (they do not fix themselves). */
const FATAL_WAITING = new Set<string>([
  Reasons.CrashLoopBackOff,
  Reasons.ImagePullBackOff,
  Reasons.ErrImagePull,
  Reasons.InvalidImageName,
  Reasons.CreateContainerConfigError,
  Reasons.CreateContainerError,
]);

function observation(phase: SessionPhase, set: ConditionSet): Observation {
  return {
    phase,
    message: set.message,
    conditions: sessionConditions(set),
    ...(set.failed ? { failureReason: set.reason } : {}),
  };
}

/** The operator runs no pod for this session: Failed with `reason`, the message on Ready and Failed. */
export function refusal(reason: string, message: string): Observation {
  return observation('Failed', {
    reason,
    message,
    failed: true,
    scheduled: cond('False', reason),
    running: cond('False', reason),
    publishing: cond('False', reason),
  });
}

/** A spec the operator cannot run (the API server accepted it; the operator knows more). */
export function invalidObservation(problems: string[]): Observation {
  return refusal(Reasons.InvalidSpec, `invalid spec: ${problems.join('; ')}`);
}

/** The spec asks for something the cluster admin's policy does not allow. */
export function policyDeniedObservation(problems: string[]): Observation {
  return refusal(Reasons.PolicyDenied, `refused by the cluster policy: ${problems.join('; ')}`);
}

export function conflictObservation(podName: string): Observation {
  return refusal(Reasons.PodConflict, `pod ${podName} exists and is not controlled by this BrowserSession`);
}

/** The API server refused to create the runtime pod; `apiMessage` is its answer (admission says why). */
export function podCreateFailedObservation(podName: string, code: number, apiMessage: string): Observation {
  return refusal(
    Reasons.PodCreateFailed,
    `the API server refused runtime pod ${podName} (HTTP ${code}): ${apiMessage}`,
  );
}

function podCond(pod: Pod, t: string) {
  return pod.status?.conditions?.find((c) => c.type === t);
}

/** Interprets a pod (or its absence) as a session phase + conditions. */
export function observePod(pod: Pod | undefined): Observation {
  if (!pod) {
    const message = 'runtime pod not created yet';
    return observation('Pending', {
      reason: Reasons.PodNotCreated,
      message,
      scheduled: cond('False', Reasons.PodNotCreated, message),
    });
  }
  const st = pod.status ?? {};
  const cs = st.containerStatuses?.find((x) => x.name === CONTAINER_NAME) ?? st.containerStatuses?.[0];
  const sched = podCond(pod, 'PodScheduled');
  const isScheduled =
    sched?.status === 'True' || Boolean(pod.spec?.nodeName) || st.phase === 'Running' || st.phase === 'Succeeded';
  const scheduled: CondValue = isScheduled
    ? cond('True', Reasons.Scheduled, pod.spec?.nodeName ? `scheduled on ${pod.spec.nodeName}` : '')
    : cond('False', sched?.reason ?? Reasons.PodCreated, sched?.message ?? 'waiting for the scheduler');

  // First: a pod being deleted (by hand, a drain, an eviction) gets SIGTERM and the runtime exits 0, so it ends
  // Succeeded; that is not the session completing: the pod is recreated once it is gone.
  if (pod.metadata.deletionTimestamp) {
    return observation('Pending', { reason: Reasons.Terminating, message: 'runtime pod is terminating', scheduled });
  }
  if (st.phase === 'Succeeded') {
    return observation('Completed', {
      reason: Reasons.Completed,
      message: 'the runtime ended the session (exit 0)',
      scheduled,
    });
  }
  if (st.phase === 'Failed') {
    const message = `runtime pod failed${st.reason ? ` (${st.reason})` : ''}${st.message ? `: ${st.message}` : ''}`;
    return observation('Failed', { reason: Reasons.PodFailed, message, scheduled, failed: true });
  }
  const waiting = cs?.state?.waiting;
  if (waiting?.reason && FATAL_WAITING.has(waiting.reason)) {
    const last = cs?.lastState?.terminated;
    // Both: the kubelet's back-off line says when it retries, the last exit says why the runtime stopped (its
    // termination message, e.g. the LiveKit server refusing the token).
    const lastExit = last
      ? `last exit code ${last.exitCode}${last.reason ? ` (${last.reason})` : ''}${last.message ? `: ${last.message.trim()}` : ''}`
      : '';
    const detail = [waiting.message, lastExit].filter(Boolean).join('; ');
    const message = `runtime container ${waiting.reason}${detail ? `: ${detail}` : ''}`;
    return observation('Failed', { reason: waiting.reason, message, scheduled, failed: true });
  }
  const running = Boolean(cs?.state?.running) && st.phase === 'Running';
  const ready = running && (podCond(pod, 'Ready')?.status === 'True' || cs?.ready === true);
  if (ready) {
    return observation('Running', {
      reason: Reasons.RuntimeReady,
      message: 'publishing into the room',
      scheduled,
      ready: cond('True', Reasons.RuntimeReady, 'the browser is publishing into the room'),
      running: cond('True', Reasons.ContainerRunning),
      publishing: cond('True', Reasons.Publishing),
    });
  }
  if (!isScheduled) {
    return observation('Pending', {
      reason: scheduled.reason,
      message: scheduled.message || 'waiting for the scheduler',
      scheduled,
      running: cond('False', Reasons.NotRunning),
      publishing: cond('False', Reasons.NotPublishing),
    });
  }
  const message = running
    ? 'runtime started, not publishing yet'
    : `runtime container ${waiting?.reason ?? 'starting'}`;
  return observation('Starting', {
    reason: Reasons.Starting,
    message,
    scheduled,
    running: running
      ? cond('True', Reasons.ContainerRunning)
      : cond('False', waiting?.reason ?? Reasons.ContainerCreating, waiting?.message ?? ''),
    publishing: cond('False', Reasons.NotPublishing, running ? 'readiness probe /readyz not passing yet' : ''),
  });
}
