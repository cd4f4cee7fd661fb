// Where glass-to-glass time goes, for ours: one run of the counter page with ours as engine + session in one process
// (bench/ours-publisher.ts) tapping every paint (BENCH_TAP_FILE: Node arrival and host grab time + luma grid, from
// which the counter is read). Per counter value, with one wall clock on all sides:
//   page draw (rAF) → host grab (XDamage → xcb_shm_get_image) → paint in Node → decoded at the subscriber.
// The last stage is split by WebRTC statistics over the window (publisher outbound-rtp and metrics, subscriber
// inbound-rtp): pacing wait before captureFrame, encode, packet send delay (pacer), jitter buffer, decode; the rest
// is the network + SFU hop and the delivery of the decoded frame to the subscriber's callback.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PageDriver } from '@lkbrowser/native/cdp';
import { withTimeout } from '@lkbrowser/testkit';
import { fmt, log, percentile, type Sfu, sleep } from './common.ts';
import { decodeTapFile, gridSampler } from './frame-quality.ts';
import type { PageServer } from './pages.ts';
import { startPipeline } from './pipelines.ts';
import { inboundVideo, inboundWindow } from './rtc-stats.ts';
import { joinViewer, lumaSampler } from './viewer.ts';

type Sampler = { width: number; mean(x0: number, y0: number, x1: number, y1: number): number };

export interface BudgetOptions {
  seconds: number;
  warmupSeconds: number;
  fps: number;
  /** the glass-to-glass counter reader (glass-to-glass.ts readCounterFrom) */
  readCounter: (s: Sampler) => number | undefined;
}

export interface Budget {
  width: number;
  height: number;
  samples: number;
  /** per-frame stages, ms: [p50, p95] */
  drawToGrab: [number, number];
  grabToNode: [number, number];
  nodeToDecoded: [number, number];
  total: [number, number];
  /** window means from the statistics, ms */
  paintToPublish: number;
  captureFrame: number;
  encode: number;
  packetSendDelay: number;
  jitterBuffer: number;
  decode: number;
  processing: number;
  receivedFps: number;
  error?: string;
}

const p50p95 = (v: number[]): [number, number] => [percentile(v, 50), percentile(v, 95)];

type Stats = Record<string, unknown> | undefined;
function delta(a: Stats, b: Stats, key: string): number {
  return Number(b?.[key] ?? 0) - Number(a?.[key] ?? 0);
}
function histoMeanMs(a: Stats, b: Stats, key: string): number {
  const h = (s: Stats) => (s?.[key] as { sum: number; count: number } | undefined) ?? { sum: 0, count: 0 };
  const n = h(b).count - h(a).count;
  return n > 0 ? ((h(b).sum - h(a).sum) * 1000) / n : Number.NaN;
}

export async function budgetRun(sfu: Sfu, pages: PageServer, w: number, h: number, o: BudgetOptions): Promise<Budget> {
  const room = `budget-${w}x${h}-${randomUUID().slice(0, 8)}`;
  const tapDir = mkdtempSync(join(tmpdir(), 'lkb-budget-'));
  const tapFile = join(tapDir, 'tap.bin');
  const viewer = await joinViewer(sfu, room, 'viewer', 'browser');
  const p = await startPipeline('ours', {
    sfu,
    room,
    identity: 'browser',
    url: pages.url('counter'),
    width: w,
    height: h,
    fps: o.fps,
    maxSeconds: 120 + o.seconds,
    direct: true,
    env: { BENCH_TAP_FILE: tapFile },
  });
  const nan: [number, number] = [Number.NaN, Number.NaN];
  const base: Budget = {
    width: w,
    height: h,
    samples: 0,
    drawToGrab: nan,
    grabToNode: nan,
    nodeToDecoded: nan,
    total: nan,
    paintToPublish: Number.NaN,
    captureFrame: Number.NaN,
    encode: Number.NaN,
    packetSendDelay: Number.NaN,
    jitterBuffer: Number.NaN,
    decode: Number.NaN,
    processing: Number.NaN,
    receivedFps: Number.NaN,
  };
  try {
    await withTimeout('ours first frame', p.firstFrame, 90_000);
    await viewer.waitVideo(30_000);
    await sleep(o.warmupSeconds * 1000);
    const seen = new Map<number, number>();
    let frames = 0;
    viewer.onFrame((f, at) => {
      frames++;
      const c = o.readCounter(lumaSampler(f));
      if (c !== undefined && !seen.has(c)) seen.set(c, at);
    });
    const in0 = await inboundVideo(viewer.room);
    const s0 = p.lastStats();
    const t0 = performance.now();
    await sleep(o.seconds * 1000);
    viewer.onFrame(undefined);
    const secs = (performance.now() - t0) / 1000;
    const in1 = await inboundVideo(viewer.room);
    const s1 = p.lastStats();
    const driver = await PageDriver.connect(await p.cdpEndpoint(), { timeoutMs: 15_000, logger: log });
    let drawn: Record<string, number | null>;
    try {
      drawn = JSON.parse(
        await driver.evaluate<string>(
          `JSON.stringify(Object.fromEntries(${JSON.stringify([...seen.keys()])}.map((c) => [c, window.__ts[c] ?? null])))`,
        ),
      ) as Record<string, number | null>;
    } finally {
      await driver.close();
    }
    await p.stop();
    // the first capture of each counter value: when the host grabbed it and when Node had it
    const grabbed = new Map<number, { grabAt: number; at: number }>();
    for (const r of decodeTapFile(readFileSync(tapFile))) {
      const c = o.readCounter(gridSampler(r.grid, r.width, r.height));
      if (c !== undefined && !grabbed.has(c)) grabbed.set(c, { grabAt: r.grabAt, at: r.at });
    }
    const d2g: number[] = [];
    const g2n: number[] = [];
    const n2d: number[] = [];
    const tot: number[] = [];
    for (const [c, at] of seen) {
      const t = drawn[String(c)];
      const g = grabbed.get(c);
      if (typeof t !== 'number' || !g || at < t) continue;
      d2g.push(g.grabAt - t);
      g2n.push(g.at - g.grabAt);
      n2d.push(at - g.at);
      tot.push(at - t);
    }
    const win = in0 && in1 ? inboundWindow(in0, in1, secs) : undefined;
    const encFrames = delta(s0, s1, 'framesEncoded');
    const pkts = delta(s0, s1, 'packetsSent');
    return {
      ...base,
      samples: tot.length,
      drawToGrab: p50p95(d2g),
      grabToNode: p50p95(g2n),
      nodeToDecoded: p50p95(n2d),
      total: p50p95(tot),
      paintToPublish: histoMeanMs(s0, s1, 'paintToPublish'),
      captureFrame: histoMeanMs(s0, s1, 'captureFrame'),
      encode: encFrames > 0 ? (delta(s0, s1, 'totalEncodeTime') * 1000) / encFrames : Number.NaN,
      packetSendDelay: pkts > 0 ? (delta(s0, s1, 'totalPacketSendDelay') * 1000) / pkts : Number.NaN,
      jitterBuffer: win?.jitterBufferMs ?? Number.NaN,
      decode: win?.decodeMs ?? Number.NaN,
      processing: win?.processingMs ?? Number.NaN,
      receivedFps: frames / secs,
    };
  } catch (e) {
    log.error({ w, h, err: (e as Error).message }, 'latency budget run failed');
    return { ...base, error: (e as Error).message };
  } finally {
    await p.stop();
    await viewer.close();
    rmSync(tapDir, { recursive: true, force: true });
  }
}

/** The budget as table rows: one per stage, p50 (p95) or the window mean. */
export function budgetRows(b: Budget): Record<string, string | number>[] {
  const pct = (v: [number, number]) => `${fmt(v[0])} (${fmt(v[1])})`;
  const c = `${b.width}x${b.height}`;
  const rest = b.nodeToDecoded[0] - (b.paintToPublish - b.grabToNode[0]) - b.encode - b.packetSendDelay - b.processing;
  return [
    { case: c, stage: 'page draw (rAF) → host grab', 'ms p50 (p95)': pct(b.drawToGrab), source: 'page + tap' },
    { case: c, stage: 'host grab → paint in Node', 'ms p50 (p95)': pct(b.grabToNode), source: 'tap' },
    {
      case: c,
      stage: '  paint → captureFrame returned (pacing wait + conversion)',
      'ms p50 (p95)': fmt(b.paintToPublish - b.grabToNode[0]),
      source: 'lkb_paint_to_publish_seconds mean − grab→Node',
    },
    {
      case: c,
      stage: '    of which captureFrame call',
      'ms p50 (p95)': fmt(b.captureFrame),
      source: 'lkb_capture_frame_seconds mean',
    },
    { case: c, stage: '  encode', 'ms p50 (p95)': fmt(b.encode), source: 'outbound-rtp totalEncodeTime/framesEncoded' },
    {
      case: c,
      stage: '  packet send delay (pacer)',
      'ms p50 (p95)': fmt(b.packetSendDelay),
      source: 'outbound-rtp totalPacketSendDelay/packetsSent',
    },
    {
      case: c,
      stage: '  first packet received → decoded',
      'ms p50 (p95)': fmt(b.processing),
      source: 'inbound-rtp totalProcessingDelay/framesDecoded',
    },
    {
      case: c,
      stage: '    of which jitter buffer',
      'ms p50 (p95)': fmt(b.jitterBuffer),
      source: 'inbound-rtp jitterBufferDelay/emitted',
    },
    {
      case: c,
      stage: '    of which decode',
      'ms p50 (p95)': fmt(b.decode),
      source: 'inbound-rtp totalDecodeTime/framesDecoded',
    },
    {
      case: c,
      stage: '  rest: network + SFU + delivery to the callback',
      'ms p50 (p95)': fmt(rest),
      source: 'difference',
    },
    {
      case: c,
      stage: 'paint in Node → decoded at the subscriber',
      'ms p50 (p95)': pct(b.nodeToDecoded),
      source: 'tap + subscriber',
    },
    {
      case: c,
      stage: 'glass-to-glass (this run)',
      'ms p50 (p95)': pct(b.total),
      source: `${b.samples} frames, ${fmt(b.receivedFps)} fps received`,
    },
  ];
}
