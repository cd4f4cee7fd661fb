// Session status from the observed runtime Pod: phase, conditions (metav1.Condition semantics: lastTransitionTime
// changes only when a condition's status flips), restarts, start time. Pure functions, no I/O.
import { CONTAINER_NAME, PRIOR_RESTARTS_ANNOTATION } from './pod-spec.ts';
import type { ConditionStatus, Pod } from '../framework/kube-types.ts';
import type { BrowserSession, BrowserSessionStatus, Condition, ConditionType, SessionPhase } from './types.ts';

export const Reasons = {
  PodNotCreated: 'PodNotCreated',
  PodCreated: 'PodCreated',
  Scheduled: 'Scheduled',
  Unschedulable: 'Unschedulable',
  ContainerCreating: 'ContainerCreating',
  ContainerRunning: 'ContainerRunning',
  NotRunning: 'NotRunning',
  Publishing: 'Publishing',
  NotPublishing: 'NotPublishing',
  RuntimeReady: 'RuntimeReady',
  Starting: 'Starting',
  CrashLoopBackOff: 'CrashLoopBackOff',
  ImagePullBackOff: 'ImagePullBackOff',
  ErrImagePull: 'ErrImagePull',
  InvalidImageName: 'InvalidImageName',
  CreateContainerConfigError: 'CreateContainerConfigError',
  CreateContainerError: 'CreateContainerError',
  PodFailed: 'PodFailed',
  Completed: 'Completed',
  InvalidSpec: 'InvalidSpec',
  PodConflict: 'PodConflict',
  NoFailure: 'NoFailure',
  Terminating: 'Terminating',
} as const;

/** Container waiting reasons that need a human (they do not fix themselves). */
const FATAL_WAITING = new Set<string>([
  Reasons.CrashLoopBackOff,
  Reasons.ImagePullBackOff,
  Reasons.ErrImagePull,
  Reasons.InvalidImageName,
  Reasons.CreateContainerConfigError,
  Reasons.CreateContainerError,
]);

export const CONDITION_TYPES: ConditionType[] = ['Ready', 'PodScheduled', 'Running', 'Publishing', 'Failed'];

export interface CondInput {
  type: ConditionType;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/**
 * apimachinery meta.SetStatusCondition: keeps lastTransitionTime unless status flips; always refreshes
 * reason/message/observedGeneration. Returns a new array ordered by CONDITION_TYPES (stable for diffs).
 */
export function setConditions(prev: Condition[] | undefined, next: CondInput[], generation: number, now: string): Condition[] {
  const byType = new Map<string, Condition>();
  for (const c of prev ?? []) byType.set(c.type, c);
  for (const n of next) {
    const old = byType.get(n.type);
    byType.set(n.type, {
      type: n.type,
      status: n.status,
      reason: n.reason,
      message: n.message,
      lastTransitionTime: old && old.status === n.status ? old.lastTransitionTime : now,
      observedGeneration: generation,
    });
  }
  const order = (t: string) => {
    const i = CONDITION_TYPES.indexOf(t as ConditionType);
    return i < 0 ? CONDITION_TYPES.length : i;
  };
  return [...byType.values()].sort((a, b) => order(a.type) - order(b.type) || a.type.localeCompare(b.type));
}

export function findCondition(s: BrowserSessionStatus | undefined, t: ConditionType): Condition | undefined {
  return s?.conditions?.find((c) => c.type === t);
}

function podCond(pod: Pod, t: string) {
  return pod.status?.conditions?.find((c) => c.type === t);
}

export function containerRestarts(pod: Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
}

export function priorRestarts(pod: Pod): number {
  const n = Number(pod.metadata.annotations?.[PRIOR_RESTARTS_ANNOTATION] ?? 0);
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : 0;
}

/** What the pod says, before it is merged into the previous status. */
export interface Observation {
  phase: SessionPhase;
  conditions: CondInput[];
  message: string;
  /** Set when the session just became Failed for a pod reason: used for the Warning event. */
  failureReason?: string;
}

function c(type: ConditionType, status: ConditionStatus, reason: string, message = ''): CondInput {
  return { type, status, reason, message };
}

/** Interprets a pod (or its absence) as a session phase + conditions. */
export function observePod(pod: Pod | undefined): Observation {
  if (!pod) {
    return {
      phase: 'Pending',
      message: 'runtime pod not created yet',
      conditions: [
        c('Ready', 'False', Reasons.PodNotCreated, 'runtime pod not created yet'),
        c('PodScheduled', 'False', Reasons.PodNotCreated, 'runtime pod not created yet'),
        c('Running', 'False', Reasons.PodNotCreated, ''),
        c('Publishing', 'False', Reasons.PodNotCreated, ''),
        c('Failed', 'False', Reasons.NoFailure, ''),
      ],
    };
  }
  const st = pod.status ?? {};
  const cs = st.containerStatuses?.find((x) => x.name === CONTAINER_NAME) ?? st.containerStatuses?.[0];
  const sched = podCond(pod, 'PodScheduled');
  const scheduled = sched?.status === 'True' || Boolean(pod.spec?.nodeName) || st.phase === 'Running' || st.phase === 'Succeeded';
  const schedCond = scheduled
    ? c('PodScheduled', 'True', Reasons.Scheduled, pod.spec?.nodeName ? `scheduled on ${pod.spec.nodeName}` : '')
    : c('PodScheduled', 'False', sched?.reason ?? Reasons.PodCreated, sched?.message ?? 'waiting for the scheduler');

  if (st.phase === 'Succeeded') {
    const msg = 'the runtime ended the session (exit 0)';
    return {
      phase: 'Completed',
      message: msg,
      conditions: [
        c('Ready', 'False', Reasons.Completed, msg),
        schedCond,
        c('Running', 'False', Reasons.Completed, msg),
        c('Publishing', 'False', Reasons.Completed, msg),
        c('Failed', 'False', Reasons.NoFailure, ''),
      ],
    };
  }
  if (st.phase === 'Failed') {
    const msg = `runtime pod failed${st.reason ? ` (${st.reason})` : ''}${st.message ? `: ${st.message}` : ''}`;
    return {
      phase: 'Failed',
      message: msg,
      failureReason: Reasons.PodFailed,
      conditions: [
        c('Ready', 'False', Reasons.PodFailed, msg),
        schedCond,
        c('Running', 'False', Reasons.PodFailed, msg),
        c('Publishing', 'False', Reasons.PodFailed, msg),
        c('Failed', 'True', Reasons.PodFailed, msg),
      ],
    };
  }
  if (pod.metadata.deletionTimestamp) {
    const msg = 'runtime pod is terminating';
    return {
      phase: 'Pending',
      message: msg,
      conditions: [
        c('Ready', 'False', Reasons.Terminating, msg),
        schedCond,
        c('Running', 'False', Reasons.Terminating, msg),
        c('Publishing', 'False', Reasons.Terminating, msg),
        c('Failed', 'False', Reasons.NoFailure, ''),
      ],
    };
  }
  const waiting = cs?.state?.waiting;
  if (waiting?.reason && FATAL_WAITING.has(waiting.reason)) {
    const last = cs?.lastState?.terminated;
    const detail = waiting.message ?? (last ? `last exit code ${last.exitCode}${last.reason ? ` (${last.reason})` : ''}${last.message ? `: ${last.message}` : ''}` : '');
    const msg = `runtime container ${waiting.reason}${detail ? `: ${detail}` : ''}`;
    return {
      phase: 'Failed',
      message: msg,
      failureReason: waiting.reason,
      conditions: [
        c('Ready', 'False', waiting.reason, msg),
        schedCond,
        c('Running', 'False', waiting.reason, msg),
        c('Publishing', 'False', waiting.reason, msg),
        c('Failed', 'True', waiting.reason, msg),
      ],
    };
  }
  const running = Boolean(cs?.state?.running) && st.phase === 'Running';
  const ready = running && (podCond(pod, 'Ready')?.status === 'True' || cs?.ready === true);
  if (ready) {
    return {
      phase: 'Running',
      message: 'publishing into the room',
      conditions: [
        c('Ready', 'True', Reasons.RuntimeReady, 'the browser is publishing into the room'),
        schedCond,
        c('Running', 'True', Reasons.ContainerRunning, ''),
        c('Publishing', 'True', Reasons.Publishing, ''),
        c('Failed', 'False', Reasons.NoFailure, ''),
      ],
    };
  }
  if (!scheduled) {
    const msg = schedCond.message || 'waiting for the scheduler';
    return {
      phase: 'Pending',
      message: msg,
      conditions: [
        c('Ready', 'False', schedCond.reason, msg),
        schedCond,
        c('Running', 'False', Reasons.NotRunning, ''),
        c('Publishing', 'False', Reasons.NotPublishing, ''),
        c('Failed', 'False', Reasons.NoFailure, ''),
      ],
    };
  }
  const why = running ? 'runtime started, not publishing yet' : `runtime container ${waiting?.reason ?? 'starting'}`;
  return {
    phase: 'Starting',
    message: why,
    conditions: [
      c('Ready', 'False', Reasons.Starting, why),
      schedCond,
      running ? c('Running', 'True', Reasons.ContainerRunning, '') : c('Running', 'False', waiting?.reason ?? Reasons.ContainerCreating, waiting?.message ?? ''),
      c('Publishing', 'False', Reasons.NotPublishing, running ? 'readiness probe /readyz not passing yet' : ''),
      c('Failed', 'False', Reasons.NoFailure, ''),
    ],
  };
}

/** Status for a spec the operator refuses (no pod is run). */
export function invalidObservation(problems: string[]): Observation {
  const msg = `invalid spec: ${problems.join('; ')}`;
  return {
    phase: 'Failed',
    message: msg,
    failureReason: Reasons.InvalidSpec,
    conditions: [
      c('Ready', 'False', Reasons.InvalidSpec, msg),
      c('PodScheduled', 'False', Reasons.InvalidSpec, ''),
      c('Running', 'False', Reasons.InvalidSpec, ''),
      c('Publishing', 'False', Reasons.InvalidSpec, ''),
      c('Failed', 'True', Reasons.InvalidSpec, msg),
    ],
  };
}

export interface StatusExtras {
  podName?: string;
  participantIdentity?: string;
  url?: string;
  focusHolder?: string;
}

/** Merges an observation into the session's previous status. */
export function buildStatus(session: BrowserSession, obs: Observation, pod: Pod | undefined, extras: StatusExtras, now: string): BrowserSessionStatus {
  const prev = session.status ?? {};
  const generation = session.metadata.generation ?? 0;
  const out: BrowserSessionStatus = {
    phase: obs.phase,
    observedGeneration: generation,
    conditions: setConditions(prev.conditions, obs.conditions, generation, now),
    message: obs.message,
  };
  if (extras.podName !== undefined) out.podName = extras.podName;
  if (extras.participantIdentity !== undefined) out.participantIdentity = extras.participantIdentity;
  if (pod) {
    const started = pod.status?.startTime;
    if (started) out.startTime = started;
    out.restarts = priorRestarts(pod) + containerRestarts(pod);
  } else if (prev.restarts !== undefined) {
    out.restarts = prev.restarts;
  }
  // url/focusHolder come from the runtime while it runs; keep the last known values otherwise.
  const url = extras.url ?? prev.url;
  if (url !== undefined) out.url = url;
  if (obs.phase === 'Running' || obs.phase === 'Starting') {
    const fh = extras.focusHolder ?? prev.focusHolder;
    if (fh !== undefined) out.focusHolder = fh;
  } else if (prev.focusHolder !== undefined) {
    out.focusHolder = ''; // nobody holds focus in a browser that is not running
  }
  return out;
}
