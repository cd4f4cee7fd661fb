// Prometheus metrics with controller-runtime's names, so existing dashboards and alerts work, plus a few of ours.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class OperatorMetrics {
  readonly registry: Registry;
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly reconcileTime: Histogram<'controller'>;
  readonly activeWorkers: Gauge<'controller'>;
  readonly workqueueDepth: Gauge<'name'>;
  readonly workqueueAdds: Counter<'name'>;
  readonly workqueueQueueDuration: Histogram<'name'>;
  readonly workqueueRetries: Counter<'name'>;
  readonly leaderStatus: Gauge<'name'>;
  readonly watchRestarts: Counter<'resource' | 'reason'>;
  readonly podActions: Counter<'action' | 'reason'>;
  readonly tokensMinted: Counter<string>;
  /** Sessions refused by the admin policy, by the rule that refused them. */
  readonly policyRefusals: Counter<'rule'>;
  readonly sessions: Gauge<'phase'>;
  /** Supplies session counts by phase at scrape time (set by the operator once its cache exists). */
  sessionsSource: (() => Record<string, number>) | undefined;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [(this.registry = new Registry())];
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry });
    const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
    this.reconcileTotal = new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    });
    this.reconcileTime = new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames: ['controller'],
      buckets,
      registers,
    });
    this.activeWorkers = new Gauge({
      name: 'controller_runtime_active_workers',
      help: 'Number of currently used workers per controller',
      labelNames: ['controller'],
      registers,
    });
    this.workqueueDepth = new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of workqueue',
      labelNames: ['name'],
      registers,
    });
    this.workqueueAdds = new Counter({
      name: 'workqueue_adds_total',
      help: 'Total number of adds handled by workqueue',
      labelNames: ['name'],
      registers,
    });
    this.workqueueQueueDuration = new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested',
      labelNames: ['name'],
      buckets,
      registers,
    });
    this.workqueueRetries = new Counter({
      name: 'workqueue_retries_total',
      help: 'Total number of retries handled by workqueue',
      labelNames: ['name'],
      registers,
    });
    this.leaderStatus = new Gauge({
      name: 'leader_election_master_status',
      help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master',
      labelNames: ['name'],
      registers,
    });
    this.watchRestarts = new Counter({
      name: 'lkbrowser_operator_watch_restarts_total',
      help: 'Watch restarts by resource and reason (closed, gone, watchdog, error)',
      labelNames: ['resource', 'reason'],
      registers,
    });
    this.podActions = new Counter({
      name: 'lkbrowser_operator_pod_actions_total',
      help: 'Runtime pods created/deleted by the operator, by reason',
      labelNames: ['action', 'reason'],
      registers,
    });
    this.tokensMinted = new Counter({
      name: 'lkbrowser_operator_tokens_minted_total',
      help: 'Runtime join tokens minted into per-session Secrets (first issue and renewals)',
      registers,
    });
    this.policyRefusals = new Counter({
      name: 'lkbrowser_operator_policy_refusals_total',
      help: 'BrowserSessions refused by the admin policy, by rule',
      labelNames: ['rule'],
      registers,
    });
    const self = this;
    this.sessions = new Gauge({
      name: 'lkbrowser_sessions',
      help: 'BrowserSessions seen by the operator, by status.phase',
      labelNames: ['phase'],
      registers,
      collect() {
        this.reset();
        for (const [phase, n] of Object.entries(self.sessionsSource?.() ?? {})) this.set({ phase }, n);
      },
    });
  }
}
