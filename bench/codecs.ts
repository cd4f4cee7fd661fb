// Codecs: each video codec rtc-node offers (LKB_VIDEO_CODEC: vp8, vp9, av1, h264) on the three pages (static,
// text page scrolled by wheel input, full-screen animation), for CPU of the whole pipeline tree, bitrate, frames
// received and quality (PSNR of the received frames' luma against the frames the engine captured), with the CDP
// screencast pipeline (VP8, its only codec) as the peer in the same run.
// Ours runs as engine + session in one process (bench/ours-publisher.ts) so it can tap the captured frames: every
// paint's luma on a 1/16 grid goes to a file (~0.1 ms per paint, counted in ours' CPU); the subscriber takes the same
// grid from each decoded frame's Y plane and scores it against the best-matching frame captured in the second before
// it arrived (bench/lib/frame-quality.ts). Bitrate and decoder from the subscriber's inbound-rtp stats, encoder and
// encode time from the publisher's outbound-rtp.
// Usage: node bench/codecs.ts [--runs 1] [--seconds 6] [--warmup 3] [--codecs vp8,vp9,av1,h264]
//        [--scenarios static,scroll,anim] [--size 1280x720] [--fps 30] [--no-peer]
import './lib/quiet.ts';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VideoBufferType, type VideoFrame } from '@livekit/rtc-node';
import { PageDriver } from '@lkbrowser/native/cdp';
import { parseVideoCodec, type VideoCodecName } from '@lkbrowser/runtime';
import { withTimeout } from '@lkbrowser/testkit';
import { type BenchSpec, benchFlags } from './lib/cli.ts';
import {
  failures,
  fmt,
  fmtSpread,
  loadavg,
  log,
  machineInfo,
  percentile,
  ratio,
  retryOnce,
  type Sfu,
  sleep,
  spread,
  table,
  type TreeUsage,
  wallMs,
  watchdog,
  writeResult,
} from './lib/common.ts';
import { withFixtures } from './lib/fixtures.ts';
import { bestMatch, decodeTapFile, lumaGridY } from './lib/frame-quality.ts';
import type { PageServer } from './lib/pages.ts';
import { type PipelineKind, startPipeline } from './lib/pipelines.ts';
import { inboundVideo, inboundWindow } from './lib/rtc-stats.ts';
import { joinViewer } from './lib/viewer.ts';

export type Scenario = 'static' | 'scroll' | 'anim';
const PAGE: Record<Scenario, string> = { static: 'static', scroll: 'text', anim: 'anim' };

export interface CodecOptions {
  runs: number;
  seconds: number;
  warmupSeconds: number;
  fps: number;
  width: number;
  height: number;
  codecs: VideoCodecName[];
  scenarios: Scenario[];
  peer: boolean;
}

export interface CodecRun {
  kind: PipelineKind;
  /** what ours published with; the peer is always vp8 */
  codec: VideoCodecName;
  scenario: Scenario;
  run: number;
  pipeline: TreeUsage;
  kbps: number;
  receivedFps: number;
  publishedFps: number;
  /** mean and 5th percentile of the per-frame PSNR (dB, luma, capped at 60); NaN for the peer (no tap) */
  psnrMean: number;
  psnrP5: number;
  scored: number;
  mimeType: string;
  decoder: string;
  encoder: string;
  /** ms of encoding per encoded frame (publisher's outbound-rtp) */
  encodeMs: number;
  decodeMs: number;
  qualityLimitation: string;
  loadavg: string;
  error?: string;
}

let lastError = '';

function yPlane(f: VideoFrame): Uint8Array {
  return f.type === VideoBufferType.I420 ? f.data : f.convert(VideoBufferType.I420).data;
}

async function oneRun(
  sfu: Sfu,
  pages: PageServer,
  kind: PipelineKind,
  codec: VideoCodecName,
  scenario: Scenario,
  run: number,
  o: CodecOptions,
): Promise<CodecRun | undefined> {
  const { width: w, height: h } = o;
  const room = `codec-${kind}-${codec}-${scenario}-${run}-${randomUUID().slice(0, 8)}`;
  const tapDir = mkdtempSync(join(tmpdir(), 'lkb-codec-'));
  const tapFile = join(tapDir, 'tap.bin');
  const viewer = await joinViewer(sfu, room, 'viewer', 'browser');
  const ours = kind === 'ours';
  const p = await startPipeline(kind, {
    sfu,
    room,
    identity: 'browser',
    url: pages.url(PAGE[scenario]),
    width: w,
    height: h,
    fps: o.fps,
    maxSeconds: 120 + o.seconds,
    direct: ours,
    env: ours ? { LKB_VIDEO_CODEC: codec, BENCH_TAP_FILE: tapFile } : {},
  });
  let driver: PageDriver | undefined;
  let wheelTimer: NodeJS.Timeout | undefined;
  try {
    await withTimeout(`${kind} first frame`, p.firstFrame, 90_000);
    await viewer.waitVideo(30_000);
    if (scenario === 'scroll') {
      if (ours) {
        const f = await viewer.requestFocus('browser');
        if (!f.granted) throw new Error('focus not granted');
      } else driver = await PageDriver.connect(await p.cdpEndpoint(), { timeoutMs: 15_000, logger: log });
      let n = 0;
      wheelTimer = setInterval(() => {
        const down = Math.floor(n / 30) % 2 === 0; // 3 s down, 3 s up
        n++;
        const x = Math.round(w / 2);
        const y = Math.round(h / 2);
        const send = ours
          ? viewer.sendInput('browser', [{ type: 'wheel', x, y, deltaX: 0, deltaY: down ? -100 : 100 }])
          : (driver as PageDriver).wheel(x, y, 0, down ? 100 : -100);
        send.catch((e: unknown) => log.warn({ err: (e as Error).message }, 'wheel input failed'));
      }, 100);
    }
    await sleep(o.warmupSeconds * 1000);
    const received: Array<{ at: number; grid: Uint8Array | undefined }> = [];
    const cap = Math.ceil(o.seconds * o.fps * 1.5);
    viewer.onFrame((f, at) => {
      if (received.length >= cap) return;
      // a frame of another size (the encoder scaled down) cannot be scored: counted, not matched
      received.push({ at, grid: f.width === w && f.height === h ? lumaGridY(yPlane(f), w, h) : undefined });
    });
    const in0 = await inboundVideo(viewer.room);
    const pub0 = await p.framesPublished();
    const enc0 = p.lastStats();
    const meter = p.meter();
    meter.start();
    const t0 = performance.now();
    const w0 = wallMs();
    await sleep(o.seconds * 1000);
    const usage = meter.stop();
    const secs = (performance.now() - t0) / 1000;
    viewer.onFrame(undefined);
    const in1 = await inboundVideo(viewer.room);
    const pub1 = await p.framesPublished();
    const enc1 = p.lastStats();
    if (!in0 || !in1) throw new Error('no inbound video stats');
    const win = inboundWindow(in0, in1, secs);
    const encFrames = Number(enc1?.framesEncoded ?? 0) - Number(enc0?.framesEncoded ?? 0);
    const encodeMs =
      encFrames > 0
        ? ((Number(enc1?.totalEncodeTime ?? 0) - Number(enc0?.totalEncodeTime ?? 0)) * 1000) / encFrames
        : Number.NaN;
    await p.stop();
    let psnrs: number[] = [];
    if (ours) {
      const captured = decodeTapFile(readFileSync(tapFile)).filter((c) => c.at >= w0 - 2000);
      psnrs = received
        .map((r) => (r.grid ? bestMatch(r.grid, r.at, captured) : Number.NaN))
        .filter((x) => Number.isFinite(x));
    }
    const mean = psnrs.length ? psnrs.reduce((s, x) => s + x, 0) / psnrs.length : Number.NaN;
    return {
      kind,
      codec: ours ? codec : 'vp8',
      scenario,
      run,
      pipeline: usage,
      kbps: win.kbps,
      receivedFps: received.length / secs,
      publishedFps: (pub1 - pub0) / secs,
      psnrMean: mean,
      psnrP5: psnrs.length ? percentile(psnrs, 5) : Number.NaN,
      scored: psnrs.length,
      mimeType: in1.mimeType,
      decoder: in1.decoder,
      encoder: String(enc1?.encoder ?? ''),
      encodeMs,
      decodeMs: win.decodeMs,
      qualityLimitation: String(enc1?.qualityLimitation ?? ''),
      loadavg: loadavg(),
    };
  } catch (e) {
    log.error({ kind, codec, scenario, run, err: (e as Error).message }, 'codec run failed');
    lastError = (e as Error).message;
    return undefined;
  } finally {
    clearInterval(wheelTimer);
    await driver?.close();
    await p.stop();
    await viewer.close();
    rmSync(tapDir, { recursive: true, force: true });
  }
}

export async function run(o: CodecOptions): Promise<{ runs: CodecRun[]; rows: Record<string, string | number>[] }> {
  const runs: CodecRun[] = [];
  const cases: Array<[PipelineKind, VideoCodecName]> = [
    ...o.codecs.map((c): [PipelineKind, VideoCodecName] => ['ours', c]),
    ...(o.peer ? [['screencast', 'vp8'] as [PipelineKind, VideoCodecName]] : []),
  ];
  await withFixtures(async (sfu, pages) => {
    for (const scenario of o.scenarios) {
      for (let i = 0; i < o.runs; i++) {
        for (const [kind, codec] of i % 2 === 0 ? cases : [...cases].reverse()) {
          const r = await retryOnce(
            'codecs',
            kind,
            `${codec} ${scenario} run ${i}`,
            () => oneRun(sfu, pages, kind, codec, scenario, i, o),
            (x) => (x === undefined ? lastError : undefined),
          );
          if (r) {
            log.info(
              { kind, codec, scenario, cpu: r.pipeline.cpu.total, kbps: r.kbps, psnr: r.psnrMean, mime: r.mimeType },
              'codec run',
            );
            runs.push(r);
          }
        }
      }
    }
  });
  const rows: Record<string, string | number>[] = [];
  for (const scenario of o.scenarios) {
    const of = (kind: PipelineKind, codec: VideoCodecName) =>
      runs.filter((r) => r.kind === kind && r.codec === codec && r.scenario === scenario);
    const peerCpu = spread(of('screencast', 'vp8').map((r) => r.pipeline.cpu.total ?? 0)).median;
    for (const [kind, codec] of cases) {
      const rs = of(kind, codec);
      if (rs.length === 0) {
        rows.push({
          page: scenario,
          pipeline: kind === 'ours' ? `ours ${codec}` : 'screencast vp8',
          'CPU %': 'failed',
        });
        continue;
      }
      const cpu = spread(rs.map((r) => r.pipeline.cpu.total ?? 0));
      const fps = spread(rs.map((r) => r.receivedFps));
      const last = rs[rs.length - 1] as CodecRun;
      rows.push({
        page: scenario,
        pipeline: kind === 'ours' ? `ours ${codec}` : 'screencast vp8',
        'CPU %': fmtSpread(cpu),
        'Node %': fmtSpread(spread(rs.map((r) => r.pipeline.cpu.node ?? 0))),
        'peer/ours CPU': kind === 'ours' ? ratio(peerCpu, cpu.median) : '',
        'kbit/s': fmtSpread(spread(rs.map((r) => r.kbps)), 0),
        'recv fps': fmtSpread(fps),
        'CPU ms/frame': fps.median >= 1 ? fmt((cpu.median * 10) / fps.median) : '–',
        'PSNR dB mean / p5':
          kind === 'ours'
            ? `${fmt(spread(rs.map((r) => r.psnrMean)).median)} / ${fmt(spread(rs.map((r) => r.psnrP5)).median)}`
            : '',
        'encode ms': fmtSpread(spread(rs.map((r) => r.encodeMs))),
        'decode ms': fmtSpread(spread(rs.map((r) => r.decodeMs))),
        'received as': `${last.mimeType} (${last.decoder || '?'}; enc ${last.encoder || '?'})`,
      });
    }
  }
  return { runs, rows };
}

const FLAGS = {
  runs: { flag: 'runs', kind: 'number', default: 1, min: 1, integer: true, help: 'runs per case' },
  seconds: { flag: 'seconds', kind: 'number', default: 6, help: 'measuring window, s' },
  warmup: { flag: 'warmup', kind: 'number', default: 3, help: 'warm-up before each window, s' },
  fps: { flag: 'fps', kind: 'number', default: 30, min: 1, help: 'target frame rate' },
  size: { flag: 'size', kind: 'sizes', default: '1280x720', help: 'viewport size' },
  codecs: { flag: 'codecs', kind: 'string', default: 'vp8,vp9,av1,h264', help: 'codecs of ours' },
  scenarios: { flag: 'scenarios', kind: 'string', default: 'static,scroll,anim', help: 'pages' },
  peer: { flag: 'peer', kind: 'boolean', default: true, help: 'also the screencast pipeline (VP8) per page' },
} as const satisfies Record<string, BenchSpec>;

if (import.meta.main) {
  const f = benchFlags('codecs.ts', 'Video codecs of ours (CPU, bitrate, PSNR) on three pages, with the peer.', FLAGS);
  const codecs = f.codecs.split(',').map((c) => {
    const v = parseVideoCodec(c);
    if (!v) {
      process.stderr.write(`codecs.ts: --codecs: unknown codec "${c}"\n`);
      process.exit(2);
    }
    return v;
  });
  const scenarios = f.scenarios.split(',').map((s) => {
    if (s !== 'static' && s !== 'scroll' && s !== 'anim') {
      process.stderr.write(`codecs.ts: --scenarios: unknown page "${s}" (static, scroll, anim)\n`);
      process.exit(2);
    }
    return s;
  });
  const [[width, height] = [1280, 720]] = f.size;
  watchdog(40);
  const o: CodecOptions = {
    runs: f.runs,
    seconds: f.seconds,
    warmupSeconds: f.warmup,
    fps: f.fps,
    width,
    height,
    codecs,
    scenarios,
    peer: f.peer,
  };
  const machine = machineInfo();
  const { runs, rows } = await run(o);
  console.log(
    `\nCodecs at ${width}x${height}@${o.fps}, median (min–max) over ${o.runs} run(s); peer = CDP screencast (VP8)\n`,
  );
  console.log(table(rows));
  for (const x of failures) console.log(`failed (retried once): ${x.kind} ${x.what}: ${x.error}`);
  const file = writeResult('codecs', { machine, options: o, loadavgAtEnd: loadavg(), failures, runs, rows });
  console.log(
    `\nmachine: ${machine.cores} cores ${machine.cpuModel}, load at start ${machine.loadavgAtStart}, at end ${loadavg()}\nwrote ${file}`,
  );
  process.exit(0);
}
