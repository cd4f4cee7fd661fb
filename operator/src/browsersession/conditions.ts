// A session's five conditions (kstatus-compatible: `kubectl wait --for=condition=Ready`), built in one place.
// setConditions follows apimachinery's meta.SetStatusCondition: lastTransitionTime changes only when a
// condition's status flips. Pure functions, no I/O.
import type { BrowserSessionStatus, Condition } from './types.ts';

export const CONDITION_TYPES = ['Ready', 'PodScheduled', 'Running', 'Publishing', 'Failed'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];
export type ConditionStatus = Condition['status'];

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
  /** The spec passed the API server but the operator cannot run it (e.g. no LiveKit URL anywhere). */
  InvalidSpec: 'InvalidSpec',
  PodConflict: 'PodConflict',
  /** The cluster admin's policy (helm values `policy`) does not allow what the spec asks for. */
  PolicyDenied: 'PolicyDenied',
  /** The API server refused the runtime pod (admission: PodSecurity, ResourceQuota, RuntimeClass, ...). */
  PodCreateFailed: 'PodCreateFailed',
  NoFailure: 'NoFailure',
  Terminating: 'Terminating',
} as const;

/** Set only for sessions that name a BrowserPool (browserpool/claim-env.ts WarmReasons). */
export const WARM_START = 'WarmStart';

/**
 * Whether Chromium runs in its own sandbox, as the running runtime reports it (kept while it does not run).
 * True/ChromiumSandbox or False/NoSandbox with the runtime's reason, e.g. a seccomp profile refusing user namespaces.
 */
export const SANDBOXED = 'Sandboxed';
export const SandboxReasons = { ChromiumSandbox: 'ChromiumSandbox', NoSandbox: 'NoSandbox' } as const;

/** The Sandboxed condition from the runtime's report. Pure. */
export function sandboxCondition(s: { enabled: boolean; detail: string }): CondValue {
  return s.enabled
    ? cond('True', SandboxReasons.ChromiumSandbox, s.detail)
    : cond('False', SandboxReasons.NoSandbox, s.detail);
}

export interface CondInput {
  type: ConditionType | typeof WARM_START | typeof SANDBOXED;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/** One condition's status, reason and message, without its type. */
export type CondValue = Omit<CondInput, 'type'>;

export const cond = (status: ConditionStatus, reason: string, message = ''): CondValue => ({ status, reason, message });

/**
 * What a session looks like, from which its five conditions follow. Ready, Running and Publishing are False with
 * `reason`/`message` unless given; Failed is True with them when `failed`, else False/NoFailure.
 */
export interface ConditionSet {
  reason: string;
  message: string;
  scheduled: CondValue;
  failed?: boolean;
  ready?: CondValue;
  running?: CondValue;
  publishing?: CondValue;
}

export function sessionConditions(s: ConditionSet): CondInput[] {
  const notYet = cond('False', s.reason, s.message);
  const values: Record<ConditionType, CondValue> = {
    Ready: s.ready ?? notYet,
    PodScheduled: s.scheduled,
    Running: s.running ?? notYet,
    Publishing: s.publishing ?? notYet,
    Failed: s.failed ? cond('True', s.reason, s.message) : cond('False', Reasons.NoFailure),
  };
  return CONDITION_TYPES.map((type) => ({ type, ...values[type] }));
}

/**
 * apimachinery meta.SetStatusCondition: keeps lastTransitionTime unless status flips; always refreshes
 * reason/message/observedGeneration. Returns a new array ordered by CONDITION_TYPES (stable for diffs).
 */
export function setConditions(
  prev: Condition[] | undefined,
  next: CondInput[],
  generation: number,
  now: string,
): Condition[] {
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
    const i = (CONDITION_TYPES as readonly string[]).indexOf(t);
    return i < 0 ? CONDITION_TYPES.length : i;
  };
  return [...byType.values()].sort((a, b) => order(a.type) - order(b.type) || a.type.localeCompare(b.type));
}

export function findCondition(s: BrowserSessionStatus | undefined, t: ConditionType): Condition | undefined {
  return s?.conditions?.find((c) => c.type === t);
}
