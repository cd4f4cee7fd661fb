// The BrowserSession reconciler: level-triggered and idempotent. Given a key it reads the session and its pod from
// the informer caches, makes the world match (create the pod, or delete it when its spec hash is stale / it failed
// / it belongs to an older object of the same name) and writes status from what it sees. It never remembers
// anything between calls except what is stored in the API (status, pod annotations).
import type { Logger } from 'pino';
import type { OperatorConfig } from '../config.ts';
import { resolveSpec } from './defaults.ts';
import type { EventRecorder } from '../framework/events.ts';
import { isConflict, isNotFound, type KubeClient, PODS, SESSIONS } from '../framework/kube-client.ts';
import type { OperatorMetrics } from '../framework/metrics.ts';
import { desiredPod, podNameFor, ROOM_ANNOTATION, SPEC_HASH_ANNOTATION, stableStringify } from './pod-spec.ts';
import type { RuntimeStatusFetcher } from './runtime-status.ts';
import { buildStatus, containerRestarts, findCondition, invalidObservation, type Observation, observePod, priorRestarts, Reasons, type StatusExtras } from './status.ts';
import type { Result } from '../framework/controller.ts';
import type { Pod } from '../framework/kube-types.ts';
import type { BrowserSession, BrowserSessionStatus } from './types.ts';
import { API_VERSION, KIND } from './types.ts';
import { validateSession } from './validate.ts';

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
}

type PodOwnership = 'ours' | 'stale' | 'foreign';

function ownership(pod: Pod, session: BrowserSession): PodOwnership {
  const ref = pod.metadata.ownerReferences?.find((r) => r.controller === true);
  if (!ref || ref.kind !== KIND || ref.apiVersion.split('/')[0] !== API_VERSION.split('/')[0]) return 'foreign';
  return ref.uid === session.metadata.uid ? 'ours' : ref.name === session.metadata.name ? 'stale' : 'foreign';
}

export class SessionReconciler {
  private readonly d: ReconcilerDeps;
  private readonly now: () => Date;
  /**
   * Our own last status write per key: the object the apiserver returned, and the resourceVersion it replaced.
   * While the informer still shows that replaced version, the returned object is the fresher truth; using it
   * avoids a 409 on the next write (resourceVersions are compared for equality only, never ordered).
   */
  private readonly written = new Map<string, { replacedRv: string; obj: BrowserSession }>();

  constructor(deps: ReconcilerDeps) {
    this.d = deps;
    this.now = deps.now ?? (() => new Date());
  }

  async reconcile(key: string): Promise<Result> {
    const { config, log } = this.d;
    let session = this.d.getSession(key);
    const w = this.written.get(key);
    if (session && w && session.metadata.resourceVersion === w.replacedRv && session.metadata.uid === w.obj.metadata.uid) session = w.obj;
    else this.written.delete(key);
    if (!session) return {}; // deleted: the garbage collector removes the pod through its ownerReference
    if (session.metadata.deletionTimestamp) return {};
    const ns = session.metadata.namespace ?? '';
    const name = session.metadata.name ?? '';
    const podName = podNameFor(name);
    let pod = this.d.getPod(`${ns}/${podName}`);
    const slog = log.child({ session: key });

    if (pod) {
      const own = ownership(pod, session);
      if (own === 'stale') {
        // Left over from a deleted session of the same name: the GC will get it, we just speed it up.
        slog.info({ pod: podName }, 'deleting pod of a previous session with the same name');
        await this.d.client.delete(PODS, ns, podName, { uid: pod.metadata.uid });
        return { requeueAfterMs: 1000 };
      }
      if (own === 'foreign') {
        await this.writeStatus(session, this.conflictObservation(podName), undefined, {}, slog);
        return {}; // the pod carries our label, so its deletion brings us back
      }
    }

    // Defaulting + validation (mirrors the CRD, so a cluster without CEL still gets a clear answer).
    const r = resolveSpec(session, config);
    const problems = validateSession(session, r, {
      previousIdentity: session.status?.participantIdentity,
      runningRoom: pod?.metadata.annotations?.[ROOM_ANNOTATION],
    });
    if (problems.length > 0) {
      slog.info({ problems }, 'invalid spec');
      await this.writeStatus(session, invalidObservation(problems), undefined, { podName: pod ? podName : undefined }, slog);
      return {};
    }

    const prev = session.status ?? {};
    // status.restarts counts container restarts and pod recreations; a new pod carries the count so far.
    const restartsSoFar = pod ? priorRestarts(pod) + containerRestarts(pod) : prev.podName !== undefined ? (prev.restarts ?? 0) + 1 : (prev.restarts ?? 0);
    const desired = desiredPod(session, r, config, restartsSoFar);
    const wantHash = desired.metadata.annotations?.[SPEC_HASH_ANNOTATION] ?? '';
    const completedHere = prev.phase === 'Completed' && prev.observedGeneration === session.metadata.generation;

    if (pod && !pod.metadata.deletionTimestamp) {
      const stale = pod.metadata.annotations?.[SPEC_HASH_ANNOTATION] !== wantHash;
      const failed = pod.status?.phase === 'Failed';
      if (stale || failed) {
        const reason = stale ? 'SpecChanged' : 'PodFailed';
        const note = stale ? `spec changed: recreating runtime pod ${podName}` : `runtime pod ${podName} failed (${pod.status?.reason ?? 'unknown reason'}): recreating it`;
        slog.info({ pod: podName, reason }, 'deleting runtime pod to recreate it');
        if (failed) await this.writeStatus(session, observePod(pod), pod, { podName, participantIdentity: r.identity }, slog);
        if (await this.d.client.delete(PODS, ns, podName, { uid: pod.metadata.uid })) {
          this.d.metrics?.podActions.inc({ action: 'delete', reason });
          this.d.events.emit(session, stale ? 'Normal' : 'Warning', 'PodRecreated', 'Recreate', note);
        }
        return { requeueAfterMs: 500 };
      }
    }
    if (pod?.metadata.deletionTimestamp) {
      await this.writeStatus(session, observePod(pod), pod, { podName, participantIdentity: r.identity }, slog);
      return { requeueAfterMs: 1000 }; // wait for the old pod to go away
    }

    if (!pod) {
      if (completedHere) return {}; // the session ended; its pod may have been cleaned up since
      const recreated = prev.podName !== undefined;
      try {
        pod = await this.d.client.create<Pod>(PODS, ns, desired);
      } catch (e) {
        if (!isConflict(e)) throw e;
        // AlreadyExists: either our cache is behind, or a pod we do not watch (no managed-by label) has the name.
        const existing = await this.d.client.get<Pod>(PODS, ns, podName);
        if (existing && ownership(existing, session) === 'foreign') {
          await this.writeStatus(session, this.conflictObservation(podName), undefined, {}, slog);
          return { requeueAfterMs: config.runningRequeueMs }; // nothing watches that pod: look again later
        }
        return { requeueAfterMs: 200 };
      }
      this.d.metrics?.podActions.inc({ action: 'create', reason: recreated ? 'Recreate' : 'Create' });
      slog.info({ pod: podName, recreated }, 'created runtime pod');
      this.d.events.emit(session, 'Normal', recreated ? 'PodRecreated' : 'PodCreated', 'Create', `${recreated ? 'recreated' : 'created'} runtime pod ${podName}`);
    }

    const obs = observePod(pod);
    const extras: StatusExtras = { podName, participantIdentity: r.identity };
    if (obs.phase === 'Running' && pod.status?.podIP) {
      try {
        const rs = await this.d.fetchRuntimeStatus(pod.status.podIP, config.runtimePort, config.runtimeStatusTimeoutMs);
        if (rs.url !== undefined) extras.url = rs.url;
        if (rs.focusHolder !== undefined) extras.focusHolder = rs.focusHolder ?? '';
      } catch (e) {
        slog.warn({ err: e, podIP: pod.status.podIP }, 'runtime /status unavailable (keeping last known url/focus)');
      }
    }
    await this.writeStatus(session, obs, pod, extras, slog);
    switch (obs.phase) {
      case 'Pending':
      case 'Starting':
        return { requeueAfterMs: config.startingRequeueMs };
      case 'Running':
        return { requeueAfterMs: config.runningRequeueMs };
      default:
        return {}; // Failed / Completed: pod events bring us back when anything changes
    }
  }

  private conflictObservation(podName: string): Observation {
    const msg = `pod ${podName} exists and is not controlled by this BrowserSession`;
    const obs: Observation = { ...invalidObservation([msg]), message: msg, failureReason: Reasons.PodConflict };
    obs.conditions = obs.conditions.map((c) => ({ ...c, reason: Reasons.PodConflict, message: c.type === 'Failed' || c.type === 'Ready' ? msg : '' }));
    return obs;
  }

  /** Merge-patches status (guarded by resourceVersion: 409 → requeue) when it differs; emits transition events. */
  private async writeStatus(session: BrowserSession, obs: Observation, pod: Pod | undefined, extras: StatusExtras, slog: Logger): Promise<void> {
    const next = buildStatus(session, obs, pod, extras, this.now().toISOString().replace(/\.\d+Z$/, 'Z'));
    const prev: BrowserSessionStatus = session.status ?? {};
    const wasFailed = findCondition(prev, 'Failed')?.status === 'True';
    const prevFailReason = findCondition(prev, 'Failed')?.reason;
    if (stableStringify(prev) !== stableStringify({ ...prev, ...next })) {
      try {
        const updated = await this.d.client.patchStatus<BrowserSession>(SESSIONS, session.metadata.namespace ?? '', session.metadata.name ?? '', {
          metadata: { resourceVersion: session.metadata.resourceVersion },
          status: next,
        });
        if (updated?.metadata?.resourceVersion && session.metadata.resourceVersion) {
          this.written.set(`${session.metadata.namespace}/${session.metadata.name}`, { replacedRv: session.metadata.resourceVersion, obj: updated });
        }
      } catch (e) {
        // Deleted after our cache last saw it: nothing to report to, the delete event ends the story.
        if (isNotFound(e)) return slog.debug('session gone before its status was written');
        throw e;
      }
      slog.debug({ phase: next.phase }, 'status updated');
    }
    if (obs.phase === 'Failed' && obs.failureReason && (!wasFailed || prevFailReason !== obs.failureReason)) {
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
