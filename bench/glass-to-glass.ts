// Glass-to-glass latency: page draw (rAF) → frame decoded by an rtc-node subscriber, ours vs CDP screencast.
// The test page draws a 16-bit frame counter as black/white blocks (plus the complement row) every rAF and records
// performance.timeOrigin + performance.now() per counter value; the subscriber reads the counter from the decoded
// pixels and time-stamps each counter's first arrival with the same wall clock; page timestamps are fetched over CDP
// at the end (bench/lib/glass-to-glass.ts). Then, per size, one latency-budget run of ours (bench/lib/latency-budget.ts: where the time goes, per
// stage). Usage: node bench/glass-to-glass.ts [--runs 3] [--seconds 10] [--fps 30] [--sizes 1280x720,1920x1080]
// [--no-budget]
import './lib/quiet.ts';
import { randomUUID } from 'node:crypto';
import {
  failures,
  fmtSpread,
  log,
  loadavg,
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
import { fetchPageStamps, latencies, readCounterFrom, recordCounters } from './lib/glass-to-glass.ts';
import { withFixtures, kindsForRun } from './lib/fixtures.ts';
import { compareRows } from './lib/compare.ts';
import { KINDS, type PipelineKind, startPipeline } from './lib/pipelines.ts';
import { joinViewer } from './lib/viewer.ts';
import { type Budget, budgetRows, budgetRun } from './lib/latency-budget.ts';
import { withTimeout } from '@lkbrowser/testkit';

export interface G2GOptions {
  runs: number;
  seconds: number;
  warmupSeconds: number;
  fps: number;
  sizes: Array<[number, number]>;
  /** one latency-budget run of ours per size (default true) */
  budget?: boolean;
}

export interface G2GRun {
  kind: PipelineKind;
  mode: string;
  width: number;
  height: number;
  run: number;
  samples: number;
  p50: number;
  p95: number;
  min: number;
  max: number;
  receivedFps: number;
  publishedFps: number;
  /** rAF callbacks per second in the page during the window (diagnoses a page that stopped rendering) */
  pageRafPerS: number;
  distinctCountersPerS: number;
  ambiguousFrames: number;
  missingTimestamps: number;
  negative: number;
  frameSize: string;
  loadavg: string;
  error?: string;
}

async function oneRun(
  sfu: Sfu,
  pages: PageServer,
  kind: PipelineKind,
  w: number,
  h: number,
  run: number,
  o: G2GOptions,
): Promise<G2GRun> {
  const room = `g2g-${kind}-${w}x${h}-${run}-${randomUUID().slice(0, 8)}`;
  const viewer = await joinViewer(sfu, room, 'viewer', 'browser');
  const p = await startPipeline(kind, {
    sfu,
    room,
    identity: 'browser',
    url: pages.url('counter'),
    width: w,
    height: h,
    fps: o.fps,
    maxSeconds: 120 + o.seconds,
  });
  const base: G2GRun = {
    kind,
    mode: p.mode,
    width: w,
    height: h,
    run,
    samples: 0,
    p50: Number.NaN,
    p95: Number.NaN,
    min: Number.NaN,
    max: Number.NaN,
    receivedFps: Number.NaN,
    publishedFps: Number.NaN,
    pageRafPerS: Number.NaN,
    distinctCountersPerS: Number.NaN,
    ambiguousFrames: 0,
    missingTimestamps: 0,
    negative: 0,
    frameSize: '',
    loadavg: loadavg(),
  };
  try {
    await withTimeout(`${kind} first frame`, p.firstFrame, 90_000);
    await viewer.waitVideo(30_000);
    await sleep(o.warmupSeconds * 1000);
    const rec = recordCounters(viewer);
    const pub0 = await p.framesPublished();
    await sleep(o.seconds * 1000);
    const win = rec.stop();
    const secs = win.seconds;
    const publishedFps = ((await p.framesPublished()) - pub0) / secs;
    const { ts, rafs } = await fetchPageStamps(p, [...win.firstSeen.keys()], win.w0, win.w1);
    const { lat, p50, p95, missing, negative } = latencies(win.firstSeen, ts);
    return {
      ...base,
      samples: lat.length,
      p50,
      p95,
      min: lat.length ? Math.min(...lat) : Number.NaN,
      max: lat.length ? Math.max(...lat) : Number.NaN,
      receivedFps: win.frames / secs,
      publishedFps,
      pageRafPerS: rafs / secs,
      distinctCountersPerS: win.firstSeen.size / secs,
      ambiguousFrames: win.ambiguous,
      missingTimestamps: missing,
      negative,
      frameSize: win.size,
    };
  } catch (e) {
    log.error({ kind, w, h, run, err: (e as Error).message }, 'glass-to-glass run failed');
    return { ...base, error: (e as Error).message };
  } finally {
    await p.stop();
    await viewer.close();
  }
}

export async function run(o: G2GOptions): Promise<{
  runs: G2GRun[];
  rows: Record<string, string | number>[];
  budgets: Budget[];
  budgetRows: Record<string, string | number>[];
}> {
  const runs: G2GRun[] = [];
  const budgets: Budget[] = [];
  await withFixtures(async (sfu, pages) => {
    if (o.budget !== false && KINDS.includes('ours'))
      for (const [w, h] of o.sizes) {
        const b = await budgetRun(sfu, pages, w, h, {
          seconds: o.seconds,
          warmupSeconds: o.warmupSeconds,
          fps: o.fps,
          readCounter: readCounterFrom,
        });
        log.info({ ...b }, 'latency budget run');
        budgets.push(b);
      }
    for (const [w, h] of o.sizes) {
      for (let i = 0; i < o.runs; i++) {
        for (const kind of kindsForRun(i)) {
          const r = await retryOnce(
            'glass-to-glass',
            kind,
            `${w}x${h} run ${i}`,
            () => oneRun(sfu, pages, kind, w, h, i, o),
            (x) => x.error,
          );
          log.info({ ...r }, 'glass-to-glass run');
          runs.push(r);
        }
      }
    }
  });
  const rows: Record<string, string | number>[] = [];
  for (const [w, h] of o.sizes) {
    const agg = (k: PipelineKind) => {
      const rs = runs.filter((r) => r.kind === k && r.width === w && r.height === h && !r.error);
      return {
        p50: spread(rs.map((r) => r.p50)),
        p95: spread(rs.map((r) => r.p95)),
        fps: spread(rs.map((r) => r.receivedFps)),
        n: rs.length,
      };
    };
    rows.push(
      ...compareRows(
        KINDS,
        agg,
        (_k, v) => ({
          'p50 ms': fmtSpread(v.p50),
          'p95 ms': fmtSpread(v.p95),
          'recv fps': fmtSpread(v.fps),
          runs: v.n,
        }),
        (v) => ({ 'p50 ms': v.p50, 'p95 ms': v.p95, 'recv fps': v.fps }),
        { case: `${w}x${h} @${o.fps}fps` },
      ),
    );
  }
  return { runs, rows, budgets, budgetRows: budgets.flatMap((b) => (b.error ? [] : budgetRows(b))) };
}

const FLAGS = {
  runs: { flag: 'runs', kind: 'number', default: 3, min: 1, integer: true, help: 'runs per case' },
  seconds: { flag: 'seconds', kind: 'number', default: 10, help: 'measuring window, s' },
  warmup: { flag: 'warmup', kind: 'number', default: 3, help: 'warm-up before each window, s' },
  fps: { flag: 'fps', kind: 'number', default: 30, min: 1, help: 'target frame rate' },
  sizes: { flag: 'sizes', kind: 'sizes', default: '1280x720,1920x1080', help: 'viewport sizes' },
  budget: { flag: 'budget', kind: 'boolean', default: true, help: 'one latency-budget run of ours per size' },
} as const satisfies Record<string, BenchSpec>;

if (import.meta.main) {
  const f = benchFlags('glass-to-glass.ts', 'Glass-to-glass latency: ours vs the CDP screencast pipeline.', FLAGS);
  watchdog(30);
  const o: G2GOptions = {
    runs: f.runs,
    seconds: f.seconds,
    warmupSeconds: f.warmup,
    fps: f.fps,
    sizes: f.sizes,
    budget: f.budget,
  };
  const machine = machineInfo();
  const { runs, rows, budgets, budgetRows: brows } = await run(o);
  console.log(`\nGlass-to-glass latency (page rAF draw → decoded at the subscriber), median (min–max) over runs\n`);
  console.log(table(rows));
  if (brows.length) {
    console.log('\nLatency budget of ours (one run per size, engine + session in one process tapping its paints)\n');
    console.log(table(brows));
  }
  for (const f of failures) console.log(`failed (retried once): ${f.kind} ${f.what}: ${f.error}`);
  const file = writeResult('glass-to-glass', {
    machine,
    options: o,
    loadavgAtEnd: loadavg(),
    failures,
    runs,
    rows,
    budgets,
  });
  console.log(
    `\nmachine: ${machine.cores} cores ${machine.cpuModel}, load at start ${machine.loadavgAtStart}, at end ${loadavg()}\nwrote ${file}`,
  );
  process.exit(0);
}
