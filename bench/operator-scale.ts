// Operator scale on a real control plane (etcd + kube-apiserver + kube-controller-manager, no kubelet: pods stay
// Pending, so "pod created and status Pending/PodScheduled=False written" is the converged state of a session).
// For each size N, N BrowserSessions are created at once; measured: time until every pod exists and every status is
// written, the operator's CPU seconds and peak RSS (/proc), API requests per session (the apiserver's audit log,
// operator user only), watch restarts / relists, and the operator's request rate in a quiet window after convergence.
//
//   node bench/operator-scale.ts [--sizes 1000,5000] [--workers 4] [--quiet-seconds 30]
//
// Targets (issue #14): 5,000 sessions converge in ≤ 60 s, peak RSS within the chart's operator limit (256 Mi), no
// request storm after convergence.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { type BrowserSession, ClientNodeKube, PODS, SESSIONS } from '@lkbrowser/operator';
import { startKubeControlPlane, waitFor } from '@lkbrowser/testkit';
import { type BenchSpec, benchFlags } from './lib/cli.ts';
import { CLK_TCK, log, machineInfo, table, trackPid, watchdog, writeResult } from './lib/common.ts';

const FLAGS = {
  sizes: { flag: 'sizes', kind: 'string', default: '1000,5000', arg: 'n,...', help: 'session counts, one round each' },
  workers: { flag: 'workers', kind: 'number', default: 4, min: 1, integer: true, help: 'operator reconcile workers' },
  quietSeconds: {
    flag: 'quiet-seconds',
    kind: 'number',
    default: 30,
    min: 1,
    help: 'quiet window after convergence, s',
  },
} as const satisfies Record<string, BenchSpec>;
const flags = benchFlags('operator-scale.ts', 'Operator scale on a real control plane (no kubelet).', FLAGS);
const sizes = flags.sizes.split(',').map((s) => (/^\s*\d+\s*$/.test(s) ? Number(s) : Number.NaN));
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) {
  console.error(`operator-scale.ts: --sizes: expected a comma list of counts >= 1, got "${flags.sizes}"`);
  process.exit(2);
}
const workers = flags.workers;
const quietSeconds = flags.quietSeconds;

const CRD = fileURLToPath(new URL('../crds/browsersession.yaml', import.meta.url));
const MAIN = fileURLToPath(new URL('../operator/src/main.ts', import.meta.url));
const OPERATOR_USER = 'lkb-operator';
const MEMORY_LIMIT_MIB = 256; // helm/lkbrowser/values.yaml operator.resources.limits.memory

interface Audit {
  verb: string;
  stage: string;
  user: { username: string };
  objectRef?: { resource?: string; subresource?: string };
  requestReceivedTimestamp?: string;
}

function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / CLK_TCK; // utime + stime
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

/** The operator's requests in the audit log, completed within [fromMs, toMs). */
function operatorRequests(auditPath: string, fromMs: number, toMs: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of readFileSync(auditPath, 'utf8').split('\n')) {
    if (!line.includes(`"username":"${OPERATOR_USER}"`)) continue;
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

async function main(): Promise<void> {
  watchdog(60);
  const machine = machineInfo();
  log.info({ sizes, workers }, 'starting the control plane');
  const cp = await startKubeControlPlane({ audit: true, users: [{ name: OPERATOR_USER, groups: ['system:masters'] }] });
  const children: ChildProcess[] = [];
  const rows: Record<string, string | number>[] = [];
  const results: unknown[] = [];
  try {
    await cp.kubectl(['apply', '-f', CRD]);
    await cp.kubectl(['wait', '--for=condition=Established', 'crd/browsersessions.lkbrowser.dev', '--timeout=120s']);
    const kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfig('admin'));
    const admin = new ClientNodeKube(kc);
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

    for (const n of sizes) {
      const ns = `scale-${n}`;
      await admin.create({ group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace' }, '', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns },
      });
      const metricsPort = await freePort();
      const child = spawn(
        process.execPath,
        [
          MAIN,
          `--kubeconfig=${cp.kubeconfig(OPERATOR_USER)}`,
          '--livekit-url=wss://livekit.example.com',
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
      const cpu0 = cpuSeconds(pid);
      const t0 = Date.now();
      // Create all sessions "at once": 64 requests in flight.
      let next = 0;
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          for (let i = next++; i < n; i = next++) {
            await admin.create(SESSIONS, ns, {
              apiVersion: 'lkbrowser.dev/v1alpha1',
              kind: 'BrowserSession',
              metadata: { name: `s-${i}`, namespace: ns },
              spec: { url: 'https://example.com', room: `room-${i}` },
            } as unknown as BrowserSession);
          }
        }),
      );
      const createdMs = Date.now() - t0;
      let podsAt = 0;
      let statusAt = 0;
      await waitFor(
        `${n} pods and statuses`,
        async () => {
          if (!podsAt && (await admin.list(PODS, ns)).items.length === n) podsAt = Date.now() - t0;
          if (!podsAt) return false;
          const items = (
            await admin.list<{ metadata: object; status?: { phase?: string; podName?: string } }>(SESSIONS, ns)
          ).items;
          if (items.length === n && items.every((s) => s.status?.phase === 'Pending' && s.status.podName))
            statusAt = Date.now() - t0;
          return statusAt > 0;
        },
        20 * 60_000,
        1000,
      ).catch((e: unknown) => {
        throw new Error(`${String(e)}\noperator stderr: ${stderr}`);
      });
      const convergedAt = Date.now();
      const cpuConverge = cpuSeconds(pid) - cpu0;
      const m1 = await metricsOf(metricsPort);
      // Quiet window: converged sessions are requeued every 5 s (--starting-requeue); that must not become requests.
      const cpuQ0 = cpuSeconds(pid);
      await new Promise((r) => setTimeout(r, quietSeconds * 1000));
      const cpuQuiet = cpuSeconds(pid) - cpuQ0;
      const m2 = await metricsOf(metricsPort);
      const peak = peakRssMiB(pid);
      const during = operatorRequests(auditPath, t0, convergedAt);
      const quiet = operatorRequests(auditPath, convergedAt, convergedAt + quietSeconds * 1000);
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      const row = {
        sessions: n,
        workers,
        'create all (s)': (createdMs / 1000).toFixed(1),
        'all pods (s)': (podsAt / 1000).toFixed(1),
        'all statuses (s)': (statusAt / 1000).toFixed(1),
        'operator CPU (s)': cpuConverge.toFixed(1),
        'peak RSS (MiB)': peak.toFixed(0),
        'requests/session': (sum(during) / n).toFixed(2),
        'watch restarts': m2.get('lkbrowser_operator_watch_restarts_total:sum') ?? 0,
        'quiet req/s': (sum(quiet) / quietSeconds).toFixed(2),
        'quiet CPU %': ((cpuQuiet / quietSeconds) * 100).toFixed(0),
      };
      rows.push(row);
      results.push({
        ...row,
        requestsDuring: Object.fromEntries(during),
        requestsQuiet: Object.fromEntries(quiet),
        reconcilesAtConvergence: m1.get('controller_runtime_reconcile_total:sum'),
        reconcileErrors: m2.get('controller_runtime_reconcile_errors_total:sum') ?? 0,
        withinMemoryLimit: peak <= MEMORY_LIMIT_MIB,
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
  process.stdout.write(`results: ${writeResult('operator-scale', { machine, workers, rows: results })}\n`);
}

main().catch((e: unknown) => {
  log.error({ err: e }, 'operator-scale failed');
  process.exit(1);
});
