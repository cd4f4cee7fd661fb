// The BrowserSession reconciler: level-triggered and idempotent. One reconcile runs named steps in order; each
// step either hands the next one what it found or ends the reconcile with a Result:
//
//   load → check pod ownership → check spec → ensure token Secret → ensure pod → observe pod → write status
//
// Everything it knows comes from the informer caches and the API (status, pod annotations). The one thing kept
// between calls is OwnWrites: our own last status write per key, used only while the informer still shows the
// version that write replaced (read-your-writes; see framework/own-writes.ts). A new check (e.g. the cluster
// admin's policy, issue #12) is one more step between "check spec" and "ensure pod"; a new child object (e.g. a
// per-session Secret) is one more ensure step before "ensure pod".
import type { Logger } from 'pino';
import type { OperatorConfig } from '../config.ts';
import type { Result } from '../framework/controller.ts';
import { withoutBookkeeping } from '../framework/cache-transform.ts';
import type { EventRecorder } from '../framework/events.ts';
import { ApiError, isConflict, isNotFound, type KubeClient, PODS, SECRETS } from '../framework/kube-client.ts';
import type { Pod, Secret } from '../framework/kube-types.ts';
import { readCredentials } from '../livekit/credentials.ts';
import {
  type ApiCredentials,
  claimsFingerprint,
  mintRoomToken,
  needsRenewal,
  runtimeTokenClaims,
} from '../livekit/room-token.ts';
import type { OperatorMetrics } from '../framework/metrics.ts';
import { OwnWrites } from '../framework/own-writes.ts';
import type { PoolClaims } from '../browserpool/session-claim.ts';
import { type CondValue, findCondition, sandboxCondition } from './conditions.ts';
import {
  conflictObservation,
  invalidObservation,
  type Observation,
  policyDeniedObservation,
  observePod,
  podCreateFailedObservation,
} from './observation.ts';
import { checkPolicy, DEFAULT_POLICY, type SessionPolicy } from '../policy/session-policy.ts';
import { desiredPod, mergeResources, podNameFor, SPEC_HASH_ANNOTATION, stableStringify } from './pod-spec.ts';
import { type ResolvedSpec, resolveSpec } from './resolved-spec.ts';
import { SESSIONS } from './resource.ts';
import type { RuntimeStatusFetcher } from './runtime-status.ts';
import { checkSpec } from './spec-checks.ts';
import { automationSecretNameFor, automationToken, desiredAutomationSecret } from './automation-secret.ts';
import { desiredTokenSecret } from './token-secret.ts';
import type { RuntimeNetworkPolicies } from './network-policy.ts';
import { buildStatus, containerRestarts, priorRestarts, type StatusExtras } from './status.ts';
import type { BrowserSession, BrowserSessionStatus } from './types.ts';
import { API_VERSION, KIND } from './types.ts';

export interface ReconcilerDeps {
  client: KubeClient;
  config: OperatorConfig;
  getSession(key: string): BrowserSession | undefined;
  getPod(key: string): Pod | undefined;
  events: EventRecorder;
  fetchRuntimeStatus: RuntimeStatusFetcher;
  metrics?: OperatorMetrics;
  log: Logger;
  now?: () => Date;
  /** The runtime NetworkPolicy kept in each session namespace (none: no NetworkPolicy is managed). */
  networkPolicies?: RuntimeNetworkPolicies;
  /** What sessions may choose (default: DEFAULT_POLICY). */
  policy?: SessionPolicy;
  /** Warm pool claims (sessions with spec.pool); without it every session starts cold. */
  pools?: PoolClaims;
  /** The project's API key/secret (default: read from --livekit-credentials-dir at every mint). */
  credentials?: () => ApiCredentials;
}

/** The token last written into a session's Secret (kept in memory: after a restart every token is re-minted once). */
interface IssuedToken {
  uid: string;
  fingerprint: string;
  expiresAtMs: number;
}

type PodOwnership = 'ours' | 'stale' | 'foreign';

/** The field a policy problem is about (metric label): 'spec.pod.image', 'resources.limits.cpu', ... */
function ruleOf(problem: string): string {
  return /^(spec\.[a-zA-Z.]+|resources\.[a-z]+|the participant identity)/.exec(problem)?.[1] ?? 'other';
}

/** The pod as if its readiness probe failed (a copy): what a claimed runtime looks like until it publishes. */
function notReady(pod: Pod): Pod {
  const conditions = (pod.status?.conditions ?? []).map((c) =>
    c.type === 'Ready' ? { ...c, status: 'False' as const } : c,
  );
  const containerStatuses = (pod.status?.containerStatuses ?? []).map((c) => ({ ...c, ready: false }));
  return { ...pod, status: { ...pod.status, conditions, containerStatuses } };
}

export function ownership(pod: Pod, session: BrowserSession): PodOwnership {
  const ref = pod.metadata.ownerReferences?.find((r) => r.controller === true);
  if (!ref || ref.kind !== KIND || ref.apiVersion.split('/')[0] !== API_VERSION.split('/')[0]) return 'foreign';
  return ref.uid === session.metadata.uid ? 'ours' : ref.name === session.metadata.name ? 'stale' : 'foreign';
}

/** HTTP codes of a pod create that the API server refused for good reasons of its own (admission, validation). */
export function isRefusal(e: unknown): e is ApiError {
  return e instanceof ApiError && (e.code === 400 || e.code === 403 || e.code === 422);
}

/** A step's outcome: go on with `next`, or end the reconcile with `done`. */
type Step<T> = { next: T; done?: undefined } | { done: Result };

/** What every step of one reconcile works on. */
interface Ctx {
  key: string;
  session: BrowserSession;
  ns: string;
  podName: string;
  /** The session's pod as cached, if any. */
  pod: Pod | undefined;
  log: Logger;
}

export class SessionReconciler {
  private readonly d: ReconcilerDeps;
  private readonly now: () => Date;
  private readonly ownWrites = new OwnWrites<BrowserSession>();
  private readonly tokens = new Map<string, IssuedToken>();
  /** Sessions (key → uid) whose automation Secret this process has written (once per process: it never changes). */
  private readonly automationWritten = new Map<string, string>();
  private readonly credentials: () => ApiCredentials;

  constructor(deps: ReconcilerDeps) {
    this.d = deps;
    this.now = deps.now ?? (() => new Date());
    this.credentials = deps.credentials ?? (() => readCredentials(deps.config.livekitCredentialsDir));
  }

  async reconcile(key: string): Promise<Result> {
    const loaded = this.load(key);
    if (loaded.done) return loaded.done;
    const ctx = loaded.next;
    const owned = await this.checkPodOwnership(ctx);
    if (owned.done) return owned.done;
    const checked = await this.checkSpec(ctx);
    if (checked.done) return checked.done;
    const r = checked.next;
    // Step 4a: the namespace has the runtime NetworkPolicy before its first runtime pod.
    await this.d.networkPolicies?.ensure(ctx.ns, ctx.log);
    let warmStart: CondValue | undefined;
    if (this.d.pools?.applies(ctx.session, r)) {
      // A warm runtime from the pool (browserpool/session-claim.ts), or the reason to start cold.
      const w = await this.d.pools.step(ctx.session, r, ctx.pod !== undefined, ctx.log);
      if (w.kind === 'wait') return w.result;
      if (w.kind === 'claimed') {
        const { obs, extras } = await this.observePod(ctx, w.pod, r, { podName: w.podName, needPublishing: true });
        await this.writeStatus(ctx, obs, w.pod, { ...extras, warmStart: w.warm });
        return this.requeueFor(obs, undefined);
      }
      warmStart = w.warm;
    }
    const token = await this.ensureTokenSecret(ctx, r);
    if (token.done) return token.done;
    const automationTokenSecret = await this.ensureAutomationSecret(ctx, r);
    const ensured = await this.ensurePod(ctx, r);
    if (ensured.done) return ensured.done;
    const pod = ensured.next;
    const { obs, extras } = await this.observePod(ctx, pod, r);
    await this.writeStatus(ctx, obs, pod, { ...extras, warmStart, automationTokenSecret });
    return this.requeueFor(obs, token.next);
  }

  /** Step 1: the session (our own last write if the cache lags behind it) and its cached pod. */
  private load(key: string): Step<Ctx> {
    const session = this.ownWrites.resolve(key, this.d.getSession(key));
    // Deleted: the garbage collector removes the pod and the token Secret through their ownerReferences.
    if (!session || session.metadata.deletionTimestamp) {
      this.tokens.delete(key);
      this.automationWritten.delete(key);
      return { done: {} };
    }
    const ns = session.metadata.namespace ?? '';
    const podName = podNameFor(session.metadata.name ?? '');
    return {
      next: {
        key,
        session,
        ns,
        podName,
        pod: this.d.getPod(`${ns}/${podName}`),
        log: this.d.log.child({ session: key }),
      },
    };
  }

  /** Step 2: a pod with our name that is not ours is either a leftover (deleted) or someone else's (conflict). */
  private async checkPodOwnership(ctx: Ctx): Promise<Step<undefined>> {
    if (!ctx.pod) return { next: undefined };
    const own = ownership(ctx.pod, ctx.session);
    if (own === 'stale') {
      // Left over from a deleted session of the same name: the GC will get it, we just speed it up.
      ctx.log.info({ pod: ctx.podName }, 'deleting pod of a previous session with the same name');
      await this.d.client.delete(PODS, ctx.ns, ctx.podName, { uid: ctx.pod.metadata.uid });
      return { done: { requeueAfterMs: 1000 } };
    }
    if (own === 'foreign') {
      await this.writeStatus(ctx, conflictObservation(ctx.podName), undefined, {});
      return { done: {} }; // the pod carries our label, so its deletion brings us back
    }
    return { next: undefined };
  }

  /** Step 3: what only the operator can check (the API server already applied the CRD's schema and rules). */
  private async checkSpec(ctx: Ctx): Promise<Step<ResolvedSpec>> {
    const r = resolveSpec(ctx.session, this.d.config);
    const problems = checkSpec(r);
    if (problems.length > 0) {
      ctx.log.info({ problems }, 'spec cannot be run');
      await this.writeStatus(ctx, invalidObservation(problems), undefined, {
        podName: ctx.pod ? ctx.podName : undefined,
      });
      return { done: {} };
    }
    // The cluster admin's policy: also a ValidatingAdmissionPolicy, but objects may predate it or bypass it.
    const denied = checkPolicy(
      this.d.policy ?? DEFAULT_POLICY,
      ctx.session,
      r.identity,
      mergeResources(r.spec.pod?.resources),
    );
    if (denied.length === 0) return { next: r };
    ctx.log.info({ problems: denied }, 'refused by the cluster policy');
    this.d.metrics?.policyRefusals.inc({ rule: denied.length > 1 ? 'several' : ruleOf(denied[0] ?? '') });
    if (ctx.pod) {
      // A pod from before the policy (or a policy change): a refused session runs nothing.
      await this.d.client.delete(PODS, ctx.ns, ctx.podName, { uid: ctx.pod.metadata.uid });
    }
    await this.writeStatus(ctx, policyDeniedObservation(denied), undefined, {});
    return { done: {} };
  }

  /**
   * Step 4b: the session's token Secret holds a valid token for its room and identity, re-minted when less than
   * --token-renew-before of its life is left. Next: when the token must be renewed (ms since the epoch).
   */
  private async ensureTokenSecret(ctx: Ctx, r: ResolvedSpec): Promise<Step<number | undefined>> {
    const { session, ns, key, log } = ctx;
    const prev = session.status ?? {};
    // A finished session runs no pod: it needs no fresh token.
    if (prev.phase === 'Completed' && prev.observedGeneration === session.metadata.generation)
      return { next: undefined };
    const cfg = this.d.config;
    const claims = runtimeTokenClaims({
      room: r.spec.room,
      identity: r.identity,
      name: r.participantName,
      session: key,
      ttlSeconds: Math.round(cfg.tokenTtlMs / 1000),
    });
    const uid = session.metadata.uid ?? '';
    const fingerprint = claimsFingerprint(claims);
    const issued = this.tokens.get(key);
    const nowMs = this.now().getTime();
    const current = issued?.uid === uid ? issued : undefined;
    if (current && !needsRenewal(current, fingerprint, nowMs, cfg.tokenRenewBeforeMs))
      return { next: current.expiresAtMs - cfg.tokenRenewBeforeMs };
    const minted = await mintRoomToken(this.credentials(), claims);
    const secret = desiredTokenSecret(session, minted.token, minted.expiresAtMs);
    const name = secret.metadata.name ?? '';
    // Create first; on AlreadyExists (a restart of the operator, or a renewal) an unconditional PUT replaces it.
    // The operator holds create/update on Secrets only, never get/list: it cannot read tenants' Secrets.
    try {
      if (current) await this.d.client.replace<Secret>(SECRETS, ns, name, secret);
      else await this.d.client.create<Secret>(SECRETS, ns, secret);
    } catch (e) {
      if (isConflict(e)) await this.d.client.replace<Secret>(SECRETS, ns, name, secret);
      else if (isNotFound(e)) await this.d.client.create<Secret>(SECRETS, ns, secret);
      else throw e;
    }
    this.tokens.set(key, { uid, fingerprint, expiresAtMs: minted.expiresAtMs });
    this.d.metrics?.tokensMinted.inc();
    log.debug({ secret: name, expiresAt: new Date(minted.expiresAtMs).toISOString() }, 'join token written');
    return { next: minted.expiresAtMs - cfg.tokenRenewBeforeMs };
  }

  /**
   * Step 4c: with spec.automation, the session's automation Secret holds its bearer token (automation-secret.ts).
   * Written once per operator process and session: create, or replace what is there (a Secret planted under the
   * name is overwritten; ours gets the same token again). Returns the Secret's name for the status.
   */
  private async ensureAutomationSecret(ctx: Ctx, r: ResolvedSpec): Promise<string | undefined> {
    if (!r.spec.automation.enabled) return undefined;
    const { session, ns, key, log } = ctx;
    const uid = session.metadata.uid ?? '';
    const name = automationSecretNameFor(session.metadata.name ?? '');
    if (this.automationWritten.get(key) === uid) return name;
    const secret = desiredAutomationSecret(session, automationToken(this.credentials().apiSecret, uid));
    try {
      await this.d.client.create<Secret>(SECRETS, ns, secret);
    } catch (e) {
      if (isConflict(e)) await this.d.client.replace<Secret>(SECRETS, ns, name, secret);
      else throw e;
    }
    this.automationWritten.set(key, uid);
    log.debug({ secret: name }, 'automation token Secret written');
    return name;
  }

  /** Step 5: the pod exists and matches the spec: created when missing, deleted to be recreated when stale or failed. */
  private async ensurePod(ctx: Ctx, r: ResolvedSpec): Promise<Step<Pod>> {
    const { session, ns, podName, pod, log } = ctx;
    const prev = session.status ?? {};
    // status.restarts counts container restarts and pod recreations; a new pod carries the count so far.
    const restartsSoFar = pod
      ? priorRestarts(pod) + containerRestarts(pod)
      : prev.podName !== undefined
        ? (prev.restarts ?? 0) + 1
        : (prev.restarts ?? 0);
    const desired = desiredPod(session, r, this.d.config, restartsSoFar);
    const extras: StatusExtras = { podName, participantIdentity: r.identity };

    const completedHere = prev.phase === 'Completed' && prev.observedGeneration === session.metadata.generation;
    if (pod?.metadata.deletionTimestamp) {
      // A session that already completed stays so while its pod is cleaned up (the pod is not recreated either).
      if (completedHere) return { done: {} };
      await this.writeStatus(ctx, observePod(pod), pod, extras);
      return { done: { requeueAfterMs: 1000 } }; // wait for the old pod to go away
    }
    if (pod) {
      const stale =
        pod.metadata.annotations?.[SPEC_HASH_ANNOTATION] !== desired.metadata.annotations?.[SPEC_HASH_ANNOTATION];
      const failed = pod.status?.phase === 'Failed';
      if (!stale && !failed) return { next: pod };
      const reason = stale ? 'SpecChanged' : 'PodFailed';
      const note = stale
        ? `spec changed: recreating runtime pod ${podName}`
        : `runtime pod ${podName} failed (${pod.status?.reason ?? 'unknown reason'}): recreating it`;
      log.info({ pod: podName, reason }, 'deleting runtime pod to recreate it');
      if (failed) await this.writeStatus(ctx, observePod(pod), pod, extras);
      if (await this.d.client.delete(PODS, ns, podName, { uid: pod.metadata.uid })) {
        this.d.metrics?.podActions.inc({ action: 'delete', reason });
        this.d.events.emit(session, stale ? 'Normal' : 'Warning', 'PodRecreated', 'Recreate', note);
      }
      return { done: { requeueAfterMs: 500 } };
    }

    if (completedHere) return { done: {} }; // the session ended; its pod may have been cleaned up since
    const recreated = prev.podName !== undefined;
    let created: Pod;
    try {
      created = await this.d.client.create<Pod>(PODS, ns, desired);
    } catch (e) {
      if (isRefusal(e)) {
        // Admission (PodSecurity, ResourceQuota, RuntimeClass, ...) or validation said no: tell the session's
        // owner in status and an event, then retry with the queue's backoff (quota may free up, a class appear).
        log.warn(
          { pod: podName, code: e.code, reason: e.reason, err: e.message },
          'the API server refused the runtime pod',
        );
        await this.writeStatus(ctx, podCreateFailedObservation(podName, e.code, e.apiMessage), undefined, {
          participantIdentity: r.identity,
        });
        return { done: { requeue: true } };
      }
      if (!isConflict(e)) throw e;
      // AlreadyExists: either our cache is behind, or a pod we do not watch (no managed-by label) has the name.
      const existing = await this.d.client.get<Pod>(PODS, ns, podName);
      if (existing && ownership(existing, session) === 'foreign') {
        await this.writeStatus(ctx, conflictObservation(podName), undefined, {});
        return { done: { requeueAfterMs: this.d.config.runningRequeueMs } }; // nothing watches that pod: look again later
      }
      return { done: { requeueAfterMs: 200 } };
    }
    this.d.metrics?.podActions.inc({ action: 'create', reason: recreated ? 'Recreate' : 'Create' });
    log.info({ pod: podName, recreated }, 'created runtime pod');
    this.d.events.emit(
      session,
      'Normal',
      recreated ? 'PodRecreated' : 'PodCreated',
      'Create',
      `${recreated ? 'recreated' : 'created'} runtime pod ${podName}`,
    );
    return { next: created };
  }

  /** Step 6: the pod read as a phase and conditions, plus url and focus holder from a running runtime. */
  private async observePod(
    ctx: Ctx,
    pod: Pod,
    r: ResolvedSpec,
    // A claimed pool pod was Ready before its claim (standby): Running needs the runtime to say it publishes.
    opts: { podName?: string; needPublishing?: boolean } = {},
  ): Promise<{ obs: Observation; extras: StatusExtras }> {
    const { config } = this.d;
    let obs = observePod(pod);
    const extras: StatusExtras = { podName: opts.podName ?? ctx.podName, participantIdentity: r.identity };
    if (obs.phase === 'Running' && pod.status?.podIP) {
      try {
        const rs = await this.d.fetchRuntimeStatus(pod.status.podIP, config.runtimePort, config.runtimeStatusTimeoutMs);
        if (opts.needPublishing && rs.publishing !== true) obs = observePod(notReady(pod));
        if (rs.url !== undefined) extras.url = rs.url;
        if (rs.focusHolder !== undefined) extras.focusHolder = rs.focusHolder ?? '';
        if (rs.sandbox !== undefined) extras.sandboxed = sandboxCondition(rs.sandbox);
      } catch (e) {
        if (opts.needPublishing) obs = observePod(notReady(pod));
        ctx.log.warn({ err: e, podIP: pod.status.podIP }, 'runtime /status unavailable (keeping last known url/focus)');
      }
    }
    return { obs, extras };
  }

  /** The phase's recheck interval, or earlier when the join token is due for renewal. */
  private requeueFor(obs: Observation, renewAtMs: number | undefined): Result {
    const renewIn = renewAtMs === undefined ? Infinity : Math.max(1000, renewAtMs - this.now().getTime());
    switch (obs.phase) {
      case 'Pending':
        // The pod exists and waits for the scheduler / kubelet, which write it: its watch events bring us back.
        // (Polling here cost 1,000 reconciles/s of CPU at 5,000 pending sessions and found nothing new.) Only the
        // token's renewal time brings a pending session back by itself (a pod pending for long still needs one).
        return renewIn === Infinity ? {} : { requeueAfterMs: renewIn };
      case 'Starting':
        return { requeueAfterMs: Math.min(renewIn, this.d.config.startingRequeueMs) };
      case 'Running':
        return { requeueAfterMs: Math.min(renewIn, this.d.config.runningRequeueMs) };
      default:
        // Failed / Completed: pod events bring us back when anything changes; a restarting pod still needs a token.
        return renewIn === Infinity ? {} : { requeueAfterMs: renewIn };
    }
  }

  /** Step 7: merge-patches status (guarded by resourceVersion: 409 → requeue) when it differs; transition events. */
  private async writeStatus(ctx: Ctx, obs: Observation, pod: Pod | undefined, extras: StatusExtras): Promise<void> {
    const { session, log } = ctx;
    const next = buildStatus(
      session,
      obs,
      pod,
      extras,
      this.now()
        .toISOString()
        .replace(/\.\d+Z$/, 'Z'),
    );
    const prev: BrowserSessionStatus = session.status ?? {};
    const prevFailed = findCondition(prev, 'Failed');
    if (stableStringify(prev) !== stableStringify({ ...prev, ...next })) {
      try {
        const updated = await this.d.client.patchStatus<BrowserSession>(SESSIONS, ctx.ns, session.metadata.name ?? '', {
          metadata: { resourceVersion: session.metadata.resourceVersion },
          status: next,
        });
        this.ownWrites.remember(ctx.key, session.metadata.resourceVersion, updated && withoutBookkeeping(updated));
      } catch (e) {
        // Deleted after our cache last saw it: nothing to report to, the delete event ends the story.
        if (isNotFound(e)) return log.debug('session gone before its status was written');
        throw e;
      }
      log.debug({ phase: next.phase }, 'status updated');
    }
    if (
      obs.phase === 'Failed' &&
      obs.failureReason &&
      (prevFailed?.status !== 'True' || prevFailed.reason !== obs.failureReason)
    ) {
      this.d.events.emit(session, 'Warning', obs.failureReason, 'Reconcile', obs.message);
    }
    if (obs.phase === 'Completed' && prev.phase !== 'Completed') {
      this.d.events.emit(session, 'Normal', 'Completed', 'Reconcile', obs.message);
    }
    if (obs.phase === 'Running' && prev.phase !== 'Running') {
      this.d.events.emit(session, 'Normal', 'Running', 'Reconcile', 'the browser is publishing into the room');
    }
  }
}
