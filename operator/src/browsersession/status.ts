// A session's status from an observation of its pod: phase and conditions (conditions.ts), restarts across pod
// recreations, start time, and the url/focus holder last reported by the runtime. Pure functions, no I/O.
import type { Pod } from '../framework/kube-types.ts';
import { type CondInput, type CondValue, SANDBOXED, setConditions, WARM_START } from './conditions.ts';
import type { Observation } from './observation.ts';
import { PRIOR_RESTARTS_ANNOTATION } from './pod-spec.ts';
import type { BrowserSession, BrowserSessionStatus } from './types.ts';

export function containerRestarts(pod: Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
}

export function priorRestarts(pod: Pod): number {
  const n = Number(pod.metadata.annotations?.[PRIOR_RESTARTS_ANNOTATION] ?? 0);
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : 0;
}

export interface StatusExtras {
  podName?: string;
  participantIdentity?: string;
  /** spec.automation's token Secret, once written (kept from the previous status while automation stays on). */
  automationTokenSecret?: string;
  url?: string;
  focusHolder?: string;
  /** The WarmStart condition (sessions naming a pool): claimed from it, or why it started cold. */
  warmStart?: CondValue;
  /** The Sandboxed condition, from the running runtime's /status (absent: keep the last one). */
  sandboxed?: CondValue;
}

function withExtraConditions(conditions: CondInput[], extras: StatusExtras): CondInput[] {
  const out = [...conditions];
  if (extras.warmStart) out.push({ type: WARM_START, ...extras.warmStart });
  if (extras.sandboxed) out.push({ type: SANDBOXED, ...extras.sandboxed });
  return out;
}

/** Merges an observation into the session's previous status. */
export function buildStatus(
  session: BrowserSession,
  obs: Observation,
  pod: Pod | undefined,
  extras: StatusExtras,
  now: string,
): BrowserSessionStatus {
  const prev = session.status ?? {};
  const generation = session.metadata.generation ?? 0;
  const out: BrowserSessionStatus = {
    phase: obs.phase,
    observedGeneration: generation,
    conditions: setConditions(prev.conditions, withExtraConditions(obs.conditions, extras), generation, now),
    message: obs.message,
  };
  if (extras.podName !== undefined) out.podName = extras.podName;
  if (extras.participantIdentity !== undefined) out.participantIdentity = extras.participantIdentity;
  const automationSecret =
    extras.automationTokenSecret ?? (session.spec.automation?.enabled ? prev.automationTokenSecret : undefined);
  if (automationSecret !== undefined) out.automationTokenSecret = automationSecret;
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
