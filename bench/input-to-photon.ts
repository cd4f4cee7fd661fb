// Input-to-photon latency: an input event sent → the first decoded frame at the subscriber that shows its effect.
// The page's left half toggles black/white on every mousedown, the right half on every keydown.
//  - ours: the subscriber takes focus (browser/request-focus RPC) and sends `browser-input` packets through the room
//    (data channel → SFU → runtime → CDP Input.* → Chromium → Xvfb capture → VP8 → SFU → subscriber).
//  - screencast: that pipeline has no room protocol, so the bench sends CDP Input.dispatchMouseEvent/KeyEvent to its
//    headless Chromium directly from the subscriber process (no SFU hop for the input: a lower bound for it).
// Page-side handler timestamps split each sample into input→page-handler and page-handler→glass.
// Usage: node bench/input-to-photon.ts [--runs 3] [--trials 20] [--fps 30] [--sizes 1280x720]
import './lib/quiet.ts';
import { randomUUID } from 'node:crypto';
import { PageDriver } from '@lkbrowser/native/cdp';
import {
  failures,
  fmtSpread,
  log,
  loadavg,
  machineInfo,
  median,
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
import { type PageServer } from './lib/pages.ts';
import { withFixtures, kindsForRun } from './lib/fixtures.ts';
import { compareRows } from './lib/compare.ts';
import { isRuntime, KINDS, type PipelineKind, startPipeline } from './lib/pipelines.ts';
import { joinViewer, lumaSampler } from './lib/viewer.ts';
import { withTimeout } from '@lkbrowser/testkit';

export interface I2POptions {
  runs: number;
  trials: number;
  fps: number;
  sizes: Array<[number, number]>;
  warmupSeconds: number;
}

type InputKind = 'click' | 'key';

export interface I2PRun {
  kind: PipelineKind;
  mode: string;
  width: number;
  height: number;
  run: number;
  input: InputKind;
  samples: number;
  misses: number;
  p50: number;
  p95: number;
  /** medians of the split (page handler timestamps) */
  toHandlerP50: number;
  handlerToGlassP50: number;
  latencies: number[];
  /** per trial: [sent→handler, handler→glass] (ms), when the split is available */
  split: Array<[number, number | null]>;
  loadavg: string;
  error?: string;
}

const THRESH = 125; // Y plane: black ≈ 16, white ≈ 235

async function oneRun(
  sfu: Sfu,
  pages: PageServer,
  kind: PipelineKind,
  w: number,
  h: number,
  run: number,
  o: I2POptions,
): Promise<I2PRun[]> {
  const room = `i2p-${kind}-${w}x${h}-${run}-${randomUUID().slice(0, 8)}`;
  const viewer = await joinViewer(sfu, room, 'viewer', 'browser');
  const p = await startPipeline(kind, {
    sfu,
    room,
    identity: 'browser',
    url: pages.url('input'),
    width: w,
    height: h,
    fps: o.fps,
    maxSeconds: 180,
  });
  const mk = (input: InputKind): I2PRun => ({
    kind,
    mode: p.mode,
    width: w,
    height: h,
    run,
    input,
    samples: 0,
    misses: 0,
    p50: Number.NaN,
    p95: Number.NaN,
    toHandlerP50: Number.NaN,
    handlerToGlassP50: Number.NaN,
    latencies: [],
    split: [],
    loadavg: loadavg(),
  });
  const out: Record<InputKind, I2PRun> = { click: mk('click'), key: mk('key') };
  let driver: PageDriver | undefined;
  try {
    await withTimeout(`${kind} first frame`, p.firstFrame, 90_000);
    await viewer.waitVideo(30_000);
    // the screencast pipeline gets its input over CDP; ours only needs CDP at the end (page-side timestamps)
    if (!isRuntime(kind))
      driver = await PageDriver.connect(await p.cdpEndpoint(), {
        timeoutMs: 15_000,
        logger: log,
        headers: p.cdpHeaders,
      });
    else {
      const f = await viewer.requestFocus('browser');
      if (!f.granted) throw new Error('focus not granted');
    }
    // warm-up input (not measured): in smoke runs the very first input packet after joining took up to ~1 s
    // to reach the page in ours; a real user moves the pointer before the first click anyway
    if (isRuntime(kind)) await viewer.sendInput('browser', [{ type: 'mousemove', x: 10, y: 10 }]);
    else await driver?.mouseMove(10, 10);
    await sleep(o.warmupSeconds * 1000);
    // current luma of both halves, updated on every frame; a waiter resolves when its half crosses the threshold
    const lum = { click: Number.NaN, key: Number.NaN };
    let waiter: { input: InputKind; white: boolean; resolve: (at: number) => void } | undefined;
    viewer.onFrame((f, at) => {
      const s = lumaSampler(f);
      lum.click = s.mean(
        Math.round(s.width / 8),
        Math.round(s.height / 4),
        Math.round((3 * s.width) / 8),
        Math.round((3 * s.height) / 4),
        8,
      );
      lum.key = s.mean(
        Math.round((5 * s.width) / 8),
        Math.round(s.height / 4),
        Math.round((7 * s.width) / 8),
        Math.round((3 * s.height) / 4),
        8,
      );
      if (waiter && lum[waiter.input] > THRESH === waiter.white) {
        const wres = waiter.resolve;
        waiter = undefined;
        wres(at);
      }
    });
    const x = Math.round(w / 4);
    const y = Math.round(h / 2);
    const send = async (input: InputKind): Promise<void> => {
      if (isRuntime(kind)) {
        await viewer.sendInput(
          'browser',
          input === 'click'
            ? [
                { type: 'mousedown', x, y, button: 0, clickCount: 1 },
                { type: 'mouseup', x, y, button: 0, clickCount: 1 },
              ]
            : [
                { type: 'keydown', keyCode: 65, key: 'a', code: 'KeyA' },
                { type: 'char', keyCode: 65, charCode: 97 },
                { type: 'keyup', keyCode: 65, key: 'a', code: 'KeyA' },
              ],
        );
      } else if (input === 'click') {
        await Promise.all([
          driver?.mouseDown(x, y, { button: 'left', clickCount: 1 }),
          driver?.mouseUp(x, y, { button: 'left', clickCount: 1 }),
        ]);
      } else {
        await Promise.all([
          driver?.key({ type: 'keyDown', windowsVirtualKeyCode: 65, key: 'a', code: 'KeyA', text: 'a' }),
          driver?.key({ type: 'keyUp', windowsVirtualKeyCode: 65, key: 'a', code: 'KeyA' }),
        ]);
      }
    };
    const sent: Record<InputKind, number[]> = { click: [], key: [] };
    const inflight: Promise<void>[] = [];
    const seen: Record<InputKind, (number | undefined)[]> = { click: [], key: [] };
    for (const input of ['click', 'key'] as const) {
      for (let t = 0; t < o.trials; t++) {
        await sleep(250 + Math.random() * 250); // random phase against the frame pacing
        const white = !(lum[input] > THRESH);
        const got = new Promise<number>((resolve) => {
          waiter = { input, white, resolve };
        });
        const t0 = wallMs();
        sent[input].push(t0);
        inflight.push(
          send(input).catch((e: unknown) => log.warn({ err: (e as Error).message }, 'sending input failed')),
        );
        const at = await Promise.race([got, sleep(3000).then(() => undefined)]);
        waiter = undefined;
        seen[input].push(at);
        if (at === undefined) out[input].misses++;
        else out[input].latencies.push(at - t0);
      }
    }
    viewer.onFrame(undefined);
    await withTimeout('pending input sends', Promise.all(inflight), 10_000);
    driver ??= await PageDriver.connect(await p.cdpEndpoint(), {
      timeoutMs: 15_000,
      logger: log,
      headers: p.cdpHeaders,
    });
    // page-side handler times, in order of arrival (one per trial unless an input was lost)
    const handled = await driver.evaluate<[string, number][]>('window.__input.map((e) => [e[0], e[1]])');
    for (const input of ['click', 'key'] as const) {
      const times = handled.filter((e) => e[0] === (input === 'click' ? 'mouse' : 'key')).map((e) => e[1]);
      const r = out[input];
      if (times.length === sent[input].length) {
        r.split = times.map((t, i) => [
          t - (sent[input][i] ?? Number.NaN),
          seen[input][i] === undefined ? null : (seen[input][i] as number) - t,
        ]);
        r.toHandlerP50 = median(times.map((t, i) => t - (sent[input][i] ?? Number.NaN)));
        r.handlerToGlassP50 = median(
          times.flatMap((t, i) => (seen[input][i] === undefined ? [] : [(seen[input][i] as number) - t])),
        );
      } else {
        log.warn(
          { kind, input, handled: times.length, sent: sent[input].length },
          'page saw a different number of inputs; no split',
        );
      }
      r.samples = r.latencies.length;
      r.p50 = percentile(r.latencies, 50);
      r.p95 = percentile(r.latencies, 95);
    }
  } catch (e) {
    log.error({ kind, run, err: (e as Error).message }, 'input-to-photon run failed');
    out.click.error = (e as Error).message;
    out.key.error = (e as Error).message;
  } finally {
    await driver?.close();
    await p.stop();
    await viewer.close();
  }
  return [out.click, out.key];
}

export async function run(o: I2POptions): Promise<{ runs: I2PRun[]; rows: Record<string, string | number>[] }> {
  const runs: I2PRun[] = [];
  await withFixtures(async (sfu, pages) => {
    for (const [w, h] of o.sizes) {
      for (let i = 0; i < o.runs; i++) {
        for (const kind of kindsForRun(i)) {
          const rs = await retryOnce(
            'input-to-photon',
            kind,
            `${w}x${h} run ${i}`,
            () => oneRun(sfu, pages, kind, w, h, i, o),
            (x) => x[0]?.error,
          );
          for (const r of rs) log.info({ ...r, latencies: undefined }, 'input-to-photon run');
          runs.push(...rs);
        }
      }
    }
  });
  const rows: Record<string, string | number>[] = [];
  for (const [w, h] of o.sizes) {
    for (const input of ['click', 'key'] as const) {
      const agg = (k: PipelineKind) => {
        const rs = runs.filter((r) => r.kind === k && r.width === w && r.input === input && !r.error);
        return {
          p50: spread(rs.map((r) => r.p50)),
          p95: spread(rs.map((r) => r.p95)),
          hand: spread(rs.map((r) => r.toHandlerP50)),
          glass: spread(rs.map((r) => r.handlerToGlassP50)),
          misses: rs.reduce((s, r) => s + r.misses, 0),
          samples: rs.reduce((s, r) => s + r.samples, 0),
        };
      };
      rows.push(
        ...compareRows(
          KINDS,
          agg,
          (_k, v) => ({
            'p50 ms': fmtSpread(v.p50),
            'p95 ms': fmtSpread(v.p95),
            'input→page p50': fmtSpread(v.hand),
            'page→glass p50': fmtSpread(v.glass),
            'samples/misses': `${v.samples}/${v.misses}`,
          }),
          (v) => ({ 'p50 ms': v.p50, 'p95 ms': v.p95, 'input→page p50': v.hand, 'page→glass p50': v.glass }),
          { case: `${input} ${w}x${h} @${o.fps}fps` },
        ),
      );
    }
  }
  return { runs, rows };
}

const FLAGS = {
  runs: { flag: 'runs', kind: 'number', default: 3, min: 1, integer: true, help: 'runs per case' },
  trials: { flag: 'trials', kind: 'number', default: 20, min: 1, integer: true, help: 'inputs per run and input kind' },
  fps: { flag: 'fps', kind: 'number', default: 30, min: 1, help: 'target frame rate' },
  sizes: { flag: 'sizes', kind: 'sizes', default: '1280x720', help: 'viewport sizes' },
  warmup: { flag: 'warmup', kind: 'number', default: 2, help: 'warm-up before the trials, s' },
} as const satisfies Record<string, BenchSpec>;

if (import.meta.main) {
  const f = benchFlags('input-to-photon.ts', 'Input-to-photon latency: ours vs the CDP screencast pipeline.', FLAGS);
  watchdog(30);
  const o: I2POptions = { runs: f.runs, trials: f.trials, fps: f.fps, sizes: f.sizes, warmupSeconds: f.warmup };
  const machine = machineInfo();
  const { runs, rows } = await run(o);
  console.log(
    '\nInput-to-photon latency (input sent → first decoded frame showing the effect), median (min–max) over runs\n',
  );
  console.log(table(rows));
  for (const f of failures) console.log(`failed (retried once): ${f.kind} ${f.what}: ${f.error}`);
  const file = writeResult('input-to-photon', { machine, options: o, loadavgAtEnd: loadavg(), failures, runs, rows });
  console.log(
    `\nmachine: ${machine.cores} cores ${machine.cpuModel}, load at start ${machine.loadavgAtStart}, at end ${loadavg()}\nwrote ${file}`,
  );
  process.exit(0);
}
