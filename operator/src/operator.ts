// Wiring: informers (sessions + runtime pods, per watched namespace) → work queue → controller workers →
// reconciler; leader election gates the controller; probe and metrics endpoints. Used by main.ts and the tests.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { OperatorConfig } from './config.ts';
import { Controller } from './framework/controller.ts';
import { withoutBookkeeping } from './framework/cache-transform.ts';
import { EventRecorder } from './framework/events.ts';
import { type HttpEndpoint, startMetricsServer, startProbeServer } from './framework/health.ts';
import { Informer } from './framework/informer.ts';
import { type KubeClient, PODS } from './framework/kube-client.ts';
import { SESSIONS } from './browsersession/resource.ts';
import { LeaderElector } from './framework/leader-election.ts';
import { OperatorMetrics } from './framework/metrics.ts';
import { MANAGED_BY, MANAGED_BY_LABEL } from './browsersession/pod-spec.ts';
import { SessionReconciler } from './browsersession/reconciler.ts';
import { fetchRuntimeStatus as defaultFetcher, type RuntimeStatusFetcher } from './browsersession/runtime-status.ts';
import type { KubeObject, Pod } from './framework/kube-types.ts';
import type { BrowserSession } from './browsersession/types.ts';
import { KIND } from './browsersession/types.ts';
import { WorkQueue } from './framework/work-queue.ts';
import { loadPolicy, type SessionPolicy } from './policy/session-policy.ts';
import { loadNetworkPolicyRules, RuntimeNetworkPolicies } from './browsersession/network-policy.ts';
import { type ClaimSender, sendClaim } from './browserpool/claim-client.ts';
import { roomTokenMinter, type TokenMinter } from './browserpool/claim-token.ts';
import { readCredentials } from './livekit/credentials.ts';
import { CLAIMED_BY_ANNOTATION, CLAIMED_BY_UID_LABEL, POOL_LABEL } from './browserpool/labels.ts';
import { PoolReconciler } from './browserpool/reconciler.ts';
import { PoolClaims } from './browserpool/session-claim.ts';
import { type BrowserPool, POOL_KIND, POOLS } from './browserpool/types.ts';
import { labelValue } from './browsersession/pod-spec.ts';

export const CONTROLLER_NAME = 'browsersession';
export const POOL_CONTROLLER_NAME = 'browserpool';

/** Warm pools (docs/warm-pool.md): the claim key, the per-session token minter, the claim transport. */
export interface WarmPoolOptions {
  claimKey: Buffer;
  /** Default: the runtime token of livekit/room-token.ts, signed with --livekit-credentials-dir's key. */
  mint?: TokenMinter;
  send?: ClaimSender;
}
export const REPORTING_CONTROLLER = 'lkbrowser.dev/operator';

export interface OperatorOptions {
  config: OperatorConfig;
  client: KubeClient;
  log: Logger;
  metrics?: OperatorMetrics;
  fetchRuntimeStatus?: RuntimeStatusFetcher;
  /** What sessions may choose; default: --policy-file, or DEFAULT_POLICY without one. */
  policy?: SessionPolicy;
  /** Called when leadership is lost after being held (main.ts exits the process, like controller-runtime). */
  onLostLeadership?: () => void;
  /** Required when config.warmPools is on. */
  warmPools?: WarmPoolOptions;
}

interface Running {
  queue: WorkQueue;
  controller: Controller;
  sessionInformers: Map<string, Informer<BrowserSession>>;
  podInformers: Map<string, Informer<Pod>>;
  poolInformers: Map<string, Informer<BrowserPool>>;
  poolQueue?: WorkQueue;
  poolController?: Controller;
}

export class Operator {
  readonly config: OperatorConfig;
  readonly identity: string;
  readonly metrics: OperatorMetrics;
  readonly events: EventRecorder;
  readonly policy: SessionPolicy;
  private readonly networkPolicyRules: Record<string, unknown> | undefined;
  private readonly client: KubeClient;
  private readonly log: Logger;
  private readonly fetcher: RuntimeStatusFetcher;
  private readonly onLost: (() => void) | undefined;
  private readonly warm: WarmPoolOptions | undefined;
  private elector: LeaderElector | undefined;
  private running: Running | undefined;
  private endpoints: HttpEndpoint[] = [];
  private stopping = false;
  probePort = 0;
  metricsPort = 0;

  constructor(o: OperatorOptions) {
    this.config = o.config;
    this.client = o.client;
    this.log = o.log;
    this.metrics = o.metrics ?? new OperatorMetrics();
    this.fetcher = o.fetchRuntimeStatus ?? defaultFetcher;
    this.onLost = o.onLostLeadership;
    this.policy = o.policy ?? loadPolicy(o.config.policyFile); // a bad file fails here, at startup
    this.networkPolicyRules = loadNetworkPolicyRules(o.config.runtimeNetworkPolicyFile);
    if (o.config.warmPools && !o.warmPools) throw new Error('config.warmPools needs OperatorOptions.warmPools');
    this.warm = o.config.warmPools ? o.warmPools : undefined;
    this.identity = o.config.identity || `${hostname()}_${randomUUID()}`;
    this.events = new EventRecorder(
      this.client,
      { controller: REPORTING_CONTROLLER, instance: this.identity },
      this.log,
    );
    this.metrics.sessionsSource = () => {
      const out: Record<string, number> = {};
      for (const inf of this.running?.sessionInformers.values() ?? []) {
        for (const s of inf.list()) {
          const p = s.status?.phase ?? 'Unknown';
          out[p] = (out[p] ?? 0) + 1;
        }
      }
      return out;
    };
  }

  isLeader(): boolean {
    return this.elector ? this.elector.isLeader() : this.running !== undefined;
  }

  /** Reconciles performed by this replica (tests). */
  reconcileCount(): number {
    return this.running?.controller.reconciles ?? 0;
  }

  synced(): boolean {
    if (!this.running) return false;
    return [
      ...this.running.sessionInformers.values(),
      ...this.running.podInformers.values(),
      ...this.running.poolInformers.values(),
    ].every((i) => i.hasSynced());
  }

  informers(): { sessions: Informer<BrowserSession>[]; pods: Informer<Pod>[]; pools: Informer<BrowserPool>[] } {
    return {
      sessions: [...(this.running?.sessionInformers.values() ?? [])],
      pods: [...(this.running?.podInformers.values() ?? [])],
      pools: [...(this.running?.poolInformers.values() ?? [])],
    };
  }

  async start(): Promise<void> {
    const cfg = this.config;
    const probes = startProbeServer(
      cfg.healthProbeBindAddress,
      {
        healthz: { ping: () => (this.stopping ? 'shutting down' : undefined) },
        // A standby replica is ready (it serves probes and waits for the lease); the leader once its caches synced.
        readyz: {
          'informers-synced': () => (this.running && !this.synced() ? 'informer caches not synced yet' : undefined),
        },
      },
      this.log,
    );
    if (probes) {
      const ep = await probes;
      this.endpoints.push(ep);
      this.probePort = ep.port;
    }
    const metrics = startMetricsServer(cfg.metricsBindAddress, this.metrics.registry, this.log);
    if (metrics) {
      const ep = await metrics;
      this.endpoints.push(ep);
      this.metricsPort = ep.port;
    }
    if (!cfg.leaderElect) {
      this.metrics.leaderStatus.set({ name: cfg.leaderElectionId }, 1);
      this.startController();
      return;
    }
    this.metrics.leaderStatus.set({ name: cfg.leaderElectionId }, 0);
    this.elector = new LeaderElector(
      this.client,
      {
        namespace: cfg.operatorNamespace,
        name: cfg.leaderElectionId,
        identity: this.identity,
        leaseDurationMs: cfg.leaseDurationMs,
        renewDeadlineMs: cfg.renewDeadlineMs,
        retryPeriodMs: cfg.retryPeriodMs,
        onStartedLeading: () => {
          this.metrics.leaderStatus.set({ name: cfg.leaderElectionId }, 1);
          this.startController();
        },
        onStoppedLeading: () => {
          this.metrics.leaderStatus.set({ name: cfg.leaderElectionId }, 0);
          void this.stopController().then(() => this.onLost?.());
        },
      },
      this.log,
    );
    this.elector.start();
  }

  private newQueue(name: string): WorkQueue {
    const m = this.metrics;
    return new WorkQueue(undefined, {
      onAdd: () => m.workqueueAdds.inc({ name }),
      onDepth: (d) => m.workqueueDepth.set({ name }, d),
      onGet: (_k, waited) => m.workqueueQueueDuration.observe({ name }, waited / 1000),
      onRetry: () => m.workqueueRetries.inc({ name }),
    });
  }

  private startController(): void {
    if (this.running || this.stopping) return;
    const cfg = this.config;
    const log = this.log.child({ controller: CONTROLLER_NAME });
    const m = this.metrics;
    const queue = this.newQueue(CONTROLLER_NAME);
    const namespaces = cfg.namespaces.length > 0 ? cfg.namespaces : [''];
    const sessionInformers = new Map<string, Informer<BrowserSession>>();
    const podInformers = new Map<string, Informer<Pod>>();
    const poolInformers = new Map<string, Informer<BrowserPool>>();
    const enqueue = (o: KubeObject) => queue.add(`${o.metadata.namespace}/${o.metadata.name}`);
    const poolQueue = this.warm ? this.newQueue(POOL_CONTROLLER_NAME) : undefined;
    const enqueueOwner = (p: Pod) => {
      const ref = p.metadata.ownerReferences?.find((r) => r.controller === true && r.kind === KIND);
      if (ref) queue.add(`${p.metadata.namespace}/${ref.name}`);
      const poolRef = p.metadata.ownerReferences?.find((r) => r.controller === true && r.kind === POOL_KIND);
      if (poolRef) poolQueue?.add(`${p.metadata.namespace}/${poolRef.name}`);
      const claimer = p.metadata.annotations?.[CLAIMED_BY_ANNOTATION];
      if (claimer && poolQueue) queue.add(claimer);
    };
    const poolOfSession = (s: BrowserSession) => {
      const ref = s.spec?.pool;
      if (ref && poolQueue) poolQueue.add(`${ref.namespace ?? s.metadata.namespace}/${ref.name}`);
      // A session that matched its pool by labels names none: its claimed runtime names the pool.
      const uid = s.metadata.uid;
      if (ref || !uid || !poolQueue) return;
      for (const inf of podInformers.values())
        for (const p of inf.list()) {
          if (p.metadata.labels?.[CLAIMED_BY_UID_LABEL] !== uid) continue;
          const owner = p.metadata.ownerReferences?.find((r) => r.controller === true && r.kind === POOL_KIND);
          if (owner) poolQueue.add(`${p.metadata.namespace}/${owner.name}`);
        }
    };
    for (const ns of namespaces) {
      // The caches keep no managedFields / last-applied copies: at 5,000 sessions they were most of the heap.
      const common = { namespace: ns || undefined, watchdogMs: cfg.watchdogMs, transform: withoutBookkeeping };
      const si = new Informer<BrowserSession>(
        this.client,
        SESSIONS,
        { ...common, onWatchRestart: (reason) => m.watchRestarts.inc({ resource: 'browsersessions', reason }) },
        log,
      );
      si.addHandlers({ onAdd: enqueue, onUpdate: enqueue, onDelete: enqueue });
      // A pool deletes a claimed runtime once its session ended or is gone.
      if (poolQueue) si.addHandlers({ onUpdate: poolOfSession, onDelete: poolOfSession });
      const pi = new Informer<Pod>(
        this.client,
        PODS,
        {
          ...common,
          labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}`,
          onWatchRestart: (reason) => m.watchRestarts.inc({ resource: 'pods', reason }),
        },
        log,
      );
      pi.addHandlers({ onAdd: enqueueOwner, onUpdate: enqueueOwner, onDelete: enqueueOwner });
      sessionInformers.set(ns, si);
      podInformers.set(ns, pi);
      if (poolQueue) {
        const bi = new Informer<BrowserPool>(
          this.client,
          POOLS,
          { ...common, onWatchRestart: (reason) => m.watchRestarts.inc({ resource: 'browserpools', reason }) },
          log,
        );
        const enqueuePool = (o: KubeObject) => poolQueue.add(`${o.metadata.namespace}/${o.metadata.name}`);
        bi.addHandlers({ onAdd: enqueuePool, onUpdate: enqueuePool, onDelete: enqueuePool });
        poolInformers.set(ns, bi);
      }
    }
    const pick = <T extends KubeObject>(map: Map<string, Informer<T>>, key: string): T | undefined => {
      const ns = key.slice(0, key.indexOf('/'));
      return (map.get(ns) ?? map.get(''))?.get(key);
    };
    const podsOf = (pool: BrowserPool): Pod[] => {
      const ns = pool.metadata.namespace ?? '';
      const inf = podInformers.get(ns) ?? podInformers.get('');
      const want = labelValue(pool.metadata.name ?? '');
      return (inf?.list() ?? []).filter((p) => p.metadata.namespace === ns && p.metadata.labels?.[POOL_LABEL] === want);
    };
    const claimedBy = (uid: string): Pod | undefined => {
      for (const inf of podInformers.values())
        for (const p of inf.list()) if (p.metadata.labels?.[CLAIMED_BY_UID_LABEL] === uid) return p;
      return undefined;
    };
    const warm = this.warm;
    const pools = warm
      ? new PoolClaims({
          client: this.client,
          config: cfg,
          claimKey: warm.claimKey,
          mint:
            warm.mint ??
            roomTokenMinter(() => readCredentials(cfg.livekitCredentialsDir), Math.round(cfg.tokenTtlMs / 1000)),
          send: warm.send ?? sendClaim,
          getPool: (k) => pick(poolInformers, k),
          listPools: () => [...poolInformers.values()].flatMap((inf) => inf.list()),
          podsOf,
          claimedBy,
          events: this.events,
        })
      : undefined;
    // One writer for both controllers: pool pods (the pool's namespace) get the same NetworkPolicy as sessions'.
    const networkPolicies = new RuntimeNetworkPolicies(this.client, this.networkPolicyRules);
    const reconciler = new SessionReconciler({
      client: this.client,
      config: cfg,
      getSession: (k) => pick(sessionInformers, k),
      getPod: (k) => pick(podInformers, k),
      events: this.events,
      fetchRuntimeStatus: this.fetcher,
      metrics: m,
      log,
      policy: this.policy,
      networkPolicies,
      pools,
    });
    const poolReconciler = warm
      ? new PoolReconciler({
          client: this.client,
          config: cfg,
          claimKey: warm.claimKey,
          getPool: (key) => pick(poolInformers, key),
          podsOf,
          getSession: (key) => pick(sessionInformers, key),
          events: this.events,
          networkPolicies,
          log: this.log.child({ controller: POOL_CONTROLLER_NAME }),
        })
      : undefined;
    const poolController =
      poolReconciler && poolQueue
        ? new Controller({
            name: POOL_CONTROLLER_NAME,
            queue: poolQueue,
            reconcile: (k) => poolReconciler.reconcile(k),
            workers: 1,
            metrics: m,
            log: this.log.child({ controller: POOL_CONTROLLER_NAME }),
          })
        : undefined;
    const controller = new Controller({
      name: CONTROLLER_NAME,
      queue,
      reconcile: (k) => reconciler.reconcile(k),
      workers: cfg.maxConcurrentReconciles,
      metrics: m,
      log,
    });
    this.running = { queue, controller, sessionInformers, podInformers, poolInformers, poolQueue, poolController };
    const all = [...sessionInformers.values(), ...podInformers.values(), ...poolInformers.values()];
    for (const i of all) i.start();
    // Workers start once every cache has synced, so a missing pod in the cache really means a missing pod.
    void Promise.all(all.map((i) => i.waitForSync())).then(() => {
      if (this.running?.controller === controller && !queue.isShuttingDown()) {
        log.info({ namespaces: cfg.namespaces.length ? cfg.namespaces : 'all' }, 'caches synced: starting workers');
        controller.start();
        poolController?.start();
      }
    });
  }

  private async stopController(): Promise<void> {
    const r = this.running;
    if (!r) return;
    await Promise.all([r.queue.shutDownWithDrain(), r.poolQueue?.shutDownWithDrain()]);
    await Promise.all([r.controller.wait(), r.poolController?.wait()]);
    await Promise.all(
      [...r.sessionInformers.values(), ...r.podInformers.values(), ...r.poolInformers.values()].map((i) => i.stop()),
    );
    this.running = undefined;
  }

  /** Graceful shutdown: stop taking work, finish in-flight reconciles, stop watches, release the lease. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.stopController();
    await this.events.flush();
    await this.elector?.stop();
    this.metrics.leaderStatus.set({ name: this.config.leaderElectionId }, 0);
    await Promise.all(this.endpoints.map((e) => e.close()));
    this.endpoints = [];
  }

  /** Simulates a crashed replica (tests): stops everything without releasing the lease. */
  async crash(): Promise<void> {
    this.stopping = true;
    await this.elector?.stop({ release: false });
    await this.stopController();
    await Promise.all(this.endpoints.map((e) => e.close()));
    this.endpoints = [];
  }
}
