// Startup: pipeline process spawned → first video frame handed to the VideoSource ("published") → first frame
// decoded by a subscriber that joined the room before the spawn. Static page, one fresh process per run
// (cold Node + Chromium start; the OS page cache is warm after the first run).
// Runtime pipelines also report when each of their start-up steps ended (lkb_startup_step_timestamp_seconds on
// /metrics, runtime/src/startup-timeline.ts: Node up, Xvfb, PulseAudio, Chromium launch, CDP, first paint, room join,
// track publish, first frame published); the breakdown table gives each step's end (ms after spawn) and duration.
// BENCH_PIPELINES=ours,baseline,screencast adds the runtime as it is on main (BENCH_BASELINE_REF) for before/after.
// Usage: node bench/startup.ts [--runs 5] [--fps 30] [--sizes 1280x720]
import './lib/quiet.ts';
import { randomUUID } from 'node:crypto';
import {
  failures,
  fmtSpread,
  loadavg,
  log,
  machineInfo,
  retryOnce,
  type Sfu,
  sleep,
  spread,
  table,
  watchdog,
  writeResult,
} from './lib/common.ts';
import { type BenchSpec, benchFlags } from './lib/cli.ts';
import { type PageServer } from './lib/pages.ts';
import { withFixtures, kindsForRun } from './lib/fixtures.ts';
import { compareRows } from './lib/compare.ts';
import { KINDS, type PipelineKind, startPipeline } from './lib/pipelines.ts';
import { joinViewer } from './lib/viewer.ts';
import { withTimeout } from '@lkbrowser/testkit';

export interface StartupOptions {
  runs: number;
  fps: number;
  sizes: Array<[number, number]>;
}

export interface StartupRun {
  kind: PipelineKind;
  mode: string;
  width: number;
  height: number;
  run: number;
  /** ms from spawn */
  firstPublished: number;
  /** the subscriber's TrackSubscribed for the browser video */
  trackSubscribed: number;
  /** the first decoded frame that is not black (ours sends black frames until its first captured frame) */
  firstReceived: number;
  /** ms after spawn at which each start-up step ended (runtime pipelines) */
  steps: Record<string, number>;
  loadavg: string;
  error?: string;
}

/**
 * The breakdown rows: [label, step whose end is shown, step it starts from (for the duration)]. Steps overlap since
 * the room is joined while the engine starts, so the ends (after spawn) tell the critical path, the durations the
 * cost of each step.
 */
export const STEPS: ReadonlyArray<[string, string, string | undefined]> = [
  ['Node + runtime modules loaded', 'runtime_started', undefined],
  ['engine host spawned', 'host_spawn', 'runtime_started'],
  ['Xvfb up (+ X setup)', 'xvfb', 'host_spawn'],
  ['PulseAudio up (audio on only)', 'pulse', 'xvfb'],
  ['Chromium launch → DevTools port', 'chromium_started', 'host_ready'],
  ['CDP connected', 'cdp_connected', 'chromium_started'],
  ['first paint captured', 'first_paint', 'chromium_started'],
  ['room joined', 'room_connected', 'room_connect_started'],
  ['track published', 'track_published', 'room_connected'],
  ['first frame published', 'first_frame_published', undefined],
];

/** Step ends relative to `spawnedAt` (wall ms in, ms after spawn out). */
export function relativeSteps(wall: Record<string, number>, spawnedAt: number): Record<string, number> {
  return Object.fromEntries(Object.entries(wall).map(([k, v]) => [k, v - spawnedAt]));
}

async function oneRun(
  sfu: Sfu,
  pages: PageServer,
  kind: PipelineKind,
  w: number,
  h: number,
  run: number,
  o: StartupOptions,
): Promise<StartupRun> {
  const room = `start-${kind}-${run}-${randomUUID().slice(0, 8)}`;
  const viewer = await joinViewer(sfu, room, 'viewer', 'browser');
  const la = loadavg();
  const p = await startPipeline(kind, {
    sfu,
    room,
    identity: 'browser',
    url: pages.url('static'),
    width: w,
    height: h,
    fps: o.fps,
    maxSeconds: 150,
  });
  try {
    const pub = await withTimeout(`${kind} first frame`, p.firstFrame, 90_000);
    await viewer.waitVideo(30_000);
    for (let i = 0; i < 3000 && viewer.firstContentAt === undefined; i++) await sleep(10);
    const steps = relativeSteps(await p.startupSteps().catch(() => ({})), p.spawnedAt);
    return {
      steps,
      kind,
      mode: p.mode,
      width: w,
      height: h,
      run,
      firstPublished: pub - p.spawnedAt,
      trackSubscribed: (viewer.subscribedAt ?? Number.NaN) - p.spawnedAt,
      firstReceived: (viewer.firstContentAt ?? Number.NaN) - p.spawnedAt,
      loadavg: la,
    };
  } catch (e) {
    log.error({ kind, run, err: (e as Error).message }, 'startup run failed');
    return {
      kind,
      mode: p.mode,
      width: w,
      height: h,
      run,
      firstPublished: Number.NaN,
      trackSubscribed: Number.NaN,
      firstReceived: Number.NaN,
      steps: {},
      loadavg: la,
      error: (e as Error).message,
    };
  } finally {
    await p.stop();
    await viewer.close();
    await sleep(500);
  }
}

export async function run(o: StartupOptions): Promise<{
  runs: StartupRun[];
  rows: Record<string, string | number>[];
  breakdown: Record<string, string | number>[];
}> {
  const runs: StartupRun[] = [];
  const breakdown: Record<string, string | number>[] = [];
  await withFixtures(async (sfu, pages) => {
    for (const [w, h] of o.sizes) {
      for (let i = 0; i < o.runs; i++) {
        for (const kind of kindsForRun(i)) {
          const r = await retryOnce(
            'startup',
            kind,
            `${w}x${h} run ${i}`,
            () => oneRun(sfu, pages, kind, w, h, i, o),
            (x) => x.error,
          );
          log.info({ ...r }, 'startup run');
          runs.push(r);
        }
      }
    }
  });
  const rows: Record<string, string | number>[] = [];
  for (const [w, h] of o.sizes) {
    const agg = (k: PipelineKind) => {
      const rs = runs.filter((r) => r.kind === k && r.width === w && !r.error);
      return {
        pub: spread(rs.map((r) => r.firstPublished)),
        sub: spread(rs.map((r) => r.trackSubscribed)),
        recv: spread(rs.map((r) => r.firstReceived)),
        n: rs.length,
      };
    };
    rows.push(
      ...compareRows(
        KINDS,
        agg,
        (_k, v) => ({
          'spawn→first published ms': fmtSpread(v.pub, 0),
          'spawn→track subscribed ms': fmtSpread(v.sub, 0),
          'spawn→first received ms': fmtSpread(v.recv, 0),
          runs: v.n,
        }),
        (v) => ({
          'spawn→first published ms': v.pub,
          'spawn→track subscribed ms': v.sub,
          'spawn→first received ms': v.recv,
        }),
        { case: `${w}x${h}` },
      ),
    );
  }
  for (const [w, h] of o.sizes) {
    for (const k of KINDS) {
      const rs = runs.filter((r) => r.kind === k && r.width === w && !r.error && Object.keys(r.steps).length > 0);
      if (rs.length === 0) continue;
      for (const [label, end, from] of STEPS) {
        const ends = spread(rs.map((r) => r.steps[end] ?? Number.NaN));
        if (ends.n === 0) continue;
        const durs = spread(
          rs.map((r) => (from ? (r.steps[end] ?? Number.NaN) - (r.steps[from] ?? Number.NaN) : Number.NaN)),
        );
        breakdown.push({
          case: `${w}x${h}`,
          pipeline: k,
          step: label,
          'ends at ms after spawn': fmtSpread(ends, 0),
          'duration ms': fmtSpread(durs, 0),
        });
      }
    }
  }
  return { runs, rows, breakdown };
}

const FLAGS = {
  runs: {
    flag: 'runs',
    kind: 'number',
    default: 5,
    min: 1,
    integer: true,
    help: 'runs per case (one fresh process each)',
  },
  fps: { flag: 'fps', kind: 'number', default: 30, min: 1, help: 'target frame rate' },
  sizes: { flag: 'sizes', kind: 'sizes', default: '1280x720', help: 'viewport sizes' },
} as const satisfies Record<string, BenchSpec>;

if (import.meta.main) {
  const f = benchFlags(
    'startup.ts',
    'Startup: process spawn → first frame, ours vs the CDP screencast pipeline.',
    FLAGS,
  );
  watchdog(20);
  const o: StartupOptions = { runs: f.runs, fps: f.fps, sizes: f.sizes };
  const machine = machineInfo();
  const { runs, rows, breakdown } = await run(o);
  console.log('\nStartup (process spawn → first frame), median (min–max) over runs\n');
  console.log(table(rows));
  console.log('\nStart-up steps of the runtime (from its lkb_startup_step_timestamp_seconds), median (min–max)\n');
  console.log(table(breakdown));
  for (const f of failures) console.log(`failed (retried once): ${f.kind} ${f.what}: ${f.error}`);
  const file = writeResult('startup', {
    machine,
    options: o,
    loadavgAtEnd: loadavg(),
    failures,
    runs,
    rows,
    breakdown,
  });
  console.log(
    `\nmachine: ${machine.cores} cores ${machine.cpuModel}, load at start ${machine.loadavgAtStart}, at end ${loadavg()}\nwrote ${file}`,
  );
  process.exit(0);
}
