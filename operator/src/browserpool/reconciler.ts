// The BrowserPool reconciler: keeps spec.replicas unclaimed runtimes, deletes claimed ones whose session ended
// and unclaimed ones that died, writes the counts to status. Level-triggered: everything comes from the caches.
// Pod creations the cache has not shown yet are remembered (the ReplicaSet controller's "expectations"), so a
// lagging cache never makes the pool create twice.
import type { Logger } from 'pino';
import type { OperatorConfig } from '../config.ts';
import type { Result } from '../framework/controller.ts';
import type { EventRecorder } from '../framework/events.ts';
import { isConflict, type KubeClient, PODS } from '../framework/kube-client.ts';
import type { Pod } from '../framework/kube-types.ts';
import { isRefusal } from '../browsersession/reconciler.ts';
import type { RuntimeNetworkPolicies } from '../browsersession/network-policy.ts';
import type { BrowserSession } from '../browsersession/types.ts';
import { newNonce } from './claim-secret.ts';
import { CLAIMED_BY_ANNOTATION, CLAIMED_BY_UID_LABEL } from './labels.ts';
import { type ClaimState, type PoolPlan, planPool } from './plan.ts';
import { desiredPoolPod, poolPodName, standbySelectorString } from './pool-pod.ts';
import { type BrowserPool, type BrowserPoolStatus, POOLS } from './types.ts';

/** How long a created pod may stay invisible in the cache before we stop counting it. */
const EXPECTATION_TTL_MS = 60_000;

export interface PoolReconcilerDeps {
  client: KubeClient;
  config: OperatorConfig;
  claimKey: Buffer;
  getPool(key: string): BrowserPool | undefined;
  /** The pool's pods as cached (every pod with the pool label in the pool's namespace). */
  podsOf(pool: BrowserPool): Pod[];
  getSession(key: string): BrowserSession | undefined;
  events: EventRecorder;
  /** The runtime NetworkPolicy, written into the pool's namespace before its first pod (none: not managed). */
  networkPolicies?: RuntimeNetworkPolicies;
  log: Logger;
}

/** A claimed pod's session: still using it, done with it (its status recorded the pod's end), or gone. Pure. */
export function claimStateOf(pod: Pod, getSession: (key: string) => BrowserSession | undefined): ClaimState {
  const key = pod.metadata.annotations?.[CLAIMED_BY_ANNOTATION];
  const uid = pod.metadata.labels?.[CLAIMED_BY_UID_LABEL];
  const s = key ? getSession(key) : undefined;
  if (!s || s.metadata.uid !== uid || s.metadata.deletionTimestamp) return 'gone';
  const st = s.status;
  const mine = st?.podName === `${pod.metadata.namespace}/${pod.metadata.name}`;
  if (mine && (st?.phase === 'Completed' || st?.phase === 'Failed')) return 'ended';
  return 'active';
}

const NOTES: Record<PoolPlan['delete'][number]['reason'], string> = {
  RuntimeDied: 'unclaimed runtime ended while waiting: replacing it',
  ScaleDown: 'scaling down: removing an unclaimed runtime',
  SessionEnded: 'its session ended: deleting the claimed runtime (never reused)',
};

export class PoolReconciler {
  private readonly d: PoolReconcilerDeps;
  private readonly expected = new Map<string, Map<string, number>>();

  constructor(deps: PoolReconcilerDeps) {
    this.d = deps;
  }

  async reconcile(key: string): Promise<Result> {
    const pool = this.d.getPool(key);
    if (!pool || pool.metadata.deletionTimestamp) {
      this.expected.delete(key); // the GC removes the pods through their ownerReference
      return {};
    }
    const log = this.d.log.child({ pool: key });
    const ns = pool.metadata.namespace ?? '';
    const pods = this.d
      .podsOf(pool)
      .filter((p) => p.metadata.ownerReferences?.some((r) => r.controller === true && r.uid === pool.metadata.uid));
    const pending = this.pendingCreates(key, pods);
    const plan = planPool(pool.spec.replicas, pods, (p) => claimStateOf(p, this.d.getSession), pending.size);

    let requeueMs = pending.size > 0 || plan.counts.starting > 0 ? 2000 : this.d.config.runningRequeueMs;
    for (const { pod, reason } of plan.delete) {
      const name = pod.metadata.name ?? '';
      try {
        // resourceVersion precondition: a pod claimed since our cache saw it is not deleted by a scale-down.
        const opts =
          reason === 'ScaleDown' ? { resourceVersion: pod.metadata.resourceVersion } : { uid: pod.metadata.uid };
        if (await this.d.client.delete(PODS, ns, name, opts)) {
          log.info({ pod: name, reason }, 'deleted pool pod');
          this.d.events.emit(
            pool,
            reason === 'RuntimeDied' ? 'Warning' : 'Normal',
            reason,
            'Delete',
            `${NOTES[reason]} (${name})`,
          );
        }
      } catch (e) {
        if (!isConflict(e)) throw e;
        log.info({ pod: name, reason }, 'pool pod changed since cached (claimed?): not deleted');
        requeueMs = 200;
      }
    }
    let created = 0;
    if (plan.create > 0) await this.d.networkPolicies?.ensure(ns, log);
    for (let i = 0; i < plan.create; i++) {
      const name = poolPodName(pool.metadata.name ?? '');
      const pod = desiredPoolPod(pool, this.d.config, name, newNonce(), this.d.claimKey);
      try {
        await this.d.client.create<Pod>(PODS, ns, pod);
      } catch (e) {
        if (isRefusal(e)) {
          // ResourceQuota, PodSecurity, LimitRange...: the pool's namespace is the admin's; say why, back off.
          log.warn({ code: e.code, err: e.apiMessage }, 'the API server refused a pool pod');
          this.d.events.emit(
            pool,
            'Warning',
            'PodCreateFailed',
            'Create',
            `pool pod refused (HTTP ${e.code}): ${e.apiMessage}`,
          );
          await this.writeStatus(pool, plan, created);
          return { requeue: true };
        }
        throw e;
      }
      pending.set(name, Date.now() + EXPECTATION_TTL_MS);
      created++;
      log.info({ pod: name }, 'created pool pod');
      this.d.events.emit(pool, 'Normal', 'PodCreated', 'Create', `started standby runtime ${name}`);
    }
    if (created > 0) requeueMs = 2000;
    await this.writeStatus(pool, plan, created);
    return { requeueAfterMs: requeueMs };
  }

  /** Creations not yet seen in the cache (and not expired); seen ones are forgotten. */
  private pendingCreates(key: string, pods: Pod[]): Map<string, number> {
    let m = this.expected.get(key);
    if (!m) {
      m = new Map();
      this.expected.set(key, m);
    }
    const seen = new Set(pods.map((p) => p.metadata.name));
    const now = Date.now();
    for (const [name, deadline] of m) if (seen.has(name) || deadline < now) m.delete(name);
    return m;
  }

  private async writeStatus(pool: BrowserPool, plan: PoolPlan, created: number): Promise<void> {
    const c = plan.counts;
    const next: BrowserPoolStatus = {
      replicas: c.ready + c.starting + created,
      readyReplicas: c.ready,
      startingReplicas: c.starting + created,
      claimedReplicas: c.claimed,
      selector: standbySelectorString(pool),
      observedGeneration: pool.metadata.generation ?? 0,
    };
    const prev = pool.status ?? {};
    if ((Object.keys(next) as (keyof BrowserPoolStatus)[]).every((k) => prev[k] === next[k])) return;
    await this.d.client.patchStatus(POOLS, pool.metadata.namespace ?? '', pool.metadata.name ?? '', { status: next });
  }
}
