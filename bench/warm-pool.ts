// Warm pool: BrowserSession claim → first frame in the room, with real runtime processes as the pool's pods.
// A real control plane (etcd + kube-apiserver + kube-controller-manager), the operator in this process with
// --warm-pools, the real livekit-server, and bench/lib/pod-runner.ts playing the kubelet (each pool pod a runtime
// process started with the pod's environment, reachable at its own 127.0.0.N). Per run: a viewer joins the room,
// the bench creates a BrowserSession naming the pool, and measures to the viewer's first decoded frame
//   - from the runtime's claim (POST /claim accepted) — the figure the target is about;
//   - from the BrowserSession create (adds the operator's watch → reconcile → claim patch → POST /claim);
// and each step of the claim path between (bench/lib/claim-steps.ts): the claimed runtime's own step ends, read from
// its /metrics (lkb_startup_step_timestamp_seconds, the start-up timeline), and the viewer's.
// Runs are sequential; before each one the pool is back at full strength (every runtime warm).
// Usage: node bench/warm-pool.ts [--runs 10] [--pool 2] [--size 1280x720]
import './lib/quiet.ts';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import {
  type BrowserSession,
  ClientNodeKube,
  defaultConfig,
  Operator,
  parsePolicy,
  SESSIONS,
} from '@lkbrowser/operator';
import { type BrowserPool, claimKeyFrom, POOLS, roomTokenMinter } from '@lkbrowser/operator/browserpool';
import { startKubeControlPlane, waitFor, withTimeout } from '@lkbrowser/testkit';
import { pino } from 'pino';
import { benchFlags } from './lib/cli.ts';
import {
  loadavg,
  log,
  machineInfo,
  percentile,
  sleep,
  startSfu,
  table,
  wallMs,
  watchdog,
  writeResult,
} from './lib/common.ts';
import { startPageServer } from './lib/pages.ts';
import { CLAIM_STEPS, parseStepGauge, stepDurations } from './lib/claim-steps.ts';
import { PodRunner } from './lib/pod-runner.ts';
import { joinViewer } from './lib/viewer.ts';

const FLAGS = {
  runs: { flag: 'runs', kind: 'number', default: 10, min: 1, integer: true, help: 'claims measured (sequential)' },
  pool: { flag: 'pool', kind: 'number', default: 2, min: 1, integer: true, help: 'BrowserPool spec.replicas' },
  size: { flag: 'size', kind: 'sizes', default: '1280x720', help: 'viewport of the pool and the sessions' },
} as const;

const crd = (name: string) => fileURLToPath(new URL(`../crds/${name}.yaml`, import.meta.url));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface RunResult {
  run: number;
  pod: string;
  /** Wall ms of each step: the claimed runtime's (claim-steps.ts), the viewer's and the session's create. */
  steps: Record<string, number>;
  /** ms per CLAIM_STEPS row. */
  durations: number[];
  loadavg: string;
}

async function main(): Promise<void> {
  const f = benchFlags(
    'warm-pool.ts',
    'Warm pool: claim → first frame in the room (real control plane + runtimes).',
    FLAGS,
  );
  watchdog(30);
  const [w, h] = f.size[0] as [number, number];
  const sfu = await startSfu();
  const pages = await startPageServer();
  const cp = await startKubeControlPlane();
  const cleanups: Array<() => Promise<unknown>> = [() => cp.stop(), () => pages.close(), () => sfu.close()];
  const runs: RunResult[] = [];
  try {
    for (const name of ['browsersession', 'browserpool']) {
      await cp.kubectl(['apply', '-f', crd(name)]);
      await cp.kubectl(['wait', '--for=condition=Established', `crd/${name}s.lkbrowser.dev`, '--timeout=120s']);
    }
    const kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfig('admin'));
    const client = new ClientNodeKube(kc);
    const ns = 'bench';
    await cp.kubectl(['create', 'namespace', ns]);
    await waitFor('CRDs served', async () => (await client.list(POOLS, ns)).items !== undefined, 60_000, 200);
    const port = await freePort();
    const op = new Operator({
      config: {
        ...defaultConfig(),
        namespaces: [ns],
        livekitUrl: sfu.url,
        runtimePort: port,
        healthProbeBindAddress: '0',
        metricsBindAddress: '0',
        startingRequeueMs: 500,
        runningRequeueMs: 2000,
        maxConcurrentReconciles: 2,
        warmPools: true,
      },
      client,
      // The default admin policy, but the bench's pages are served on loopback: the admin allows private networks.
      policy: parsePolicy({ allowPrivateNetworks: true }),
      log: pino({ level: process.env.LKB_BENCH_OPERATOR_LOG ?? 'warn' }, pino.destination(2)),
      warmPools: {
        claimKey: claimKeyFrom({}).key,
        mint: roomTokenMinter(() => ({ apiKey: sfu.apiKey, apiSecret: sfu.apiSecret }), 600),
      },
    });
    await op.start();
    cleanups.unshift(() => op.stop());
    const runner = new PodRunner(client, ns, port);
    runner.start();
    cleanups.unshift(() => runner.stop());

    await client.create(POOLS, ns, {
      apiVersion: 'lkbrowser.dev/v1alpha1',
      kind: 'BrowserPool',
      metadata: { name: 'warm', namespace: ns },
      spec: { replicas: f.pool, allowPrivateNetworks: true, viewport: { width: w, height: h, framerate: 30 } },
    } as unknown as BrowserPool);
    const fullPool = () =>
      waitFor(
        'pool at full strength',
        async () => {
          const st = (await client.get<BrowserPool>(POOLS, ns, 'warm'))?.status;
          return st?.readyReplicas === f.pool && st.startingReplicas === 0;
        },
        180_000,
        100,
      );
    await fullPool();
    log.info({ pool: f.pool }, 'pool ready');

    for (let i = 0; i < f.runs; i++) {
      await fullPool();
      await sleep(1000); // let the refill's start-up CPU settle before the next measurement
      const room = `${ns}.warm-${i}-${Date.now().toString(36)}`; // the default policy: rooms start with the namespace
      const identity = `browser-${i}`;
      const viewer = await joinViewer(sfu, room, 'viewer', identity);
      const la = loadavg();
      const t0 = wallMs();
      await client.create(SESSIONS, ns, {
        apiVersion: 'lkbrowser.dev/v1alpha1',
        kind: 'BrowserSession',
        metadata: { name: `s${i}`, namespace: ns },
        spec: {
          url: pages.url('static'),
          room,
          participant: { identity },
          pool: { name: 'warm' },
          viewport: { width: w, height: h, framerate: 30 },
          navigation: { allowPrivateNetworks: true },
        },
      } as unknown as BrowserSession);
      try {
        await viewer.waitVideo(60_000);
        await withTimeout(
          'first frame',
          waitFor('first frame', () => viewer.firstFrameAt, 60_000, 5),
          61_000,
        );
        const s = await waitFor(
          'session names its pod',
          async () => (await client.get<BrowserSession>(SESSIONS, ns, `s${i}`))?.status?.podName,
          30_000,
          50,
        );
        const pod = String(s).split('/')[1] ?? '';
        // A frame that is not black follows at once when the first one was the page (the usual case).
        await waitFor('first content frame', () => viewer.firstContentAt, 3000, 5).catch(() => undefined);
        const base = runner.address(pod);
        if (!base) throw new Error(`pod ${pod} has no runtime process`);
        const runtimeSteps = await waitFor(
          'the runtime reports its claim steps',
          async () => {
            const st = parseStepGauge(await (await fetch(`${base}/metrics`)).text());
            return st.claimed !== undefined && st.first_subscriber !== undefined ? st : undefined;
          },
          10_000,
          50,
        );
        const steps: Record<string, number> = {
          ...runtimeSteps,
          session_created: t0,
          viewer_subscribed: viewer.subscribedAt ?? Number.NaN,
          viewer_first_frame: viewer.firstFrameAt as number,
          viewer_first_content: viewer.firstContentAt ?? Number.NaN,
        };
        const durations = stepDurations(steps);
        const r: RunResult = { run: i, pod, steps, durations, loadavg: la };
        log.info(
          {
            run: i,
            pod,
            ms: Object.fromEntries(CLAIM_STEPS.map(([l], k) => [l.trim(), Math.round(durations[k] ?? Number.NaN)])),
            loadavg: la,
          },
          'warm run',
        );
        runs.push(r);
      } finally {
        await viewer.close();
        await client.delete(SESSIONS, ns, `s${i}`);
      }
    }
  } finally {
    for (const c of cleanups) await c().catch((e: unknown) => log.warn({ err: (e as Error).message }, 'cleanup'));
  }
  // A step whose log line was missed (NaN) leaves that sample out of that row only.
  const row = (what: string, all: number[], v = all.filter(Number.isFinite)) => ({
    measure: what,
    n: v.length,
    p50: Math.round(percentile(v, 50)),
    p95: Math.round(percentile(v, 95)),
    min: Math.round(Math.min(...v)),
    max: Math.round(Math.max(...v)),
  });
  const rows = CLAIM_STEPS.map(([label], k) =>
    row(
      `${label}, ms`,
      runs.map((r) => r.durations[k] ?? Number.NaN),
    ),
  );
  const loads = runs.map((r) => Number(r.loadavg.split(' ')[0]));
  console.log(
    `\nWarm pool (${sfu.label}, pool ${f.pool}, ${w}x${h}, ${runs.length} sessions, 1-min load average ` +
      `${Math.min(...loads)}–${Math.max(...loads)} on ${machineInfo().cores} cores)\n`,
  );
  console.log(table(rows));
  const file = writeResult('warm-pool', { machine: machineInfo(), options: f, runs, rows, loadavgAtEnd: loadavg() });
  console.log(`\nresults: ${file}`);
  process.exit(0);
}

main().catch((e: unknown) => {
  log.error({ err: (e as Error).stack ?? String(e) }, 'warm-pool bench failed');
  process.exit(1);
});
