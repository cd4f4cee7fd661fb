// What a pool needs, from its pods as cached: pure (table tests in operator/test/browserpool/plan.test.ts).
//
// - an unclaimed pod that ended (the runtime died while waiting) is deleted; the count below replaces it;
// - a claimed pod is deleted once its session is gone or has recorded the pod's end (never reused);
// - unclaimed (ready + starting + creations not yet in the cache) below spec.replicas → create the difference;
//   above it → delete the surplus, unclaimed pods only, starting ones before ready ones, newest first.
import type { Pod } from '../framework/kube-types.ts';
import { CLAIMED, POOL_STATE_LABEL } from './labels.ts';

/** What the session that claimed a pod says about it. */
export type ClaimState = 'active' | 'ended' | 'gone';

export type DeleteReason = 'RuntimeDied' | 'ScaleDown' | 'SessionEnded';

export interface PoolPlan {
  create: number;
  delete: { pod: Pod; reason: DeleteReason }[];
  counts: { ready: number; starting: number; claimed: number };
}

export function isClaimed(pod: Pod): boolean {
  return pod.metadata.labels?.[POOL_STATE_LABEL] === CLAIMED;
}

export function isPodReady(pod: Pod): boolean {
  return (
    pod.status?.phase === 'Running' &&
    !pod.metadata.deletionTimestamp &&
    pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true
  );
}

function ended(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

const newestFirst = (a: Pod, b: Pod): number =>
  (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') ||
  (b.metadata.name ?? '').localeCompare(a.metadata.name ?? '');

export function planPool(
  replicas: number,
  pods: readonly Pod[],
  claimState: (pod: Pod) => ClaimState,
  pendingCreates = 0,
): PoolPlan {
  const del: PoolPlan['delete'] = [];
  const ready: Pod[] = [];
  const starting: Pod[] = [];
  let claimed = 0;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue; // on its way out: neither counted nor deleted again
    if (isClaimed(pod)) {
      if (claimState(pod) === 'active') claimed++;
      else del.push({ pod, reason: 'SessionEnded' });
    } else if (ended(pod)) del.push({ pod, reason: 'RuntimeDied' });
    else if (isPodReady(pod)) ready.push(pod);
    else starting.push(pod);
  }
  const unclaimed = ready.length + starting.length + pendingCreates;
  let create = 0;
  if (unclaimed < replicas) create = replicas - unclaimed;
  else if (unclaimed > replicas) {
    const surplus = [...starting.sort(newestFirst), ...ready.sort(newestFirst)].slice(0, unclaimed - replicas);
    for (const pod of surplus) del.push({ pod, reason: 'ScaleDown' });
  }
  const scaledDown = new Set(del.filter((d) => d.reason === 'ScaleDown').map((d) => d.pod));
  return {
    create,
    delete: del,
    counts: {
      ready: ready.filter((p) => !scaledDown.has(p)).length,
      starting: starting.filter((p) => !scaledDown.has(p)).length + pendingCreates,
      claimed,
    },
  };
}
