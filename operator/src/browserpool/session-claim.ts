// The session side of the warm pool: one step of the BrowserSession reconcile for sessions with spec.pool.
//
//   claimed pod (label claimed-by-uid = session uid)? → release it if the spec changed since the claim, deliver the
//   claim if not delivered yet, observe it;
//   none → completed here? done. Pool usable (poolCompatibility)? → claim a ready standby pod: one merge patch
//   of its state label with its resourceVersion as precondition (409 when another claim or a scale-down got there
//   first → next candidate), then POST /claim with the session's settings and a per-session token;
//   no ready pod, no pool, refused → cold start, and the WarmStart condition says why.
import type { Logger } from 'pino';
import type { OperatorConfig } from '../config.ts';
import type { Result } from '../framework/controller.ts';
import type { EventRecorder } from '../framework/events.ts';
import { isConflict, isNotFound, type KubeClient, PODS } from '../framework/kube-client.ts';
import type { Pod } from '../framework/kube-types.ts';
import { type CondValue, cond } from '../browsersession/conditions.ts';
import type { ResolvedSpec } from '../browsersession/resolved-spec.ts';
import type { BrowserSession } from '../browsersession/types.ts';
import type { ClaimSender } from './claim-client.ts';
import { claimEnv, poolCompatibility, WarmReasons } from './claim-env.ts';
import { claimSecret } from './claim-secret.ts';
import type { TokenMinter } from './claim-token.ts';
import {
  CLAIM_DELIVERED_ANNOTATION,
  CLAIM_NONCE_ANNOTATION,
  CLAIMED,
  CLAIMED_AT_ANNOTATION,
  CLAIMED_BY_ANNOTATION,
  CLAIMED_BY_UID_LABEL,
  CLAIMED_GENERATION_ANNOTATION,
  POOL_STATE_LABEL,
  STANDBY,
} from './labels.ts';
import { isPodReady } from './plan.ts';
import { matchingPools, pickPool } from './pool-match.ts';
import type { BrowserPool } from './types.ts';

export type WarmStep =
  | { kind: 'claimed'; pod: Pod; podName: string; warm: CondValue }
  | { kind: 'cold'; warm?: CondValue }
  | { kind: 'wait'; result: Result };

export interface PoolClaimsDeps {
  client: KubeClient;
  config: OperatorConfig;
  claimKey: Buffer;
  mint: TokenMinter;
  send: ClaimSender;
  getPool(key: string): BrowserPool | undefined;
  /** Every cached pool (label matching). */
  listPools(): BrowserPool[];
  podsOf(pool: BrowserPool): Pod[];
  /** A pool pod claimed by this session uid, if the cache has one. */
  claimedBy(uid: string): Pod | undefined;
  events: EventRecorder;
  claimTimeoutMs?: number;
}

const claimedCond = (pod: Pod): CondValue =>
  cond('True', WarmReasons.Claimed, `claimed warm runtime ${pod.metadata.namespace}/${pod.metadata.name}`);

/** Standby pods of the pool that can take a claim now, in random order (concurrent workers spread out). */
export function claimCandidates(pool: BrowserPool, pods: readonly Pod[], rand: () => number = Math.random): Pod[] {
  const ok = pods.filter(
    (p) =>
      p.metadata.labels?.[POOL_STATE_LABEL] === STANDBY &&
      p.metadata.ownerReferences?.some((r) => r.controller === true && r.uid === pool.metadata.uid) === true &&
      isPodReady(p) &&
      Boolean(p.status?.podIP) &&
      Boolean(p.metadata.annotations?.[CLAIM_NONCE_ANNOTATION]),
  );
  const keyed = ok.map((p) => ({ p, k: rand() }));
  keyed.sort((a, b) => a.k - b.k);
  return keyed.map((x) => x.p);
}

export class PoolClaims {
  private readonly d: PoolClaimsDeps;

  constructor(deps: PoolClaimsDeps) {
    this.d = deps;
  }

  /** Whether the session takes part in warm starts: it names a pool, a pool's sessionSelector matches it, or it
   *  holds a claimed runtime already. */
  applies(session: BrowserSession, r: ResolvedSpec): boolean {
    return (
      r.spec.pool !== undefined ||
      matchingPools(session, this.d.listPools()).length > 0 ||
      this.d.claimedBy(session.metadata.uid ?? '') !== undefined
    );
  }

  /** The pool the session names, or the one its labels match (pool-match.ts); undefined: not found. */
  private poolFor(session: BrowserSession, r: ResolvedSpec): BrowserPool | undefined {
    const ref = r.spec.pool;
    if (ref) return this.d.getPool(`${ref.namespace ?? session.metadata.namespace ?? ''}/${ref.name}`);
    return pickPool(
      matchingPools(session, this.d.listPools()).map((pool) => ({
        pool,
        compatible: poolCompatibility(pool, session, r).ok,
        readyReplicas: claimCandidates(pool, this.d.podsOf(pool)).length,
      })),
    );
  }

  async step(session: BrowserSession, r: ResolvedSpec, hasColdPod: boolean, log: Logger): Promise<WarmStep> {
    if (hasColdPod) return { kind: 'cold' }; // started cold earlier: stays so
    const uid = session.metadata.uid ?? '';
    const gen = session.metadata.generation ?? 0;
    const mine = this.d.claimedBy(uid);
    if (mine && !mine.metadata.deletionTimestamp) return this.claimedStep(session, r, mine, log);
    const prev = session.status ?? {};
    if (prev.phase === 'Completed' && prev.observedGeneration === gen) return { kind: 'wait', result: {} };
    const prevWarm = prev.conditions?.find((c) => c.type === 'WarmStart');
    if (prevWarm?.reason === WarmReasons.ClaimFailed && prevWarm.observedGeneration === gen) return { kind: 'cold' }; // this spec was refused by a runtime once: do not spend another one on it

    const pool = this.poolFor(session, r);
    const compat = poolCompatibility(pool, session, r);
    if (!compat.ok) return { kind: 'cold', warm: cond('False', compat.reason, compat.message) };
    const p = pool as BrowserPool;
    const poolNs = p.metadata.namespace ?? '';
    if (!this.d.mint)
      return {
        kind: 'cold',
        warm: cond(
          'False',
          WarmReasons.ClaimFailed,
          'the operator has no LiveKit API key to mint a claim token: cold start',
        ),
      };
    const candidates = claimCandidates(p, this.d.podsOf(p));
    for (const pod of candidates) {
      const claimed = await this.tryClaim(session, pod, log);
      if (!claimed) continue;
      this.d.events.emit(
        session,
        'Normal',
        'Claimed',
        'Claim',
        `claimed warm runtime ${poolNs}/${claimed.metadata.name}`,
      );
      this.d.events.emit(
        p,
        'Normal',
        'Claimed',
        'Claim',
        `runtime ${claimed.metadata.name} claimed by BrowserSession ${session.metadata.namespace}/${session.metadata.name}`,
      );
      return this.claimedStep(session, r, claimed, log);
    }
    const st = p.status ?? {};
    return {
      kind: 'cold',
      warm: cond(
        'False',
        WarmReasons.PoolEmpty,
        `BrowserPool ${poolNs}/${p.metadata.name} has no ready runtime (starting ${st.startingReplicas ?? 0}, claimed ${st.claimedReplicas ?? 0}): cold start`,
      ),
    };
  }

  /** The atomic claim: the pod's state label flips only if nobody changed the pod since our cache saw it. */
  private async tryClaim(session: BrowserSession, pod: Pod, log: Logger): Promise<Pod | undefined> {
    try {
      const claimed = await this.d.client.mergePatch<Pod>(PODS, pod.metadata.namespace ?? '', pod.metadata.name ?? '', {
        metadata: {
          resourceVersion: pod.metadata.resourceVersion,
          labels: { [POOL_STATE_LABEL]: CLAIMED, [CLAIMED_BY_UID_LABEL]: session.metadata.uid ?? '' },
          annotations: {
            [CLAIMED_BY_ANNOTATION]: `${session.metadata.namespace}/${session.metadata.name}`,
            [CLAIMED_GENERATION_ANNOTATION]: String(session.metadata.generation ?? 0),
            [CLAIMED_AT_ANNOTATION]: new Date().toISOString(),
          },
        },
      });
      log.info({ pod: `${pod.metadata.namespace}/${pod.metadata.name}` }, 'claimed a warm runtime');
      return claimed;
    } catch (e) {
      if (isConflict(e) || isNotFound(e)) {
        log.debug({ pod: pod.metadata.name }, 'runtime taken or gone since cached: next candidate');
        return undefined;
      }
      throw e;
    }
  }

  private async claimedStep(session: BrowserSession, r: ResolvedSpec, pod: Pod, log: Logger): Promise<WarmStep> {
    const ns = pod.metadata.namespace ?? '';
    const name = pod.metadata.name ?? '';
    const podName = `${ns}/${name}`;
    const ann = pod.metadata.annotations ?? {};
    if (ann[CLAIMED_GENERATION_ANNOTATION] !== String(session.metadata.generation ?? 0)) {
      // The runtime took the old spec's settings and is never re-claimed: release it, claim again.
      if (await this.d.client.delete(PODS, ns, name, { uid: pod.metadata.uid }))
        this.d.events.emit(session, 'Normal', 'Released', 'Release', `spec changed: released warm runtime ${podName}`);
      return { kind: 'wait', result: { requeueAfterMs: 500 } };
    }
    const ended = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    if (ann[CLAIM_DELIVERED_ANNOTATION] !== 'true' && !ended) {
      const refused = await this.deliver(session, r, pod, log);
      if (refused) return refused;
    }
    return { kind: 'claimed', pod, podName, warm: claimedCond(pod) };
  }

  /** POST /claim; undefined when the runtime took it (the annotation records that). */
  private async deliver(
    session: BrowserSession,
    r: ResolvedSpec,
    pod: Pod,
    log: Logger,
  ): Promise<WarmStep | undefined> {
    const ns = pod.metadata.namespace ?? '';
    const name = pod.metadata.name ?? '';
    const ip = pod.status?.podIP;
    if (!ip) return { kind: 'wait', result: { requeueAfterMs: 500 } };
    const secret = claimSecret(this.d.claimKey, ns, name, pod.metadata.annotations?.[CLAIM_NONCE_ANNOTATION] ?? '');
    const token = await this.d.mint({
      room: r.spec.room,
      identity: r.identity,
      name: r.participantName,
      session: `${session.metadata.namespace}/${session.metadata.name}`,
    });
    const out = await this.d.send(
      ip,
      this.d.config.runtimePort,
      secret,
      claimEnv(r, this.d.config, token),
      this.d.claimTimeoutMs ?? 5000,
    );
    if (out.kind !== 'refused') {
      await this.d.client.mergePatch<Pod>(PODS, ns, name, {
        metadata: { annotations: { [CLAIM_DELIVERED_ANNOTATION]: 'true' } },
      });
      return undefined;
    }
    // The runtime will not serve it: the pod is spent either way (claimed, never reused).
    log.warn({ pod: `${ns}/${name}`, code: out.code, error: out.error }, 'the warm runtime refused the claim');
    await this.d.client.delete(PODS, ns, name, { uid: pod.metadata.uid });
    if (out.code === 401) return { kind: 'wait', result: { requeueAfterMs: 200 } }; // that pod's secret: try another
    const message = `warm runtime ${ns}/${name} refused the claim (HTTP ${out.code}: ${out.error}): cold start`;
    this.d.events.emit(session, 'Warning', WarmReasons.ClaimFailed, 'Claim', message);
    return { kind: 'cold', warm: cond('False', WarmReasons.ClaimFailed, message) };
  }
}
