// Glass-to-glass latency: page draw (rAF) → frame decoded by an rtc-node subscriber, ours vs CDP screencast.
// The test page draws a 16-bit frame counter as black/white blocks (plus the complement row) every rAF and records
// performance.timeOrigin + performance.now() per counter value; the subscriber reads the counter from the decoded
// pixels and time-stamps each counter's first arrival with the same wall clock; page timestamps are fetched over CDP
// at the end. Then, per size, one latency-budget run of ours (bench/lib/latency-budget.ts: where the time goes, per
// stage). Usage: node bench/glass-to-glass.ts [--runs 3] [--seconds 10] [--fps 30] [--sizes 1280x720,1920x1080]
// [--no-budget]
import './lib/quiet.ts';
import { randomUUID } from 'node:crypto';
import type { VideoFrame } from '@livekit/rtc-node';
import { PageDriver } from '@lkbrowser/native/cdp';
import {
  failures,
  fmtSpread,
  log,
  loadavg,
  machineInfo,
  percentile,
  retryOnce,
  type Sfu,
  sleep,
  spread,
  table,
  wallMs,
  watchdog,
  writeResult,
} from './lib/common.ts';
import { type BenchSpec, benchFlags } from './lib/cli.ts';
import { COUNTER_BITS, type PageServer } from './lib/pages.ts';
import { withFixtures, kindsForRun } from './lib/fixtures.ts';
import { compareRows } from './lib/compare.ts';
import { KINDS, type PipelineKind, startPipeline } from './lib/pipelines.ts';
import { joinViewer, lumaSampler } from './lib/viewer.ts';
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

/** Reads the counter from a decoded frame; undefined if any bit is ambiguous. */
export function readCounter(f: VideoFrame): number | undefined {
  return readCounterFrom(lumaSampler(f));
}

/** The counter from any luma sampler (a decoded frame, or a captured frame's grid). */
export function readCounterFrom(s: {
  width: number;
  mean(x0: number, y0: number, x1: number, y1: number): number;
}): number | undefined {
  const b = s.width / COUNTER_BITS;
  let v = 0;
  for (let i = 0; i < COUNTER_BITS; i++) {
    const x0 = Math.round(i * b + b / 4);
    const x1 = Math.round(i * b + (3 * b) / 4);
    const top = s.mean(x0, Math.round(b / 4), x1, Math.round((3 * b) / 4));
    const bottom = s.mean(x0, Math.round(b + b / 4), x1, Math.round(b + (3 * b) / 4));
    const d = top - bottom;
    if (!(Math.abs(d) >= 50)) return undefined;
    v = (v << 1) | (d > 0 ? 1 : 0);
  }
  return v;
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
    const firstSeen = new Map<number, number>();
    let frames = 0;
    let ambiguous = 0;
    let size = '';
    viewer.onFrame((f, at) => {
      frames++;
      size = `${f.width}x${f.height}`;
      const c = readCounter(f);
      if (c === undefined) ambiguous++;
      else if (!firstSeen.has(c)) firstSeen.set(c, at);
    });
    const pub0 = await p.framesPublished();
    const w0 = wallMs();
    const t0 = performance.now();
    await sleep(o.seconds * 1000);
    viewer.onFrame(undefined);
    const secs = (performance.now() - t0) / 1000;
    const publishedFps = ((await p.framesPublished()) - pub0) / secs;
    const w1 = wallMs();
    const counters = [...firstSeen.keys()];
    const driver = await PageDriver.connect(await p.cdpEndpoint(), {
      timeoutMs: 15_000,
      logger: log,
      headers: p.cdpHeaders,
    });
    let ts: Record<string, number | null>;
    let rafs = Number.NaN;
    try {
      rafs = await driver.evaluate<number>(`window.__ts.filter((t) => t >= ${w0} && t <= ${w1}).length`);
      ts = JSON.parse(
        await driver.evaluate<string>(
          `JSON.stringify(Object.fromEntries(${JSON.stringify(counters)}.map((c) => [c, window.__ts[c] ?? null])))`,
        ),
      ) as Record<string, number | null>;
    } finally {
      await driver.close();
    }
    const lat: number[] = [];
    let missing = 0;
    let negative = 0;
    for (const [c, at] of firstSeen) {
      const t = ts[String(c)];
      if (typeof t !== 'number') {
        missing++;
        continue;
      }
      const d = at - t;
      if (d < 0) negative++;
      else lat.push(d);
    }
    return {
      ...base,
      samples: lat.length,
      p50: percentile(lat, 50),
      p95: percentile(lat, 95),
      min: lat.length ? Math.min(...lat) : Number.NaN,
      max: lat.length ? Math.max(...lat) : Number.NaN,
      receivedFps: frames / secs,
      publishedFps,
      pageRafPerS: rafs / secs,
      distinctCountersPerS: firstSeen.size / secs,
      ambiguousFrames: ambiguous,
      missingTimestamps: missing,
      negative,
      frameSize: size,
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
