// Operator configuration from flags and environment (flags win). `node operator/src/main.ts --help` prints the list.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

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

interface FlagDef {
  key: keyof OperatorConfig;
  env: string;
  help: string;
  type: 'string' | 'boolean' | 'int' | 'list' | 'duration';
}

const FLAGS: Record<string, FlagDef> = {
  namespace: { key: 'namespaces', env: 'WATCH_NAMESPACE', type: 'list', help: 'namespaces to watch, comma-separated (default: all)' },
  'operator-namespace': { key: 'operatorNamespace', env: 'POD_NAMESPACE', type: 'string', help: 'namespace of the leader-election Lease' },
  'livekit-url': { key: 'livekitUrl', env: 'LIVEKIT_URL', type: 'string', help: 'default LiveKit URL for sessions' },
  'credentials-secret': { key: 'credentialsSecret', env: 'LKB_CREDENTIALS_SECRET', type: 'string', help: 'default Secret name (in the session namespace) with apiKey/apiSecret' },
  'runtime-image': { key: 'runtimeImage', env: 'LKB_RUNTIME_IMAGE', type: 'string', help: 'default runtime image' },
  'runtime-image-pull-policy': { key: 'runtimeImagePullPolicy', env: 'LKB_RUNTIME_IMAGE_PULL_POLICY', type: 'string', help: 'Always | IfNotPresent | Never' },
  'runtime-port': { key: 'runtimePort', env: 'LKB_RUNTIME_PORT', type: 'int', help: 'runtime health/status port (LKB_METRICS_PORT)' },
  'shm-size': { key: 'shmSize', env: 'LKB_SHM_SIZE', type: 'string', help: 'size limit of the runtime /dev/shm emptyDir' },
  'leader-elect': { key: 'leaderElect', env: 'LKB_LEADER_ELECT', type: 'boolean', help: 'enable leader election (Lease)' },
  'leader-election-id': { key: 'leaderElectionId', env: 'LKB_LEADER_ELECTION_ID', type: 'string', help: 'name of the Lease' },
  'lease-duration': { key: 'leaseDurationMs', env: 'LKB_LEASE_DURATION', type: 'duration', help: 'lease duration, e.g. 15s' },
  'renew-deadline': { key: 'renewDeadlineMs', env: 'LKB_RENEW_DEADLINE', type: 'duration', help: 'renew deadline, e.g. 10s' },
  'retry-period': { key: 'retryPeriodMs', env: 'LKB_RETRY_PERIOD', type: 'duration', help: 'leader-election retry period, e.g. 2s' },
  identity: { key: 'identity', env: 'POD_NAME', type: 'string', help: 'leader-election identity (default hostname_random)' },
  'health-probe-bind-address': { key: 'healthProbeBindAddress', env: 'LKB_HEALTH_PROBE_BIND_ADDRESS', type: 'string', help: '/healthz and /readyz address (0 disables)' },
  'metrics-bind-address': { key: 'metricsBindAddress', env: 'LKB_METRICS_BIND_ADDRESS', type: 'string', help: '/metrics address (0 disables)' },
  'max-concurrent-reconciles': { key: 'maxConcurrentReconciles', env: 'LKB_MAX_CONCURRENT_RECONCILES', type: 'int', help: 'parallel reconcile workers' },
  'starting-requeue': { key: 'startingRequeueMs', env: 'LKB_STARTING_REQUEUE', type: 'duration', help: 'recheck interval while a session starts' },
  'running-requeue': { key: 'runningRequeueMs', env: 'LKB_RUNNING_REQUEUE', type: 'duration', help: 'runtime /status poll interval of running sessions' },
  'watch-watchdog': { key: 'watchdogMs', env: 'LKB_WATCH_WATCHDOG', type: 'duration', help: 'restart a watch silent for this long' },
  'log-level': { key: 'logLevel', env: 'LOG_LEVEL', type: 'string', help: 'pino level: debug, info, warn, error' },
  kubeconfig: { key: 'kubeconfig', env: 'KUBECONFIG', type: 'string', help: 'kubeconfig file (default: in-cluster or ~/.kube/config)' },
};

/** Parses "15s", "500ms", "2m", "1h" or a plain number of milliseconds. */
export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) throw new Error(`invalid duration ${JSON.stringify(s)} (use e.g. 500ms, 15s, 2m)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  const mult = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000;
  return Math.round(n * mult);
}

function convert(def: FlagDef, name: string, raw: string | boolean): unknown {
  switch (def.type) {
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (/^(1|true|yes)$/i.test(raw)) return true;
      if (/^(0|false|no|)$/i.test(raw)) return false;
      throw new Error(`--${name}: expected true/false, got ${JSON.stringify(raw)}`);
    case 'int': {
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: expected a non-negative integer, got ${JSON.stringify(raw)}`);
      return n;
    }
    case 'duration':
      return parseDuration(String(raw));
    case 'list':
      return String(raw)
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    default:
      return String(raw);
  }
}

export function helpText(): string {
  const d = defaultConfig();
  const lines = ['Usage: node operator/src/main.ts [flags]', '', 'lkbrowser operator: reconciles BrowserSession objects to runtime pods.', '', 'Flags (env var in brackets):'];
  for (const [name, def] of Object.entries(FLAGS)) {
    const dv = d[def.key];
    const shown = Array.isArray(dv) ? dv.join(',') : String(dv);
    lines.push(`  --${name.padEnd(28)} ${def.help} [${def.env}] (default ${JSON.stringify(shown)})`);
  }
  lines.push(`  --${'help'.padEnd(28)} print this help`);
  return lines.join('\n');
}

export type ParsedArgs = { help: true } | { help: false; config: OperatorConfig };

export function loadConfig(argv: string[], env: Record<string, string | undefined>): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const [name, def] of Object.entries(FLAGS)) options[name] = { type: def.type === 'boolean' ? 'boolean' : 'string' };
  // Allow --leader-elect=false as well as the bare boolean form.
  const normalized = argv.map((a) => a.replace(/^--leader-elect=(true|1)$/, '--leader-elect'));
  const negated = normalized.some((a) => /^--leader-elect=(false|0)$/.test(a));
  const { values } = parseArgs({ args: normalized.filter((a) => !/^--leader-elect=(false|0)$/.test(a)), options, strict: true, allowPositionals: false });
  if (values.help === true) return { help: true };
  const cfg = defaultConfig();
  const target = cfg as unknown as Record<string, unknown>;
  for (const [name, def] of Object.entries(FLAGS)) {
    const fromEnv = env[def.env];
    if (fromEnv !== undefined && fromEnv !== '') target[def.key] = convert(def, name, fromEnv);
    const fromFlag = values[name];
    if (fromFlag !== undefined) target[def.key] = convert(def, name, fromFlag);
  }
  if (negated) cfg.leaderElect = false;
  if (!['Always', 'IfNotPresent', 'Never'].includes(cfg.runtimeImagePullPolicy)) {
    throw new Error(`--runtime-image-pull-policy must be Always, IfNotPresent or Never, got ${cfg.runtimeImagePullPolicy}`);
  }
  if (!(cfg.renewDeadlineMs < cfg.leaseDurationMs)) throw new Error('--renew-deadline must be shorter than --lease-duration');
  if (!(cfg.retryPeriodMs < cfg.renewDeadlineMs)) throw new Error('--retry-period must be shorter than --renew-deadline');
  if (cfg.maxConcurrentReconciles < 1) throw new Error('--max-concurrent-reconciles must be at least 1');
  return { help: false, config: cfg };
}
