// CPU and memory per session: ours vs the CDP screencast pipeline, same pages, same publisher (rtc-node VP8 screen
// share) and the same test SFU, one after the other (order alternates per run).
//  - ours: the runtime process tree = Node (session + rtc-node encoding) + lkb-host + Xvfb + pulseaudio (audio off:
//    no pulseaudio) + headful Chromium;
//  - screencast: Node (CDP + sharp JPEG decode + rtc-node encoding) + headless Chromium (renderer + JPEG encoding).
// CPU = utime+stime deltas of every process of the tree over the window, % of ONE core; memory = PSS summed over the
// tree (shared pages split between sharers; RSS sum also reported), averaged over samples every 2 s.
// The test SFU (werift, JS crypto) and the subscriber are in the loop; their CPU is reported separately.
// Scenarios: static page; long text page scrolled by wheel input every 100 ms; full-screen canvas animation.
// Usage: node bench/cpu-mem.ts [--runs 3] [--seconds 10] [--warmup 4] [--fps 30] [--sizes 1280x720] [--scenarios static,scroll,anim]
import './lib/quiet.ts';
import { randomUUID } from 'node:crypto';
import { PageDriver } from '@lkbrowser/native/cdp';
import {
  fmt,
  failures,
  fmtSpread,
  loadavg,
  log,
  machineInfo,
  retryOnce,
  type Sfu,
  selfCpu,
  sleep,
  spread,
  table,
  type TreeUsage,
  watchdog,
  writeResult,
} from './lib/common.ts';
import { type BenchSpec, benchFlags } from './lib/cli.ts';
import { type PageServer } from './lib/pages.ts';
import { withFixtures, kindsForRun } from './lib/fixtures.ts';
import { compareRows } from './lib/compare.ts';
import { isRuntime, KINDS, type PipelineKind, startPipeline } from './lib/pipelines.ts';
import { joinViewer } from './lib/viewer.ts';
import { withTimeout } from '@lkbrowser/testkit';

export type Scenario = 'static' | 'scroll' | 'anim';
const PAGE: Record<Scenario, string> = { static: 'static', scroll: 'text', anim: 'anim' };

export interface CpuMemOptions {
  runs: number;
  seconds: number;
  warmupSeconds: number;
  fps: number;
  sizes: Array<[number, number]>;
  scenarios: Scenario[];
}

export interface CpuMemRun {
  kind: PipelineKind;
  mode: string;
  scenario: Scenario;
  width: number;
  height: number;
  run: number;
  pipeline: TreeUsage;
  sfuCpu: number;
  viewerCpu: number;
  publishedFps: number;
  receivedFps: number;
  wheelEvents: number;
  loadavg: string;
  error?: string;
}

let lastError = '';

async function oneRun(
  sfu: Sfu,
  pages: PageServer,
  kind: PipelineKind,
  scenario: Scenario,
  w: number,
  h: number,
  run: number,
  o: CpuMemOptions,
): Promise<CpuMemRun | undefined> {
  const room = `cpu-${kind}-${scenario}-${run}-${randomUUID().slice(0, 8)}`;
  const viewer = await joinViewer(sfu, room, 'viewer', 'browser');
  const p = await startPipeline(kind, {
    sfu,
    room,
    identity: 'browser',
    url: pages.url(PAGE[scenario]),
    width: w,
    height: h,
    fps: o.fps,
    maxSeconds: 120 + o.seconds,
  });
  let driver: PageDriver | undefined;
  let wheelTimer: NodeJS.Timeout | undefined;
  try {
    await withTimeout(`${kind} first frame`, p.firstFrame, 90_000);
    await viewer.waitVideo(30_000);
    let wheels = 0;
    if (scenario === 'scroll') {
      if (isRuntime(kind)) {
        const f = await viewer.requestFocus('browser');
        if (!f.granted) throw new Error('focus not granted');
      } else {
        driver = await PageDriver.connect(await p.cdpEndpoint(), {
          timeoutMs: 15_000,
          logger: log,
          headers: p.cdpHeaders,
        });
      }
      let n = 0;
      wheelTimer = setInterval(() => {
        const down = Math.floor(n / 30) % 2 === 0; // 3 s down, 3 s up
        n++;
        const x = Math.round(w / 2);
        const y = Math.round(h / 2);
        const send = isRuntime(kind)
          ? // room protocol: seed/CEF sign, positive deltaY scrolls up
            viewer.sendInput('browser', [{ type: 'wheel', x, y, deltaX: 0, deltaY: down ? -100 : 100 }])
          : (driver as PageDriver).wheel(x, y, 0, down ? 100 : -100);
        send.then(
          () => {
            wheels++;
          },
          (e: unknown) => log.warn({ err: (e as Error).message }, 'wheel input failed'),
        );
      }, 100);
    }
    await sleep(o.warmupSeconds * 1000);
    const meter = p.meter();
    const sfuMeter = sfu.meter();
    const f0 = viewer.frames;
    const pub0 = await p.framesPublished();
    const w0 = wheels;
    const self = selfCpu();
    meter.start();
    sfuMeter.start();
    const t0 = performance.now();
    await sleep(o.seconds * 1000);
    const usage = meter.stop();
    const sfuUsage = sfuMeter.stop();
    const viewerCpu = self();
    const secs = (performance.now() - t0) / 1000;
    const pub1 = await p.framesPublished();
    return {
      kind,
      mode: p.mode,
      scenario,
      width: w,
      height: h,
      run,
      pipeline: usage,
      sfuCpu: sfuUsage.cpu.total ?? 0,
      viewerCpu,
      publishedFps: (pub1 - pub0) / secs,
      receivedFps: (viewer.frames - f0) / secs,
      wheelEvents: wheels - w0,
      loadavg: loadavg(),
    };
  } catch (e) {
    log.error({ kind, scenario, run, err: (e as Error).message }, 'cpu-mem run failed');
    lastError = (e as Error).message;
    return undefined;
  } finally {
    clearInterval(wheelTimer);
    await driver?.close();
    await p.stop();
    await viewer.close();
  }
}

export async function run(o: CpuMemOptions): Promise<{ runs: CpuMemRun[]; rows: Record<string, string | number>[] }> {
  const runs: CpuMemRun[] = [];
  await withFixtures(async (sfu, pages) => {
    for (const [w, h] of o.sizes) {
      for (const scenario of o.scenarios) {
        for (let i = 0; i < o.runs; i++) {
          for (const kind of kindsForRun(i)) {
            const r = await retryOnce(
              'cpu-mem',
              kind,
              `${scenario} ${w}x${h} run ${i}`,
              () => oneRun(sfu, pages, kind, scenario, w, h, i, o),
              (x) => (x === undefined ? lastError : undefined),
            );
            if (r) {
              log.info(
                {
                  kind,
                  scenario,
                  run: i,
                  cpu: r.pipeline.cpu,
                  pssMiB: r.pipeline.pssMiB,
                  sfu: r.sfuCpu,
                  fps: r.receivedFps,
                },
                'cpu-mem run',
              );
              runs.push(r);
            }
          }
        }
      }
    }
  });
  const rows: Record<string, string | number>[] = [];
  for (const [w, h] of o.sizes) {
    for (const scenario of o.scenarios) {
      const agg = (k: PipelineKind) => {
        const rs = runs.filter((r) => r.kind === k && r.scenario === scenario && r.width === w);
        const part = (name: string) => spread(rs.map((r) => r.pipeline.cpu[name] ?? 0));
        return {
          cpu: spread(rs.map((r) => r.pipeline.cpu.total ?? 0)),
          node: part('node'),
          chromium: part('chromium'),
          xvfbHost: spread(
            rs.map((r) => (r.pipeline.cpu.xvfb ?? 0) + (r.pipeline.cpu.host ?? 0) + (r.pipeline.cpu.pulse ?? 0)),
          ),
          pss: spread(rs.map((r) => r.pipeline.pssMiB)),
          uss: spread(rs.map((r) => r.pipeline.ussMiB)),
          rss: spread(rs.map((r) => r.pipeline.rssMiB)),
          fps: spread(rs.map((r) => r.receivedFps)),
          // CPU time per delivered frame: compares pipelines that reach different frame rates
          msPerFrame: spread(
            rs.map((r) => (r.receivedFps >= 1 ? ((r.pipeline.cpu.total ?? 0) * 10) / r.receivedFps : Number.NaN)),
          ),
          sfu: spread(rs.map((r) => r.sfuCpu)),
          n: rs.length,
        };
      };
      rows.push(
        ...compareRows(
          KINDS,
          agg,
          (k, v) => ({
            'CPU % total': fmtSpread(v.cpu),
            'Node %': fmtSpread(v.node),
            'Chromium %': fmtSpread(v.chromium),
            'Xvfb+host %': isRuntime(k) ? fmtSpread(v.xvfbHost) : '–',
            'PSS MiB': fmtSpread(v.pss, 0),
            'USS MiB': fmtSpread(v.uss, 0),
            'RSS-sum MiB': fmtSpread(v.rss, 0),
            'recv fps': fmtSpread(v.fps),
            'CPU ms/frame': fmtSpread(v.msPerFrame),
            'SFU % (sep.)': fmtSpread(v.sfu),
            runs: v.n,
          }),
          (v) => ({
            'CPU % total': v.cpu,
            'Node %': v.node,
            'Chromium %': v.chromium,
            'PSS MiB': v.pss,
            'USS MiB': v.uss,
            'RSS-sum MiB': v.rss,
            'recv fps': v.fps,
            'CPU ms/frame': v.msPerFrame,
          }),
          { case: `${scenario} ${w}x${h}` },
        ),
      );
    }
  }
  return { runs, rows };
}

/** The runs of each case ("anim 1280x720") and pipeline, in the order first seen. */
function byCaseAndPipeline(runs: CpuMemRun[]): Array<{ c: string; pipeline: string; rs: CpuMemRun[] }> {
  const groups = new Map<string, { c: string; pipeline: string; rs: CpuMemRun[] }>();
  for (const r of runs) {
    const c = `${r.scenario} ${r.width}x${r.height}`;
    const key = `${c}|${r.kind}`;
    const g = groups.get(key) ?? { c, pipeline: r.kind, rs: [] };
    g.rs.push(r);
    groups.set(key, g);
  }
  return [...groups.values()];
}

/** One row per pipeline and case: the median PSS, USS or Private_Dirty of each process kind (every kind any run saw
 *  is a column). */
export function memByKindRows(runs: CpuMemRun[], what: 'pss' | 'uss' | 'dirty'): Record<string, string | number>[] {
  const byKind = (r: CpuMemRun) =>
    what === 'pss' ? r.pipeline.pssByKind : what === 'uss' ? r.pipeline.ussByKind : r.pipeline.dirtyByKind;
  const total = (r: CpuMemRun) =>
    what === 'pss' ? r.pipeline.pssMiB : what === 'uss' ? r.pipeline.ussMiB : r.pipeline.dirtyMiB;
  const kinds = [...new Set(runs.flatMap((r) => Object.keys(byKind(r))))].sort();
  return byCaseAndPipeline(runs).map(({ c, pipeline, rs }) => {
    const row: Record<string, string | number> = { case: c, pipeline };
    for (const k of kinds) {
      const v = rs.map((r) => byKind(r)[k]).filter((x): x is number => x !== undefined);
      row[k] = v.length ? fmt(spread(v).median, 0) : '–';
    }
    row.total = fmt(spread(rs.map(total)).median, 0);
    return row;
  });
}

/** Per case and pipeline: the busiest thread groups (median % of one core over runs, and ms per delivered frame). */
export function cpuByThreadRows(runs: CpuMemRun[], top = 8): Record<string, string | number>[] {
  return byCaseAndPipeline(runs).map(({ c, pipeline, rs }) => {
    const names = [...new Set(rs.flatMap((r) => Object.keys(r.pipeline.cpuByThread)))];
    const fps = spread(rs.map((r) => r.receivedFps)).median;
    const busiest = names
      .map((n) => ({ n, pct: spread(rs.map((r) => r.pipeline.cpuByThread[n] ?? 0)).median }))
      .filter((x) => x.pct >= 0.05)
      .sort((x, y) => y.pct - x.pct)
      .slice(0, top)
      .map((x) => `${x.n} ${fmt(x.pct)}${fps >= 1 ? ` (${fmt((x.pct * 10) / fps)} ms/f)` : ''}`);
    return { case: c, pipeline, 'busiest threads: % of one core (CPU ms per delivered frame)': busiest.join(' · ') };
  });
}

const FLAGS = {
  runs: { flag: 'runs', kind: 'number', default: 3, min: 1, integer: true, help: 'runs per case' },
  seconds: { flag: 'seconds', kind: 'number', default: 10, help: 'measuring window, s' },
  warmup: { flag: 'warmup', kind: 'number', default: 4, help: 'warm-up before each window, s' },
  fps: { flag: 'fps', kind: 'number', default: 30, min: 1, help: 'target frame rate' },
  sizes: { flag: 'sizes', kind: 'sizes', default: '1280x720', help: 'viewport sizes' },
  scenarios: {
    flag: 'scenarios',
    kind: 'string',
    default: 'static,scroll,anim',
    arg: 'list',
    help: 'comma list of static, scroll, anim',
  },
} as const satisfies Record<string, BenchSpec>;

const isScenario = (s: string): s is Scenario => Object.hasOwn(PAGE, s);

if (import.meta.main) {
  const f = benchFlags('cpu-mem.ts', 'CPU and memory per session: ours vs the CDP screencast pipeline.', FLAGS);
  const scenarios = f.scenarios.split(',').map((s) => s.trim());
  const bad = scenarios.find((s) => !isScenario(s));
  if (bad !== undefined) {
    console.error(`cpu-mem.ts: --scenarios: unknown scenario "${bad}" (static, scroll, anim)`);
    process.exit(2);
  }
  watchdog(45);
  const o: CpuMemOptions = {
    runs: f.runs,
    seconds: f.seconds,
    warmupSeconds: f.warmup,
    fps: f.fps,
    sizes: f.sizes,
    scenarios: scenarios.filter(isScenario),
  };
  const machine = machineInfo();
  const { runs, rows } = await run(o);
  console.log(
    `\nCPU (% of one core, whole process tree) and memory per session @${o.fps} fps, median (min–max) over runs\n`,
  );
  console.log(table(rows));
  console.log('\nPSS by process kind, MiB, median over runs (bench/lib/common.ts memKind)\n');
  console.log(table(memByKindRows(runs, 'pss')));
  console.log('\nUSS (pages mapped by this process only) by process kind, MiB\n');
  console.log(table(memByKindRows(runs, 'uss')));
  console.log(
    '\nPrivate_Dirty (what the session allocated: heaps, stacks, written copies; no other process changes it) by process kind, MiB\n',
  );
  console.log(table(memByKindRows(runs, 'dirty')));
  console.log('\nWhere the CPU goes: busiest threads (process kind / thread name), median over runs\n');
  console.log(table(cpuByThreadRows(runs)));
  for (const f of failures) console.log(`failed (retried once): ${f.kind} ${f.what}: ${f.error}`);
  const file = writeResult('cpu-mem', { machine, options: o, loadavgAtEnd: loadavg(), failures, runs, rows });
  console.log(
    `\nmachine: ${machine.cores} cores ${machine.cpuModel}, load at start ${machine.loadavgAtStart}, at end ${loadavg()}  (${fmt(o.seconds, 0)} s windows)\nwrote ${file}`,
  );
  process.exit(0);
}
