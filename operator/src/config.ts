// Operator configuration: the flag table (framework/flags.ts parses it; flags win over the environment).
// `node operator/src/main.ts --help` prints the list.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { type FlagDef, type FlagsResult, flagsHelp, parseFlags } from './framework/flags.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
export const OPERATOR_VERSION: string = pkg.version;

export interface OperatorConfig {
  /** Namespaces to watch; empty = all namespaces (needs a ClusterRole). */
  namespaces: string[];
  /** Namespace of the operator itself: the leader-election Lease lives here. */
  operatorNamespace: string;
  /** LiveKit server every runtime joins (the operator's choice, never the CR's). */
  livekitUrl: string;
  /**
   * Directory with files apiKey and apiSecret (the operator's own Secret, mounted in its namespace). The operator
   * mints per-session join tokens from them; the key and secret never leave the operator's pod.
   */
  livekitCredentialsDir: string;
  /** Lifetime of a runtime's join token. */
  tokenTtlMs: number;
  /** Re-mint a runtime's token when less than this much of its life is left. */
  tokenRenewBeforeMs: number;
  /** Admin policy file (JSON or YAML: what a BrowserSession may choose; policy.ts). '' = the safe defaults. */
  policyFile: string;
  /** Rules of the runtime NetworkPolicy the operator keeps in each session namespace ('' = none). */
  runtimeNetworkPolicyFile: string;
  /** The cluster's pod and service CIDRs: the runtime's egress proxy refuses them (LKB_EGRESS_DENY_CIDRS). */
  egressDenyCidrs: string[];
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
  /**
   * Runtime pods share the node's network namespace (hostNetwork). For clusters without a pod network, such as the
   * single-node test cluster (e2e/cluster.test.ts); the page then shares the node's network: not for production.
   */
  runtimeHostNetwork: boolean;
  /**
   * Seccomp profile of runtime pods: '' = RuntimeDefault; else a `Localhost` profile, the path relative to the
   * kubelet's seccomp dir (<kubelet root>/seccomp, e.g. lkbrowser/chromium.json from
   * scripts/tools/seccomp-profile.sh: RuntimeDefault plus what Chromium's own sandbox needs). The admin's choice,
   * never a CR's; the profile must exist on every node (README "Chromium's sandbox in the pod").
   */
  runtimeSeccompProfile: string;
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
  /** Reconcile BrowserPools and let sessions claim from them (needs crds/browserpool.yaml installed). */
  warmPools: boolean;
}

export function defaultConfig(): OperatorConfig {
  return {
    namespaces: [],
    operatorNamespace: 'default',
    livekitUrl: '',
    livekitCredentialsDir: '/etc/lkbrowser/livekit',
    tokenTtlMs: 3600_000,
    tokenRenewBeforeMs: 1800_000,
    policyFile: '',
    runtimeNetworkPolicyFile: '',
    egressDenyCidrs: [],
    runtimeImage: `lkbrowser-runtime:${OPERATOR_VERSION}`,
    cefRuntimeImage: '',
    runtimeImagePullPolicy: 'IfNotPresent',
    runtimePort: 9090,
    shmSize: '512Mi',
    runtimeHostNetwork: false,
    runtimeSeccompProfile: '',
    leaderElect: false,
    leaderElectionId: 'lkbrowser-operator',
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
    identity: '',
    healthProbeBindAddress: ':8081',
    metricsBindAddress: ':8080',
    // Workers mostly wait on the API server (one key is never reconciled twice at once): 32 let 5,000 sessions
    // converge at the API server's pace (bench/operator-scale.ts); 1 made each write wait for the previous one.
    maxConcurrentReconciles: 32,
    startingRequeueMs: 5_000,
    runningRequeueMs: 30_000,
    runtimeStatusTimeoutMs: 2_000,
    watchdogMs: 330_000,
    logLevel: 'info',
    kubeconfig: '',
    warmPools: false,
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
  'livekit-url': { key: 'livekitUrl', env: 'LIVEKIT_URL', type: 'string', help: 'LiveKit URL every runtime joins' },
  'livekit-credentials-dir': {
    key: 'livekitCredentialsDir',
    env: 'LKB_LIVEKIT_CREDENTIALS_DIR',
    type: 'string',
    help: 'directory with files apiKey and apiSecret (the operator mints join tokens from them)',
  },
  'token-ttl': { key: 'tokenTtlMs', env: 'LKB_TOKEN_TTL', type: 'duration', help: 'lifetime of a runtime join token' },
  'token-renew-before': {
    key: 'tokenRenewBeforeMs',
    env: 'LKB_TOKEN_RENEW_BEFORE',
    type: 'duration',
    help: 're-mint a join token when less than this is left',
  },
  'policy-file': {
    key: 'policyFile',
    env: 'LKB_POLICY_FILE',
    type: 'string',
    help: 'admin policy (JSON/YAML): what a BrowserSession may choose',
  },
  'runtime-network-policy-file': {
    key: 'runtimeNetworkPolicyFile',
    env: 'LKB_RUNTIME_NETWORK_POLICY_FILE',
    type: 'string',
    help: 'runtime NetworkPolicy rules (JSON: ingress, egress) kept in every session namespace',
  },
  'egress-deny-cidrs': {
    key: 'egressDenyCidrs',
    env: 'LKB_EGRESS_DENY_CIDRS',
    type: 'list',
    help: "the cluster's pod and service CIDRs (runtimes refuse to connect there)",
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
  'runtime-host-network': {
    key: 'runtimeHostNetwork',
    env: 'LKB_RUNTIME_HOST_NETWORK',
    type: 'boolean',
    help: 'runtime pods use the node network (test clusters without a pod network only)',
  },
  'runtime-seccomp-profile': {
    key: 'runtimeSeccompProfile',
    env: 'LKB_RUNTIME_SECCOMP_PROFILE',
    type: 'string',
    help: "Localhost seccomp profile of runtime pods, relative to the kubelet's seccomp dir ('' = RuntimeDefault)",
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
    help: 'parallel reconcile workers (distinct sessions; one session is never reconciled twice at once)',
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
  'warm-pools': {
    key: 'warmPools',
    env: 'LKB_WARM_POOLS',
    type: 'boolean',
    help: 'reconcile BrowserPools (warm runtimes; key in LKB_POOL_CLAIM_KEY, tokens from LIVEKIT_API_KEY/SECRET)',
  },
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

/** address/prefix with a prefix length valid for the address family. */
export function isCidr(c: string): boolean {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(c);
  if (!m) return false;
  const fam = isIP(m[1] ?? '');
  const bits = Number(m[2]);
  return (fam === 4 && bits <= 32) || (fam === 6 && bits <= 128);
}

/**
 * Why a Localhost seccomp profile path is unusable ('' = fine), as the API server validates it: relative, no '..'
 * segment. Pure.
 */
export function seccompProfileProblem(path: string): string {
  if (path === '') return '';
  if (path.length > 253) return 'longer than 253 characters';
  if (path.startsWith('/')) return "must be relative to the kubelet's seccomp dir";
  if (path.split('/').some((seg) => seg === '..' || seg === '')) return "no '..' or empty path segments";
  if (!/^[A-Za-z0-9._/-]+$/.test(path)) return 'only letters, digits, ".", "_", "-" and "/"';
  return '';
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
  // '' is allowed here (--help, tests); every session is then refused with a clear condition (spec-checks.ts).
  if (cfg.livekitUrl && !/^(wss?|https?):\/\/[^\s]+$/.test(cfg.livekitUrl))
    throw new Error(`--livekit-url must be a ws://, wss://, http:// or https:// URL, got ${cfg.livekitUrl}`);
  if (cfg.tokenTtlMs < 300_000 || cfg.tokenTtlMs > 86_400_000) throw new Error('--token-ttl must be within 5m..24h');
  if (!(cfg.tokenRenewBeforeMs >= 60_000 && cfg.tokenRenewBeforeMs < cfg.tokenTtlMs))
    throw new Error('--token-renew-before must be at least 1m and shorter than --token-ttl');
  for (const c of cfg.egressDenyCidrs) if (!isCidr(c)) throw new Error(`--egress-deny-cidrs: not a CIDR: ${c}`);
  if (cfg.maxConcurrentReconciles < 1) throw new Error('--max-concurrent-reconciles must be at least 1');
  const seccomp = seccompProfileProblem(cfg.runtimeSeccompProfile);
  if (seccomp) throw new Error(`--runtime-seccomp-profile ${JSON.stringify(cfg.runtimeSeccompProfile)}: ${seccomp}`);
  return { help: false, config: cfg };
}
