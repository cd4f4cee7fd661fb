// Operator configuration: the flag table (framework/flags.ts parses it; flags win over the environment).
// `node operator/src/main.ts --help` prints the list.
import { readFileSync } from 'node:fs';
import { type FlagDef, type FlagsResult, flagsHelp, parseFlags } from './framework/flags.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
export const OPERATOR_VERSION: string = pkg.version;

export interface OperatorConfig {
  /** Namespaces to watch; empty = all namespaces (needs a ClusterRole). */
  namespaces: string[];
  /** Namespace of the operator itself: the leader-election Lease lives here. */
  operatorNamespace: string;
  /** Default LiveKit URL for sessions without spec.livekit.url ('' = sessions must set it). */
  livekitUrl: string;
  /** Default Secret (in each session's namespace) with the LiveKit API key/secret. */
  credentialsSecret: string;
  runtimeImage: string;
  /**
   * Default image of sessions with spec.engine cef: the runtime image with the CEF engine (Dockerfile.runtime-cef).
   * '' = the operator offers no CEF runtime, and refuses cef sessions.
   */
  cefRuntimeImage: string;
  runtimeImagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  /** Port the runtime serves /healthz, /readyz, /metrics and /status on (LKB_METRICS_PORT). */
  runtimePort: number;
  /** Size of the memory-backed /dev/shm of runtime pods. */
  shmSize: string;
  leaderElect: boolean;
  leaderElectionId: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** Identity of this replica in the Lease (default: hostname + random suffix, like controller-runtime). */
  identity: string;
  /** host:port, '' or '0' disables. */
  healthProbeBindAddress: string;
  metricsBindAddress: string;
  maxConcurrentReconciles: number;
  /** Requeue interval while a session is starting. */
  startingRequeueMs: number;
  /** Requeue interval of a running session (refreshes url/focusHolder from the runtime). */
  runningRequeueMs: number;
  /** Timeout of one GET /status to the runtime. */
  runtimeStatusTimeoutMs: number;
  /** Watch inactivity limit after which a silent watch is restarted. */
  watchdogMs: number;
  logLevel: string;
  kubeconfig: string;
}

export function defaultConfig(): OperatorConfig {
  return {
    namespaces: [],
    operatorNamespace: 'default',
    livekitUrl: '',
    credentialsSecret: 'livekit-credentials',
    runtimeImage: `lkbrowser-runtime:${OPERATOR_VERSION}`,
    cefRuntimeImage: '',
    runtimeImagePullPolicy: 'IfNotPresent',
    runtimePort: 9090,
    shmSize: '512Mi',
    leaderElect: false,
    leaderElectionId: 'lkbrowser-operator',
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
    identity: '',
    healthProbeBindAddress: ':8081',
    metricsBindAddress: ':8080',
    maxConcurrentReconciles: 1,
    startingRequeueMs: 5_000,
    runningRequeueMs: 30_000,
    runtimeStatusTimeoutMs: 2_000,
    watchdogMs: 330_000,
    logLevel: 'info',
    kubeconfig: '',
  };
}

const FLAGS: Record<string, FlagDef<keyof OperatorConfig>> = {
  namespace: {
    key: 'namespaces',
    env: 'WATCH_NAMESPACE',
    type: 'list',
    help: 'namespaces to watch, comma-separated (default: all)',
  },
  'operator-namespace': {
    key: 'operatorNamespace',
    env: 'POD_NAMESPACE',
    type: 'string',
    help: 'namespace of the leader-election Lease',
  },
  'livekit-url': { key: 'livekitUrl', env: 'LIVEKIT_URL', type: 'string', help: 'default LiveKit URL for sessions' },
  'credentials-secret': {
    key: 'credentialsSecret',
    env: 'LKB_CREDENTIALS_SECRET',
    type: 'string',
    help: 'default Secret name (in the session namespace) with apiKey/apiSecret',
  },
  'runtime-image': { key: 'runtimeImage', env: 'LKB_RUNTIME_IMAGE', type: 'string', help: 'default runtime image' },
  'cef-runtime-image': {
    key: 'cefRuntimeImage',
    env: 'LKB_CEF_RUNTIME_IMAGE',
    type: 'string',
    help: "default runtime image of spec.engine cef sessions ('' = cef sessions are refused)",
  },
  'runtime-image-pull-policy': {
    key: 'runtimeImagePullPolicy',
    env: 'LKB_RUNTIME_IMAGE_PULL_POLICY',
    type: 'string',
    help: 'Always | IfNotPresent | Never',
  },
  'runtime-port': {
    key: 'runtimePort',
    env: 'LKB_RUNTIME_PORT',
    type: 'int',
    help: 'runtime health/status port (LKB_METRICS_PORT)',
  },
  'shm-size': {
    key: 'shmSize',
    env: 'LKB_SHM_SIZE',
    type: 'string',
    help: 'size limit of the runtime /dev/shm emptyDir',
  },
  'leader-elect': {
    key: 'leaderElect',
    env: 'LKB_LEADER_ELECT',
    type: 'boolean',
    help: 'enable leader election (Lease)',
  },
  'leader-election-id': {
    key: 'leaderElectionId',
    env: 'LKB_LEADER_ELECTION_ID',
    type: 'string',
    help: 'name of the Lease',
  },
  'lease-duration': {
    key: 'leaseDurationMs',
    env: 'LKB_LEASE_DURATION',
    type: 'duration',
    help: 'lease duration, e.g. 15s',
  },
  'renew-deadline': {
    key: 'renewDeadlineMs',
    env: 'LKB_RENEW_DEADLINE',
    type: 'duration',
    help: 'renew deadline, e.g. 10s',
  },
  'retry-period': {
    key: 'retryPeriodMs',
    env: 'LKB_RETRY_PERIOD',
    type: 'duration',
    help: 'leader-election retry period, e.g. 2s',
  },
  identity: {
    key: 'identity',
    env: 'POD_NAME',
    type: 'string',
    help: 'leader-election identity (default hostname_random)',
  },
  'health-probe-bind-address': {
    key: 'healthProbeBindAddress',
    env: 'LKB_HEALTH_PROBE_BIND_ADDRESS',
    type: 'string',
    help: '/healthz and /readyz address (0 disables)',
  },
  'metrics-bind-address': {
    key: 'metricsBindAddress',
    env: 'LKB_METRICS_BIND_ADDRESS',
    type: 'string',
    help: '/metrics address (0 disables)',
  },
  'max-concurrent-reconciles': {
    key: 'maxConcurrentReconciles',
    env: 'LKB_MAX_CONCURRENT_RECONCILES',
    type: 'int',
    help: 'parallel reconcile workers',
  },
  'starting-requeue': {
    key: 'startingRequeueMs',
    env: 'LKB_STARTING_REQUEUE',
    type: 'duration',
    help: 'recheck interval while a session starts',
  },
  'running-requeue': {
    key: 'runningRequeueMs',
    env: 'LKB_RUNNING_REQUEUE',
    type: 'duration',
    help: 'runtime /status poll interval of running sessions',
  },
  'watch-watchdog': {
    key: 'watchdogMs',
    env: 'LKB_WATCH_WATCHDOG',
    type: 'duration',
    help: 'restart a watch silent for this long',
  },
  'log-level': { key: 'logLevel', env: 'LOG_LEVEL', type: 'string', help: 'pino level: debug, info, warn, error' },
  kubeconfig: {
    key: 'kubeconfig',
    env: 'KUBECONFIG',
    type: 'string',
    help: 'kubeconfig file (default: in-cluster or ~/.kube/config)',
  },
};

export function helpText(): string {
  return flagsHelp(FLAGS, defaultConfig(), [
    'Usage: node operator/src/main.ts [flags]',
    '',
    'lkbrowser operator: reconciles BrowserSession objects to runtime pods.',
  ]);
}

export type ParsedArgs = FlagsResult<OperatorConfig>;

export function loadConfig(argv: string[], env: Record<string, string | undefined>): ParsedArgs {
  const parsed = parseFlags(FLAGS, defaultConfig(), argv, env);
  if (parsed.help) return parsed;
  const cfg = parsed.config;
  if (!['Always', 'IfNotPresent', 'Never'].includes(cfg.runtimeImagePullPolicy)) {
    throw new Error(
      `--runtime-image-pull-policy must be Always, IfNotPresent or Never, got ${cfg.runtimeImagePullPolicy}`,
    );
  }
  if (!(cfg.renewDeadlineMs < cfg.leaseDurationMs))
    throw new Error('--renew-deadline must be shorter than --lease-duration');
  if (!(cfg.retryPeriodMs < cfg.renewDeadlineMs))
    throw new Error('--retry-period must be shorter than --renew-deadline');
  if (cfg.maxConcurrentReconciles < 1) throw new Error('--max-concurrent-reconciles must be at least 1');
  return { help: false, config: cfg };
}
