// Operator scale on a real control plane (etcd + kube-apiserver + kube-controller-manager, no kubelet: pods stay
// Pending, so "pod created and status Pending written" is the converged state of a session).
// For each size N, in order:
//  1. baseline: the bench itself makes the API requests the operator makes per session (create the session, create
//     its pod, patch its status, create its event), --in-flight sessions at a time, in namespace base-N: the API
//     server's own throughput for this work on this machine, with no operator logic at all;
//  2. operator: N BrowserSessions created at once (--in-flight creates in flight) in namespace scale-N, the operator
//     watching that namespace. Measured: time until every pod exists and every status is written (the bench's own
//     watches, no polling lists), operator CPU seconds and peak RSS (/proc VmHWM), control-plane CPU, API requests
//     per session (the apiserver's audit log, operator user only), watch restarts / relists, and the operator's
//     requests and CPU in a quiet window after convergence.
// ratio = operator converge time / baseline time. control-plane floor = the baseline's control-plane CPU seconds /
// cores: the shortest converge time the API server and etcd allow on this machine, whoever sends the requests.
//
//   node bench/operator-scale.ts [--sizes 1000,5000] [--workers 32] [--in-flight 64] [--quiet-seconds 30]
//
// Targets (issue #14): 5,000 sessions converge in ≤ 60 s, peak RSS within the chart's operator limit (256 Mi), no
// request storm after convergence.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { KubeConfig, V1MicroTime } from '@kubernetes/client-node';
import {
  type BrowserSession,
  buildStatus,
  ClientNodeKube,
  defaultConfig,
  desiredPod,
  desiredTokenSecret,
  EVENTS,
  Informer,
  observePod,
  PODS,
  type Pod,
  resolveSpec,
  SECRETS,
  SESSIONS,
} from '@lkbrowser/operator';
import { startKubeControlPlane, waitFor } from '@lkbrowser/testkit';
import { type BenchSpec, benchFlags } from './lib/cli.ts';
import { CLK_TCK, loadavg, log, machineInfo, table, trackPid, watchdog, writeResult } from './lib/common.ts';

const FLAGS = {
  sizes: { flag: 'sizes', kind: 'string', default: '1000,5000', arg: 'n,...', help: 'session counts, one round each' },
  workers: { flag: 'workers', kind: 'number', default: 32, min: 1, integer: true, help: 'operator reconcile workers' },
  inFlight: {
    flag: 'in-flight',
    kind: 'number',
    default: 64,
    min: 1,
    integer: true,
    help: 'session creates in flight (and baseline sessions in flight)',
  },
  baseline: { flag: 'baseline', kind: 'boolean', default: true, help: 'measure the API-only baseline first' },
  quietSeconds: {
    flag: 'quiet-seconds',
    kind: 'number',
    default: 30,
    min: 1,
    help: 'quiet window after convergence, s',
  },
  convergeMinutes: {
    flag: 'converge-minutes',
    kind: 'number',
    default: 20,
    min: 1,
    help: 'give up on a size after this long (progress is logged every 30 s)',
  },
  nodeOptions: {
    flag: 'node-options',
    kind: 'string',
    default: '',
    arg: 'flags',
    help: "node flags for the operator (default: the chart's operator.nodeOptions)",
  },
} as const satisfies Record<string, BenchSpec>;
const flags = benchFlags('operator-scale.ts', 'Operator scale on a real control plane (no kubelet).', FLAGS);
const sizes = flags.sizes.split(',').map((s) => (/^\s*\d+\s*$/.test(s) ? Number(s) : Number.NaN));
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) {
  console.error(`operator-scale.ts: --sizes: expected a comma list of counts >= 1, got "${flags.sizes}"`);
  process.exit(2);
}
const { workers, inFlight, quietSeconds } = flags;
// The operator runs as the chart runs it: its Node flags and memory limit come from the chart's values.
const CHART_VALUES = parse(
  readFileSync(fileURLToPath(new URL('../helm/lkbrowser/values.yaml', import.meta.url)), 'utf8'),
) as { operator: { nodeOptions: string; resources: { limits: { memory: string } } } };
const nodeOptions = (flags.nodeOptions || CHART_VALUES.operator.nodeOptions).split(' ').filter((s) => s !== '');
const MEMORY_LIMIT_MIB = mebibytes(CHART_VALUES.operator.resources.limits.memory);

const CRD = fileURLToPath(new URL('../crds/browsersession.yaml', import.meta.url));
const MAIN = fileURLToPath(new URL('../operator/src/main.ts', import.meta.url));
const OPERATOR_USER = 'lkb-operator';
const LIVEKIT_URL = 'wss://livekit.example.com';

/** "256Mi" / "1Gi" → MiB (the units the chart uses). */
function mebibytes(q: string): number {
  const m = /^(\d+)(Mi|Gi)$/.exec(q);
  if (!m) throw new Error(`operator.resources.limits.memory: expected <n>Mi or <n>Gi, got "${q}"`);
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
}

interface Audit {
  verb: string;
  stage: string;
  user: { username: string };
  objectRef?: { resource?: string; subresource?: string };
  requestReceivedTimestamp?: string;
}

function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / CLK_TCK; // utime + stime
  } catch (e) {
    log.warn({ pid, err: (e as Error).message }, 'cpu of an exited process counted as 0');
    return 0;
  }
}

function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function metricsOf(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const i = line.lastIndexOf(' ');
    const name = line.slice(0, i);
    const base = name.includes('{') ? name.slice(0, name.indexOf('{')) : name;
    out.set(name, Number(line.slice(i + 1)));
    out.set(`${base}:sum`, (out.get(`${base}:sum`) ?? 0) + Number(line.slice(i + 1)));
  }
  return out;
}

/** Requests of `user` in the audit log, received within [fromMs, toMs), by "verb resource[/subresource]". */
function requestsOf(auditPath: string, user: string, fromMs: number, toMs: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of readFileSync(auditPath, 'utf8').split('\n')) {
    if (!line.includes(`"username":"${user}"`)) continue;
    const e = JSON.parse(line) as Audit;
    if (e.stage !== 'ResponseComplete' && e.stage !== 'ResponseStarted') continue;
    if (e.stage === 'ResponseStarted' && e.verb !== 'watch') continue; // a watch is counted when it starts
    if (e.stage === 'ResponseComplete' && e.verb === 'watch') continue;
    const t = Date.parse(e.requestReceivedTimestamp ?? '');
    if (!(t >= fromMs && t < toMs)) continue;
    const key = `${e.verb} ${e.objectRef?.resource ?? '?'}${e.objectRef?.subresource ? `/${e.objectRef.subresource}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

function sessionObject(ns: string, i: number): BrowserSession {
  return {
    apiVersion: 'lkbrowser.dev/v1alpha1',
    kind: 'BrowserSession',
    metadata: { name: `s-${i}`, namespace: ns },
    spec: { url: 'https://example.com', room: `${ns}.room-${i}` }, // the default policy: rooms start with the namespace
  } as unknown as BrowserSession;
}

/** Runs `work(i)` for i in [0, n) with `slots` calls in flight. */
async function pool(n: number, slots: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(slots, n) }, async () => {
      for (let i = next++; i < n; i = next++) await work(i);
    }),
  );
}

/** The baseline: the operator's requests for one session, made by the bench with no operator logic. */
async function baseline(admin: ClientNodeKube, ns: string, n: number): Promise<number> {
  const config = { ...defaultConfig(), livekitUrl: LIVEKIT_URL, namespaces: [ns] };
  const t0 = Date.now();
  await pool(n, inFlight, async (i) => {
    const session = await admin.create(SESSIONS, ns, sessionObject(ns, i));
    const r = resolveSpec(session, config);
    // The operator's first write per session: the join token Secret (a fixed stand-in token; signing is not API work).
    await admin.create(SECRETS, ns, desiredTokenSecret(session, 'bench.token.jwt', Date.now() + 3600_000));
    const pod = await admin.create<Pod>(PODS, ns, desiredPod(session, r, config, 0));
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const status = buildStatus(
      session,
      observePod(pod),
      pod,
      { podName: pod.metadata.name, participantIdentity: r.identity },
      now,
    );
    await admin.patchStatus(SESSIONS, ns, session.metadata.name ?? '', {
      metadata: { resourceVersion: session.metadata.resourceVersion },
      status,
    });
    await admin.create(EVENTS, ns, {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: `${session.metadata.name}.${Date.now().toString(16)}`, namespace: ns },
      eventTime: new V1MicroTime(Date.now()).toISOString(),
      reportingController: 'bench/operator-scale',
      reportingInstance: 'bench',
      action: 'Create',
      reason: 'PodCreated',
      note: `created runtime pod ${pod.metadata.name}`,
      type: 'Normal',
      regarding: {
        apiVersion: session.apiVersion,
        kind: session.kind,
        name: session.metadata.name,
        namespace: ns,
        uid: session.metadata.uid,
      },
    });
  });
  return Date.now() - t0;
}

/** Watches namespace `ns` and records when all `n` pods exist and all `n` statuses are written. */
function tracker(admin: ClientNodeKube, ns: string, n: number, t0: () => number) {
  const pods = new Informer<Pod>(admin, PODS, { namespace: ns, watchdogMs: 330_000 }, log);
  const sessions = new Informer<BrowserSession>(admin, SESSIONS, { namespace: ns, watchdogMs: 330_000 }, log);
  const withStatus = new Set<string>();
  const at = { pods: 0, statuses: 0 };
  const check = () => {
    if (!at.pods && pods.list().length >= n) at.pods = Date.now() - t0();
    if (!at.statuses && withStatus.size >= n) at.statuses = Date.now() - t0();
  };
  pods.addHandlers({ onAdd: check });
  const seen = (s: BrowserSession) => {
    if (s.status?.phase === 'Pending' && s.status.podName) withStatus.add(s.metadata.name ?? '');
    check();
  };
  sessions.addHandlers({ onAdd: seen, onUpdate: seen });
  pods.start();
  sessions.start();
  return {
    at,
    progress: () => ({ pods: pods.list().length, statuses: withStatus.size, of: n }),
    synced: () => Promise.all([pods.waitForSync(), sessions.waitForSync()]),
    stop: () => Promise.all([pods.stop(), sessions.stop()]),
  };
}

async function main(): Promise<void> {
  watchdog(90);
  const machine = machineInfo();
  log.info({ sizes, workers, inFlight }, 'starting the control plane');
  const cp = await startKubeControlPlane({
    audit: true,
    // batch: the audit log is written behind the request, not in its path (blocking is the default of the log backend)
    apiserverArgs: ['--audit-log-mode=batch'],
    auditUsers: [OPERATOR_USER],
    users: [{ name: OPERATOR_USER, groups: ['system:masters'] }],
  });
  const children: ChildProcess[] = [];
  const rows: Record<string, string | number>[] = [];
  const results: unknown[] = [];
  try {
    await cp.kubectl(['apply', '-f', CRD]);
    await cp.kubectl(['wait', '--for=condition=Established', 'crd/browsersessions.lkbrowser.dev', '--timeout=120s']);
    const kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfig('admin'));
    // A loaded shared machine answers some requests after more than the default 30 s: the bench waits, it measures.
    const admin = new ClientNodeKube(kc, { requestTimeoutMs: 180_000 });
    await waitFor(
      'BrowserSessions served',
      async () => (await admin.list(SESSIONS, 'default')).items !== undefined,
      60_000,
      200,
    );
    const auditPath = cp.auditLogPath ?? '';
    // The operator mints a join token per session from the project credentials (its mounted Secret in a cluster).
    const credentialsDir = join(cp.dir, 'livekit-credentials');
    mkdirSync(credentialsDir, { mode: 0o700 });
    writeFileSync(join(credentialsDir, 'apiKey'), 'APIbench');
    writeFileSync(join(credentialsDir, 'apiSecret'), 'bench-secret-of-at-least-thirty-two-bytes');
    const cpCpu = () => cp.pids().reduce((a, p) => a + cpuSeconds(p), 0);
    const mkNamespace = (name: string) =>
      admin.create({ group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace' }, '', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name },
      });

    for (const n of sizes) {
      let baselineMs = Number.NaN;
      let baselineCpCpu = Number.NaN;
      if (flags.baseline) {
        await mkNamespace(`base-${n}`);
        const c0 = cpCpu();
        log.info({ n, load: loadavg() }, 'baseline: the operator requests, made by the bench');
        baselineMs = await baseline(admin, `base-${n}`, n);
        baselineCpCpu = cpCpu() - c0;
        log.info({ n, baselineMs }, 'baseline done');
      }

      const ns = `scale-${n}`;
      await mkNamespace(ns);
      const metricsPort = await freePort();
      const child = spawn(
        process.execPath,
        [
          ...nodeOptions,
          MAIN,
          `--kubeconfig=${cp.kubeconfig(OPERATOR_USER)}`,
          `--livekit-url=${LIVEKIT_URL}`,
          `--livekit-credentials-dir=${credentialsDir}`,
          `--namespace=${ns}`,
          `--metrics-bind-address=127.0.0.1:${metricsPort}`,
          '--health-probe-bind-address=0',
          `--max-concurrent-reconciles=${workers}`,
          '--log-level=warn',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      children.push(child);
      if (child.pid) trackPid(child.pid); // killed by the bench's exit/signal handlers too
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-4000);
      });
      const pid = child.pid ?? 0;
      await waitFor(
        'operator metrics',
        async () => (await metricsOf(metricsPort)).has('leader_election_master_status:sum'),
        120_000,
        500,
      ).catch((e: unknown) => {
        throw new Error(`${String(e)}\noperator stderr: ${stderr}`);
      });
      let t0 = 0;
      const track = tracker(admin, ns, n, () => t0);
      await track.synced();
      const loadAtStart = loadavg();
      const cpu0 = cpuSeconds(pid);
      const cp0 = cpCpu();
      t0 = Date.now();
      await pool(n, inFlight, async (i) => {
        await admin.create(SESSIONS, ns, sessionObject(ns, i));
      });
      const createdMs = Date.now() - t0;
      const progressLog = setInterval(
        () =>
          log.info({ ...track.progress(), seconds: Math.round((Date.now() - t0) / 1000), load: loadavg() }, 'progress'),
        30_000,
      );
      await waitFor(
        'all pods and statuses',
        async () => track.at.statuses > 0 && track.at.pods > 0,
        flags.convergeMinutes * 60_000,
        100,
      )
        .catch(async (e: unknown) => {
          const m = await metricsOf(metricsPort).catch(() => new Map<string, number>());
          const progress = { ...track.progress(), reconciles: m.get('controller_runtime_reconcile_total:sum') };
          throw new Error(`${String(e)}: ${JSON.stringify(progress)}\noperator stderr: ${stderr}`);
        })
        .finally(() => clearInterval(progressLog));
      const convergedAt = Date.now();
      const convergeMs = Math.max(track.at.pods, track.at.statuses);
      const cpuConverge = cpuSeconds(pid) - cpu0;
      const cpConverge = cpCpu() - cp0;
      const m1 = await metricsOf(metricsPort);
      // Quiet window: nothing changes, so nothing may be written (and little CPU spent).
      const cpuQ0 = cpuSeconds(pid);
      await new Promise((r) => setTimeout(r, quietSeconds * 1000));
      const cpuQuiet = cpuSeconds(pid) - cpuQ0;
      const m2 = await metricsOf(metricsPort);
      const peak = peakRssMiB(pid);
      await track.stop();
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      const during = requestsOf(auditPath, OPERATOR_USER, t0, convergedAt);
      const quiet = requestsOf(auditPath, OPERATOR_USER, convergedAt, convergedAt + quietSeconds * 1000);
      const restarts = [...m2].filter(([k]) => k.startsWith('lkbrowser_operator_watch_restarts_total{'));
      const row = {
        sessions: n,
        workers,
        'create all (s)': (createdMs / 1000).toFixed(1),
        'all pods (s)': (track.at.pods / 1000).toFixed(1),
        'all statuses (s)': (track.at.statuses / 1000).toFixed(1),
        'baseline (s)': (baselineMs / 1000).toFixed(1),
        ratio: (convergeMs / baselineMs).toFixed(2),
        // The control plane's own CPU for the baseline's requests (one fewer write per session than the operator
        // makes) spread over every core: no client can converge faster on this machine.
        'control-plane floor (s)': (baselineCpCpu / machine.cores).toFixed(1),
        'operator CPU (s)': cpuConverge.toFixed(1),
        'control plane CPU (s)': cpConverge.toFixed(1),
        'peak RSS (MiB)': peak.toFixed(0),
        'requests/session': (sum(during) / n).toFixed(2),
        'watch restarts': m2.get('lkbrowser_operator_watch_restarts_total:sum') ?? 0,
        'quiet req/s': (sum(quiet) / quietSeconds).toFixed(2),
        'quiet CPU %': ((cpuQuiet / quietSeconds) * 100).toFixed(0),
      };
      rows.push(row);
      results.push({
        ...row,
        loadAtStart,
        loadAtEnd: loadavg(),
        baselineControlPlaneCpuSeconds: baselineCpCpu,
        requestsDuring: Object.fromEntries(during),
        requestsQuiet: Object.fromEntries(quiet),
        watchRestarts: Object.fromEntries(restarts),
        reconcilesAtConvergence: m1.get('controller_runtime_reconcile_total:sum'),
        reconcilesInQuietWindow:
          (m2.get('controller_runtime_reconcile_total:sum') ?? 0) -
          (m1.get('controller_runtime_reconcile_total:sum') ?? 0),
        reconcileErrors: m2.get('controller_runtime_reconcile_errors_total:sum') ?? 0,
        heapUsedMiBAtConvergence: (m1.get('nodejs_heap_size_used_bytes:sum') ?? Number.NaN) / 2 ** 20,
        withinMemoryLimit: peak <= MEMORY_LIMIT_MIB,
        nodeOptions,
      });
      log.info(
        { row, requestsDuring: Object.fromEntries(during), requestsQuiet: Object.fromEntries(quiet) },
        'size done',
      );
    }
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await cp.stop();
  }
  process.stdout.write(`${table(rows)}\n`);
  process.stdout.write(`results: ${writeResult('operator-scale', { machine, workers, inFlight, rows: results })}\n`);
}

main().catch((e: unknown) => {
  log.error({ err: e }, 'operator-scale failed');
  process.exit(1);
});
