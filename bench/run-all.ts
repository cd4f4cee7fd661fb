// Runs every comparison benchmark (ours with the Chromium engine, ours with the CEF engine, CDP screencast; the
// set is BENCH_PIPELINES) and prints one summary table, with the machine's load average per section.
// Usage: node bench/run-all.ts [--runs 3] [--fps 30] [--quick] [--no-1080p-cpu]
//   --quick: 1 run each, short windows (a smoke run; numbers are not meaningful)
//   --no-1080p-cpu: skip the extra cpu-mem case (full-screen animation at 1920x1080)
//   --density: also bench/density.ts (sessions at once, ours vs screencast; off by default and always with --quick)
// Each section also prints its own table; everything goes to bench/results/run-all-<time>.json, and the summary
// replaces the README's performance table (between its perf-table markers; --no-readme leaves README.md alone).
import './lib/quiet.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import { DEFAULT_VIDEO_CODEC } from '@lkbrowser/runtime';
import { run as runCodecs } from './codecs.ts';
import { run as runCpuMem } from './cpu-mem.ts';
import { run as runDensity } from './density.ts';
import { run as runG2G } from './glass-to-glass.ts';
import { run as runI2P } from './input-to-photon.ts';
import { type BenchSpec, benchFlags } from './lib/cli.ts';
import {
  failures,
  fmtSpread,
  loadavg,
  machineInfo,
  ratio,
  type Spread,
  spread,
  table,
  watchdog,
  writeResult,
} from './lib/common.ts';
import { KINDS, oursMode, type PipelineKind } from './lib/pipelines.ts';
import { renderPerfTable, spliceBetweenMarkers } from './lib/readme-table.ts';
import { describeSfu, toolVersions } from '@lkbrowser/testkit';
import { run as runStartup } from './startup.ts';

const FLAGS = {
  runs: { flag: 'runs', kind: 'number', min: 1, integer: true, help: 'runs per case (default 3, 1 with --quick)' },
  fps: { flag: 'fps', kind: 'number', default: 30, min: 1, help: 'target frame rate' },
  quick: { flag: 'quick', kind: 'boolean', default: false, help: '1 run each, short windows (numbers not meaningful)' },
  readme: { flag: 'readme', kind: 'boolean', default: true, help: "rewrite README.md's performance table" },
  codecs: { flag: 'codecs', kind: 'boolean', default: true, help: 'the codec comparison (bench/codecs.ts)' },
  density: {
    flag: 'density',
    kind: 'boolean',
    default: false,
    help: 'the density section (bench/density.ts: most sessions at once; never with --quick)',
  },
  cpu1080p: {
    flag: '1080p-cpu',
    kind: 'boolean',
    default: true,
    help: 'the extra cpu-mem case (full-screen animation at 1920x1080)',
  },
} as const satisfies Record<string, BenchSpec>;
const flags = benchFlags(
  'run-all.ts',
  'Every comparison benchmark (ours: Chromium engine, cef: CEF engine, CDP screencast), one summary table.',
  FLAGS,
);
watchdog(60);
const quick = flags.quick;
const runs = flags.runs ?? (quick ? 1 : 3);
const fps = flags.fps;
const machine = machineInfo();
const started = new Date().toISOString();
// Both pipelines publish into the same room server; which one is part of every figure (LKB_TEST_SFU switches it).
const server = describeSfu();
console.log(
  `machine: ${machine.cores} cores, ${machine.cpuModel}, ${machine.memGiB} GiB, kernel ${machine.kernel}, Node ${machine.node}, Chromium ${machine.chromium}, CEF ${toolVersions().CEF_VERSION ?? '?'}\n` +
    `load average at start: ${machine.loadavgAtStart}; pipelines ${KINDS.join(', ')}; ours/cef = ${oursMode()}; ${runs} run(s) per case; target ${fps} fps\n` +
    `room server: ${server}\n`,
);

const summary: Record<string, string | number>[] = [];
/** One summary row: each pipeline's spread, then each other pipeline's median over ours (the Chromium engine). */
const add = (metric: string, of: (k: PipelineKind) => Spread, digits = 1): void => {
  const row: Record<string, string | number> = { metric };
  for (const k of KINDS) row[k] = fmtSpread(of(k), digits);
  if (KINDS.includes('ours'))
    for (const k of KINDS) if (k !== 'ours') row[`${k}/ours`] = ratio(of(k).median, of('ours').median);
  summary.push(row);
};
const results: Record<string, unknown> = {};
/** the 1-minute load average at each section start (and the end), for the table's header */
const loads: number[] = [];
const load1 = (): number => Number(loadavg().split(' ')[0]);
const section = async (name: string, fn: () => Promise<{ rows: Record<string, string | number>[] }>): Promise<void> => {
  const t0 = performance.now();
  loads.push(load1());
  console.log(`--- ${name} (load ${loadavg()})`);
  const r = await fn();
  results[name] = r;
  console.log(table(r.rows));
  console.log(`(${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
  // partial results survive an interrupted run
  writeResult('run-all-partial', { machine, started, results });
};

await section('glass-to-glass', async () => {
  const sizes: Array<[number, number]> = [
    [1280, 720],
    [1920, 1080],
  ];
  const r = await runG2G({ runs, seconds: quick ? 4 : 10, warmupSeconds: quick ? 2 : 3, fps, sizes });
  for (const [w, h] of sizes) {
    const s = (k: PipelineKind, f: (x: (typeof r.runs)[number]) => number) =>
      spread(r.runs.filter((x) => x.kind === k && x.width === w && !x.error).map(f));
    add(`glass-to-glass p50 ms, ${w}x${h}`, (k) => s(k, (x) => x.p50));
    add(`glass-to-glass p95 ms, ${w}x${h}`, (k) => s(k, (x) => x.p95));
    add(`received fps (rAF page), ${w}x${h}`, (k) => s(k, (x) => x.receivedFps));
  }
  if (r.budgetRows.length) console.log(`latency budget of ours:\n${table(r.budgetRows)}\n`);
  return r;
});

await section('input-to-photon', async () => {
  const r = await runI2P({ runs, trials: quick ? 6 : 20, fps, sizes: [[1280, 720]], warmupSeconds: 2 });
  for (const input of ['click', 'key'] as const) {
    const s = (k: PipelineKind, f: (x: (typeof r.runs)[number]) => number) =>
      spread(r.runs.filter((x) => x.kind === k && x.input === input && !x.error).map(f));
    add(`input-to-photon p50 ms, ${input} 720p`, (k) => s(k, (x) => x.p50));
    add(`input-to-photon p95 ms, ${input} 720p`, (k) => s(k, (x) => x.p95));
  }
  return r;
});

await section('cpu-mem', async () => {
  const scenarios = ['static', 'scroll', 'anim'] as const;
  const r = await runCpuMem({
    runs,
    seconds: quick ? 5 : 10,
    warmupSeconds: quick ? 3 : 4,
    fps,
    sizes: [[1280, 720]],
    scenarios: [...scenarios],
  });
  for (const sc of scenarios) {
    const s = (k: PipelineKind, f: (x: (typeof r.runs)[number]) => number) =>
      spread(r.runs.filter((x) => x.kind === k && x.scenario === sc).map(f));
    add(`CPU % of one core, ${sc} 720p`, (k) => s(k, (x) => x.pipeline.cpu.total ?? 0));
    add(`PSS MiB, ${sc} 720p`, (k) => s(k, (x) => x.pipeline.pssMiB), 0);
    add(`received fps, ${sc} 720p`, (k) => s(k, (x) => x.receivedFps));
    if (sc !== 'static') {
      const perFrame = (x: (typeof r.runs)[number]) =>
        x.receivedFps >= 1 ? ((x.pipeline.cpu.total ?? 0) * 10) / x.receivedFps : Number.NaN;
      add(`CPU ms per delivered frame, ${sc} 720p`, (k) => s(k, perFrame));
    }
    add(`(SFU CPU %, not in either side), ${sc}`, (k) => s(k, (x) => x.sfuCpu));
  }
  return r;
});

if (flags.cpu1080p) {
  await section('cpu-mem 1080p', async () => {
    const r = await runCpuMem({
      runs,
      seconds: quick ? 5 : 10,
      warmupSeconds: quick ? 3 : 4,
      fps,
      sizes: [[1920, 1080]],
      scenarios: ['anim'],
    });
    const s = (k: PipelineKind, f: (x: (typeof r.runs)[number]) => number) =>
      spread(r.runs.filter((x) => x.kind === k).map(f));
    add('CPU % of one core, anim 1080p', (k) => s(k, (x) => x.pipeline.cpu.total ?? 0));
    add('received fps, anim 1080p', (k) => s(k, (x) => x.receivedFps));
    const perFrame = (x: (typeof r.runs)[number]) =>
      x.receivedFps >= 1 ? ((x.pipeline.cpu.total ?? 0) * 10) / x.receivedFps : Number.NaN;
    add('CPU ms per delivered frame, anim 1080p', (k) => s(k, perFrame));
    return r;
  });
}

if (flags.codecs) {
  await section('codecs', async () => {
    const r = await runCodecs({
      runs: 1,
      seconds: quick ? 4 : 6,
      warmupSeconds: quick ? 2 : 3,
      fps,
      width: 1280,
      height: 720,
      codecs: ['vp8', 'vp9', 'av1', 'h264'],
      scenarios: ['static', 'scroll', 'anim'],
      peer: false,
    });
    return r;
  });
}

if (flags.density && !quick) {
  await section('density', async () => {
    const pipelines = KINDS.filter((k) => k === 'ours' || k === 'screencast');
    const criteria = { minFps: 25, maxP95Ms: 150 };
    const r = await runDensity({
      pipelines,
      max: 6,
      seconds: 10,
      warmupSeconds: 5,
      width: 1280,
      height: 720,
      fps,
      criteria,
    });
    add(
      `density: sessions at once, each ≥ ${criteria.minFps} fps and g2g p95 ≤ ${criteria.maxP95Ms} ms, 720p`,
      (k) => spread(r.verdicts[k] ? [r.verdicts[k].largest] : []),
      0,
    );
    console.log(`${table(r.answerRows)}\nours/screencast (largest N): ${r.ratio ?? '–'}\n`);
    return r;
  });
}

await section('startup', async () => {
  const r = await runStartup({ runs: quick ? 1 : Math.max(5, runs), fps, sizes: [[1280, 720]] });
  const s = (k: string, f: (x: (typeof r.runs)[number]) => number) =>
    spread(r.runs.filter((x) => x.kind === k && !x.error).map(f));
  add('startup ms, spawn → first frame published', (k) => s(k, (x) => x.firstPublished), 0);
  add('startup ms, spawn → video track subscribed', (k) => s(k, (x) => x.trackSubscribed), 0);
  add('startup ms, spawn → first frame received', (k) => s(k, (x) => x.firstReceived), 0);
  return r;
});

loads.push(load1());
console.log(
  `=== Summary: ${KINDS.join(' vs ')} (ours/cef = ${oursMode()} with LKB_ENGINE chromium/cef) through ${server}, median (min–max) over runs; load at end ${loadavg()}\n`,
);
console.log(table(summary));
const failed = (k: string): number => failures.filter((f) => f.kind === k).length;
console.log(
  `\nfailed runs (each retried once, the retry is what counts): ${KINDS.map((k) => `${k} ${failed(k)}`).join(', ')}`,
);
for (const f of failures) console.log(`  ${f.script} ${f.kind} ${f.what}: ${f.error}`);
const file = writeResult('run-all', {
  machine,
  server,
  started,
  finished: new Date().toISOString(),
  loadavgAtEnd: loadavg(),
  ours: oursMode(),
  runs,
  fps,
  summary,
  failures,
  results,
});
console.log(`\nwrote ${file}`);
if (flags.readme) {
  const readme = new URL('../README.md', import.meta.url);
  const body = renderPerfTable(summary, {
    started,
    finished: new Date().toISOString(),
    server,
    codec: `ours ${DEFAULT_VIDEO_CODEC} (the default; bench/codecs.ts compares all four), screencast vp8`,
    machine: `${machine.cores} cores ${machine.cpuModel}, ${machine.memGiB} GiB, Chromium ${machine.chromium}, Node ${machine.node}`,
    loadStart: machine.loadavgAtStart,
    loadRange: `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`,
    runs,
    pipelines: KINDS,
    quick,
  });
  writeFileSync(readme, spliceBetweenMarkers(readFileSync(readme, 'utf8'), body));
  console.log('README.md performance table rewritten');
}
process.exit(0);
