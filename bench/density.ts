// Density: how many sessions this machine holds at once, for ours and for the peer (CDP screencast). For each
// pipeline, N = 1, 2, 3 …: start N sessions (720p30 by default) on an animated page whose frames are stamped
// (pages.ts `anim-counter`: full-viewport gradient redrawn every rAF + the glass-to-glass counter), one viewer
// subscribed per session, warm up, measure each session's received fps and glass-to-glass p95 over one window (all N
// at once), stop them all. The answer is the largest N at which every session met both criteria (default ≥ 25 fps,
// p95 ≤ 150 ms); a pipeline stops at its first failing N (or --max). Pipelines take turns per N, so a drift of the
// machine's load hits both alike.
//
// Each session is its own room (one publisher, one viewer), as in the product: a BrowserSession is a room with its
// browser and its viewers. N publishers in one room would make every viewer's SFU subscription and bandwidth
// estimation share one room's state, and (with auto-subscribe) each viewer would receive every browser's video,
// which measures fan-out, not density.
//
// The N viewers are this process (rtc-node decoding every frame); its CPU is reported as "viewers CPU %" and, like
// the room server's, is in neither side. On a small machine it competes with the pipelines for the same cores.
// Usage: node bench/density.ts [--max 6] [--seconds 10] [--warmup 5] [--pipelines ours,screencast]
//        [--size 1280x720] [--fps 30] [--min-fps 25] [--max-p95 150] [--watchdog 40]
import './lib/quiet.ts';
import { randomUUID } from 'node:crypto';
import { withTimeout } from '@lkbrowser/testkit';
import { CliError } from '@lkbrowser/cli';
import { type BenchSpec, benchFlags, parseList } from './lib/cli.ts';
import {
  failures,
  fmt,
  loadavg,
  log,
  machineInfo,
  retryOnce,
  type Sfu,
  selfCpu,
  sleep,
  table,
  watchdog,
  writeResult,
} from './lib/common.ts';
import {
  type Criteria,
  densityRatio,
  largestPassingN,
  nextN,
  type SessionFigures,
  stepPasses,
  type Verdict,
  worstOf,
} from './lib/density.ts';
import { withFixtures } from './lib/fixtures.ts';
import { fetchPageStamps, latencies, recordCounters } from './lib/glass-to-glass.ts';
import type { PageServer } from './lib/pages.ts';
import { ALL_KINDS, type Pipeline, type PipelineKind, startPipeline } from './lib/pipelines.ts';
import { joinViewer, type Viewer } from './lib/viewer.ts';

export interface DensityOptions {
  pipelines: PipelineKind[];
  max: number;
  seconds: number;
  warmupSeconds: number;
  width: number;
  height: number;
  fps: number;
  criteria: Criteria;
}

export interface DensitySession extends SessionFigures {
  index: number;
  mode: string;
  p50: number;
  samples: number;
  frames: number;
  ambiguousFrames: number;
  pageRafPerS: number;
  frameSize: string;
  /** spawn → first frame published, ms */
  startMs: number;
}

export interface DensityStep {
  kind: PipelineKind;
  n: number;
  sessions: DensitySession[];
  passed: boolean;
  worstFps: number;
  worstP95: number;
  /** /proc/loadavg before the sessions started, and at the end of the measuring window */
  loadBefore: string;
  loadDuring: string;
  /** % of one core: the N pipelines' process trees together, the room server, this process (the N viewers) */
  cpuTotal: number;
  sfuCpu: number;
  viewersCpu: number;
  wallSeconds: number;
}

interface Live {
  index: number;
  viewer: Viewer;
  p: Pipeline | undefined;
  error?: string;
  startMs: number;
}

const nan = Number.NaN;

function failedSession(l: Live, error: string): DensitySession {
  return {
    index: l.index,
    mode: l.p?.mode ?? '',
    fps: nan,
    p95: nan,
    p50: nan,
    samples: 0,
    frames: 0,
    ambiguousFrames: 0,
    pageRafPerS: nan,
    frameSize: '',
    startMs: l.startMs,
    error,
  };
}

async function startSession(sfu: Sfu, pages: PageServer, kind: PipelineKind, n: number, i: number, o: DensityOptions) {
  const room = `density-${kind}-${n}-${i}-${randomUUID().slice(0, 8)}`;
  const viewer = await joinViewer(sfu, room, 'viewer', 'browser');
  const l: Live = { index: i, viewer, p: undefined, startMs: nan };
  try {
    l.p = await startPipeline(kind, {
      sfu,
      room,
      identity: 'browser',
      url: pages.url('anim-counter'),
      width: o.width,
      height: o.height,
      fps: o.fps,
      // every session lives through the others' start-up too
      maxSeconds: 180 + o.max * 60 + o.seconds,
    });
    const first = await withTimeout(`${kind} session ${i} first frame`, l.p.firstFrame, 90_000);
    l.startMs = first - l.p.spawnedAt;
    await viewer.waitVideo(30_000);
  } catch (e) {
    l.error = (e as Error).message;
  }
  return l;
}

async function runStep(sfu: Sfu, pages: PageServer, kind: PipelineKind, n: number, o: DensityOptions) {
  const t0 = performance.now();
  const loadBefore = loadavg();
  const live: Live[] = [];
  let step: DensityStep = {
    kind,
    n,
    sessions: [],
    passed: false,
    worstFps: nan,
    worstP95: nan,
    loadBefore,
    loadDuring: '',
    cpuTotal: nan,
    sfuCpu: nan,
    viewersCpu: nan,
    wallSeconds: nan,
  };
  try {
    // one after the other: N Chromium start-ups at once on two cores would measure the start, not the steady state
    for (let i = 0; i < n; i++) live.push(await startSession(sfu, pages, kind, n, i, o));
    await sleep(o.warmupSeconds * 1000);
    const running = live.filter((l): l is Live & { p: Pipeline } => l.p !== undefined && l.error === undefined);
    const meters = running.map((l) => l.p.meter());
    const sfuMeter = sfu.meter();
    for (const m of meters) m.start();
    sfuMeter.start();
    const self = selfCpu();
    const recs = running.map((l) => ({ l, rec: recordCounters(l.viewer) }));
    await sleep(o.seconds * 1000);
    const wins = recs.map(({ l, rec }) => ({ l, win: rec.stop() }));
    const viewersCpu = self();
    const cpuTotal = meters.reduce((s, m) => s + (m.stop().cpu.total ?? 0), 0);
    const sfuCpu = sfuMeter.stop().cpu.total ?? nan;
    const loadDuring = loadavg();
    const sessions: DensitySession[] = live
      .filter((l) => l.error !== undefined)
      .map((l) => failedSession(l, l.error ?? 'failed'));
    for (const { l, win } of wins) {
      try {
        const { ts, rafs } = await fetchPageStamps(l.p, [...win.firstSeen.keys()], win.w0, win.w1);
        const lat = latencies(win.firstSeen, ts);
        sessions.push({
          index: l.index,
          mode: l.p.mode,
          fps: win.frames / win.seconds,
          p95: lat.p95,
          p50: lat.p50,
          samples: lat.lat.length,
          frames: win.frames,
          ambiguousFrames: win.ambiguous,
          pageRafPerS: rafs / win.seconds,
          frameSize: win.size,
          startMs: l.startMs,
        });
      } catch (e) {
        sessions.push(failedSession(l, `page stamps: ${(e as Error).message}`));
      }
    }
    sessions.sort((a, b) => a.index - b.index);
    const worst = worstOf(sessions);
    step = {
      ...step,
      sessions,
      passed: stepPasses({ n, sessions }, o.criteria),
      worstFps: worst.fps,
      worstP95: worst.p95,
      loadDuring,
      cpuTotal,
      sfuCpu,
      viewersCpu,
    };
  } catch (e) {
    log.error({ kind, n, err: (e as Error).message }, 'density step failed');
    step.sessions = live.map((l) => failedSession(l, (e as Error).message));
  } finally {
    await Promise.all(live.map((l) => l.p?.stop()));
    await Promise.all(live.map((l) => l.viewer.close()));
  }
  return { ...step, wallSeconds: (performance.now() - t0) / 1000 };
}

/** The first error of a step's sessions (a start or measuring failure, not a missed criterion): worth one retry. */
const stepError = (s: DensityStep): string | undefined =>
  s.sessions.length < s.n ? 'fewer sessions than N' : s.sessions.find((x) => x.error !== undefined)?.error;

export async function run(o: DensityOptions): Promise<{
  steps: DensityStep[];
  verdicts: Partial<Record<PipelineKind, Verdict>>;
  rows: Record<string, string | number>[];
  answerRows: Record<string, string | number>[];
  ratio: string | undefined;
}> {
  const steps: DensityStep[] = [];
  const ofKind = (k: PipelineKind) => steps.filter((s) => s.kind === k);
  await withFixtures(async (sfu, pages) => {
    // pipelines take turns: N=1 for each, then N=2 for those still passing, …
    for (;;) {
      let ran = false;
      for (const kind of o.pipelines) {
        const n = nextN(ofKind(kind), o.criteria, o.max);
        if (n === undefined) continue;
        ran = true;
        log.info({ kind, n, load: loadavg() }, 'density step');
        const s = await retryOnce(
          'density',
          kind,
          `N=${n}`,
          () => runStep(sfu, pages, kind, n, o),
          (x) => stepError(x),
        );
        log.info({ ...s, sessions: undefined }, 'density step done');
        steps.push(s);
      }
      if (!ran) break;
    }
  });
  const verdicts: Partial<Record<PipelineKind, Verdict>> = {};
  for (const k of o.pipelines) verdicts[k] = largestPassingN(ofKind(k), o.criteria, o.max);
  const rows = steps
    .slice()
    .sort((a, b) => o.pipelines.indexOf(a.kind) - o.pipelines.indexOf(b.kind) || a.n - b.n)
    .map((s) => ({
      pipeline: s.kind,
      N: s.n,
      'worst fps': fmt(s.worstFps),
      'worst p95 ms': fmt(s.worstP95, 0),
      'p95 ms per session': s.sessions.map((x) => (x.error ? 'err' : fmt(x.p95, 0))).join(' '),
      'fps per session': s.sessions.map((x) => (x.error ? 'err' : fmt(x.fps))).join(' '),
      'CPU % (N trees)': fmt(s.cpuTotal, 0),
      'CPU %/session': fmt(s.cpuTotal / s.n, 0),
      'SFU CPU %': fmt(s.sfuCpu, 1),
      'viewers CPU %': fmt(s.viewersCpu, 0),
      'load before': s.loadBefore,
      'load during': s.loadDuring,
      pass: s.passed ? 'yes' : (stepError(s) ?? 'no').slice(0, 60),
    }));
  const answerRows = o.pipelines.map((k) => {
    const v = verdicts[k] as Verdict;
    return {
      pipeline: k,
      'largest N': v.reachedMax ? `≥${v.largest} (--max)` : v.largest,
      'first failing N': v.firstFailing ?? '–',
    };
  });
  const ours = verdicts.ours;
  const peer = verdicts.screencast;
  return {
    steps,
    verdicts,
    rows,
    answerRows,
    ratio: ours && peer ? densityRatio(ours, peer) : undefined,
  };
}

const FLAGS = {
  max: { flag: 'max', kind: 'number', default: 6, min: 1, integer: true, help: 'largest N tried' },
  seconds: { flag: 'seconds', kind: 'number', default: 10, min: 1, help: 'measuring window, s' },
  warmup: { flag: 'warmup', kind: 'number', default: 5, help: 'warm-up after the last session started, s' },
  pipelines: { flag: 'pipelines', kind: 'string', default: 'ours,screencast', arg: 'a,b', help: 'pipelines' },
  size: { flag: 'size', kind: 'sizes', default: '1280x720', help: 'viewport size (one)' },
  fps: { flag: 'fps', kind: 'number', default: 30, min: 1, help: 'target frame rate' },
  minFps: { flag: 'min-fps', kind: 'number', default: 25, help: 'criterion: received fps of every session ≥' },
  maxP95: {
    flag: 'max-p95',
    kind: 'number',
    default: 150,
    help: 'criterion: glass-to-glass p95 ms of every session ≤',
  },
  watchdog: { flag: 'watchdog', kind: 'number', default: 40, min: 1, help: 'hard limit on the whole run, minutes' },
} as const satisfies Record<string, BenchSpec>;

if (import.meta.main) {
  const f = benchFlags(
    'density.ts',
    'Density: the most sessions at once that all meet fps and latency criteria.',
    FLAGS,
  );
  let pipelines: PipelineKind[];
  let size: [number, number];
  try {
    pipelines = parseList(f.pipelines, ALL_KINDS, '--pipelines');
    if (f.size.length !== 1) throw new CliError(`--size: one size, got ${f.size.length}`);
    size = f.size[0] as [number, number];
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    console.error(`density.ts: ${e.message}`);
    process.exit(2);
  }
  watchdog(f.watchdog);
  const o: DensityOptions = {
    pipelines,
    max: f.max,
    seconds: f.seconds,
    warmupSeconds: f.warmup,
    width: size[0],
    height: size[1],
    fps: f.fps,
    criteria: { minFps: f.minFps, maxP95Ms: f.maxP95 },
  };
  const machine = machineInfo();
  const started = new Date().toISOString();
  const r = await run(o);
  console.log(
    `\nDensity at ${o.width}x${o.height}@${o.fps} (animated page), pass = every session ≥ ${o.criteria.minFps} fps and glass-to-glass p95 ≤ ${o.criteria.maxP95Ms} ms; window ${o.seconds} s after ${o.warmupSeconds} s warm-up; CPU in % of one core\n`,
  );
  console.log(table(r.rows));
  console.log('');
  console.log(table(r.answerRows));
  if (r.ratio !== undefined) console.log(`\nours/screencast (largest N): ${r.ratio}`);
  for (const x of failures) console.log(`failed (retried once): ${x.kind} ${x.what}: ${x.error}`);
  const file = writeResult('density', {
    machine,
    started,
    finished: new Date().toISOString(),
    options: o,
    loadavgAtEnd: loadavg(),
    failures,
    steps: r.steps,
    verdicts: r.verdicts,
    ratio: r.ratio,
  });
  console.log(
    `\nmachine: ${machine.cores} cores ${machine.cpuModel}, load at start ${machine.loadavgAtStart}, at end ${loadavg()}\nwrote ${file}`,
  );
  process.exit(0);
}
