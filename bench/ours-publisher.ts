// "Ours" without the runtime CLI: the engine (createContext → BrowserPage) + the runtime's session module
// (runtime/src/session.ts: the same damage-driven paint → VideoSource path, focus RPCs and browser-input handling)
// in one Node process. Used by the benchmarks when runtime/src/main.ts is not present (BENCH_OURS=direct forces it).
// Env like the runtime CLI: LIVEKIT_URL, LIVEKIT_ROOM, LIVEKIT_IDENTITY, LIVEKIT_API_KEY, LIVEKIT_API_SECRET, LKB_URL,
// LKB_WIDTH, LKB_HEIGHT, LKB_FRAMERATE, LKB_VIDEO_CODEC, LKB_AUDIO (default false here), BENCH_MAX_S. stdout: JSON
// event lines (the stats line carries the publisher's outbound-rtp figures). BENCH_TAP_FILE: append every paint's luma
// grid there (bench/lib/frame-quality.ts) so bench/codecs.ts can compare received frames with captured ones.
import { closeSync, openSync, writeSync } from 'node:fs';
import { type CdpBridge, startCdpBridge } from './lib/cdp-bridge.ts';
import { Room } from '@livekit/rtc-node';
import { AccessToken } from 'livekit-server-sdk';
import { createContext, type EngineContext } from '@lkbrowser/native';
import { parseVideoCodec, RoomSession, RuntimeMetrics, runtimeGrant } from '@lkbrowser/runtime';
import { log } from './lib/common.ts';
import { encodeTapRecord, lumaGridBgra } from './lib/frame-quality.ts';

const env = (k: string, d?: string): string => {
  const v = process.env[k] ?? d;
  if (v === undefined) throw new Error(`${k} is required`);
  return v;
};
const out = (o: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ ...o, t: performance.timeOrigin + performance.now() })}\n`);
};

let ctx: EngineContext | undefined;
let bridge: CdpBridge | undefined;
let room: Room | undefined;
let session: RoomSession | undefined;
let stopping = false;
const metrics = new RuntimeMetrics();

async function published(): Promise<number> {
  const m = await metrics.framesPublished.get();
  return m.values.reduce((s, v) => s + v.value, 0);
}

/** Sum (s) and count of a runtime histogram, for per-window means. */
async function histo(h: RuntimeMetrics['paintToPublish']): Promise<{ sum: number; count: number }> {
  const m = await h.get();
  const v = (suffix: string) => m.values.find((x) => x.metricName?.endsWith(suffix))?.value ?? 0;
  return { sum: v('_sum'), count: v('_count') };
}

/** The video sender's outbound-rtp figures (encoder, encode time, bytes), for the codec comparison. */
async function outbound(): Promise<Record<string, unknown>> {
  if (!room) return {};
  try {
    const s = await room.getRtcStats();
    // both lists: which one rtc-node files a stream under is not what its name says (see bench/lib/rtc-stats.ts)
    for (const st of [...s.publisherStats, ...s.subscriberStats]) {
      if (st.stats.case !== 'outboundRtp') continue;
      const o = st.stats.value;
      if (o.stream?.kind !== 'video') continue;
      return {
        encoder: o.outbound?.encoderImplementation,
        framesEncoded: o.outbound?.framesEncoded,
        totalEncodeTime: o.outbound?.totalEncodeTime,
        bytesSent: Number(o.sent?.bytesSent ?? 0),
        packetsSent: Number(o.sent?.packetsSent ?? 0),
        totalPacketSendDelay: o.outbound?.totalPacketSendDelay,
        paintToPublish: await histo(metrics.paintToPublish),
        captureFrame: await histo(metrics.captureDuration),
        targetBitrate: o.outbound?.targetBitrate,
        qualityLimitation: o.outbound?.qualityLimitationReason,
      };
    }
  } catch (e) {
    log.warn({ err: (e as Error).message }, 'publisher stats');
  }
  return {};
}

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  out({ ev: 'stats', final: true, published: await published(), ...(await outbound()) });
  const bounded = (p: Promise<unknown> | undefined, ms: number): Promise<unknown> =>
    Promise.race([p, new Promise((r) => setTimeout(r, ms))]);
  try {
    await bounded(session?.close(), 3000);
    await bounded(room?.disconnect(), 3000);
    await bounded(bridge?.close(), 2000);
    await bounded(ctx?.close(), 8000);
  } catch (e) {
    log.warn({ err: (e as Error).message }, 'shutdown step failed');
  }
  process.exit(code);
}
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGINT', () => void shutdown(0));
setTimeout(
  () => {
    log.error('BENCH_MAX_S reached; exiting');
    void shutdown(3);
  },
  Number(env('BENCH_MAX_S', '600')) * 1000,
).unref();

async function main(): Promise<void> {
  const W = Number(env('LKB_WIDTH', '1280'));
  const H = Number(env('LKB_HEIGHT', '720'));
  const fps = Number(env('LKB_FRAMERATE', '30'));
  const audio = env('LKB_AUDIO', 'false') === 'true';
  const identity = env('LIVEKIT_IDENTITY', 'browser');
  const roomName = env('LIVEKIT_ROOM');
  const codecName = env('LKB_VIDEO_CODEC', 'vp8');
  const videoCodec = parseVideoCodec(codecName);
  if (!videoCodec) throw new Error(`LKB_VIDEO_CODEC: unknown codec ${codecName}`);
  ctx = await createContext({
    maxWidth: Math.max(W, 1280),
    maxHeight: Math.max(H, 720),
    startTimeoutMs: 60_000,
    logger: log,
  });
  const page = await ctx.newPage({ url: env('LKB_URL'), width: W, height: H, framerate: fps, audio });
  bridge = await startCdpBridge(page); // DevTools is a pipe: the bench reaches the page through this bridge
  out({ ev: 'cdp', endpoint: bridge.endpoint, hostPid: page.hostPid });
  const at = new AccessToken(env('LIVEKIT_API_KEY'), env('LIVEKIT_API_SECRET'), { identity, ttl: 600 });
  at.addGrant(runtimeGrant(roomName));
  room = new Room();
  await room.connect(env('LIVEKIT_URL'), await at.toJwt(), { autoSubscribe: false, dynacast: false });
  session = new RoomSession({
    room,
    page,
    framerate: fps,
    videoCodec,
    audio,
    nav: { allowPrivate: true, allowedOrigins: [] },
    focusIdleMs: 0,
    focusPriorityIdentities: [],
    metrics,
    logger: log,
  });
  session.on('fatal', (e) => {
    out({ ev: 'error', error: e.message });
    void shutdown(1);
  });
  const tapFile = process.env.BENCH_TAP_FILE;
  if (tapFile) {
    const fd = openSync(tapFile, 'a');
    process.on('exit', () => closeSync(fd));
    // synchronous: the paint's pixels are the engine's slot, valid while the event is delivered
    page.on('paint', (ev) => {
      const at = performance.timeOrigin + performance.now();
      // captureTimeUs is CLOCK_MONOTONIC (process.hrtime's clock): as wall ms by its distance from now
      const grabAt = at - Number(process.hrtime.bigint() / 1000n - ev.captureTimeUs) / 1000;
      writeSync(fd, encodeTapRecord(at, grabAt, ev.width, ev.height, lumaGridBgra(ev.frame, ev.width, ev.height)));
    });
  }
  await session.start();
  // The page's first paints happened before the session subscribed (a static page paints nothing more): one full
  // frame. (Newer runtime sessions do this themselves in start(); a second request costs one grab.)
  page.requestFrame?.();
  out({ ev: 'published' });
  for (let i = 0; i < 6000 && !stopping; i++) {
    if ((await published()) > 0) {
      out({ ev: 'first-frame' });
      break;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  setInterval(() => {
    void Promise.all([published(), outbound()]).then(([n, o]) => out({ ev: 'stats', published: n, ...o }));
  }, 1000).unref();
}

main().catch((e: unknown) => {
  out({ ev: 'error', error: (e as Error).stack ?? String(e) });
  void shutdown(1);
});
