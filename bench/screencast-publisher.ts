// The comparison pipeline ("screencast"): what products built on CDP Page.startScreencast do.
// Headless Chromium → Page.startScreencast (JPEG, quality 80, ack every frame) → sharp JPEG decode to raw RGBA →
// the same rtc-node VideoSource / LocalVideoTrack publisher (screen share, VP8, same bitrate and max framerate as
// the runtime) → LiveKit room. Frames are published latest-wins at most LKB_FRAMERATE per second (frames that
// arrive while a decode or the pacing slot is busy are acked but not decoded), and the last frame is re-sent
// after 1.5 s without a new one (like the runtime's refresh).
//
// Child process of the benchmarks; env like the runtime: LIVEKIT_URL, LIVEKIT_ROOM, LIVEKIT_IDENTITY,
// LIVEKIT_API_KEY, LIVEKIT_API_SECRET, LKB_URL, LKB_WIDTH, LKB_HEIGHT, LKB_FRAMERATE; plus SC_QUALITY (80),
// SC_EVERY_NTH (1), BENCH_MAX_S (600, hard self-exit). stdout: one JSON object per line
// ({ev:'cdp'|'published'|'first-frame'|'stats'|'error', ...}).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LocalVideoTrack,
  Room,
  TrackPublishOptions,
  TrackSource,
  VideoBufferType,
  VideoCodec,
  VideoFrame,
  VideoSource,
} from '@livekit/rtc-node';
import { AccessToken } from 'livekit-server-sdk';
import sharp from 'sharp';
import { PageDriver } from '@lkbrowser/native/cdp';
// The runtime's own rule, so both pipelines get the same ceiling (a module of its own: loads nothing else).
import { videoBitrate } from '@lkbrowser/runtime/video-bitrate';
import { log } from './lib/common.ts';

const env = (k: string, d?: string): string => {
  const v = process.env[k] ?? d;
  if (v === undefined) throw new Error(`${k} is required`);
  return v;
};
const W = Number(env('LKB_WIDTH', '1280'));
const H = Number(env('LKB_HEIGHT', '720'));
const FPS = Number(env('LKB_FRAMERATE', '30'));
const QUALITY = Number(env('SC_QUALITY', '80'));
const EVERY_NTH = Number(env('SC_EVERY_NTH', '1'));
const REFRESH_MS = 1500;
const out = (o: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ ...o, t: performance.timeOrigin + performance.now() })}\n`);
};

const profile = mkdtempSync(join(tmpdir(), 'lkb-bench-sc-'));
let chrome: ChildProcess | undefined;
let room: Room | undefined;
let stopping = false;

function killChrome(): void {
  if (chrome?.pid && chrome.exitCode === null) {
    try {
      process.kill(-chrome.pid, 'SIGKILL');
    } catch (e) {
      log.debug({ err: (e as Error).message }, 'chromium group kill failed');
    }
  }
  try {
    rmSync(profile, { recursive: true, force: true });
  } catch (e) {
    log.warn({ err: (e as Error).message }, 'profile cleanup failed');
  }
}
process.on('exit', killChrome);

const stats = {
  screencastFrames: 0,
  decoded: 0,
  published: 0,
  refreshed: 0,
  skipped: 0,
  decodeMs: [] as number[],
  jpegBytes: 0,
};

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const d = [...stats.decodeMs].sort((a, b) => a - b);
  out({
    ev: 'stats',
    final: true,
    screencastFrames: stats.screencastFrames,
    decoded: stats.decoded,
    published: stats.published + stats.refreshed,
    refreshed: stats.refreshed,
    skipped: stats.skipped,
    jpegKiBAvg: stats.screencastFrames ? stats.jpegBytes / stats.screencastFrames / 1024 : 0,
    decodeMsP50: d[Math.floor(d.length / 2)] ?? null,
    decodeMsP95: d[Math.floor(d.length * 0.95)] ?? null,
  });
  try {
    await Promise.race([room?.disconnect(), new Promise((r) => setTimeout(r, 3000))]);
  } catch (e) {
    log.warn({ err: (e as Error).message }, 'room disconnect failed');
  }
  killChrome();
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
  // 1. headless Chromium, same base flags as the engine's headful one
  chrome = spawn(
    '/usr/lib/chromium/chromium',
    [
      '--headless=new',
      '--no-sandbox',
      '--test-type',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-quic',
      '--password-store=basic',
      '--disable-features=Translate,MediaRouter,DialMediaRouteProvider',
      '--autoplay-policy=no-user-gesture-required',
      `--user-data-dir=${profile}`,
      '--remote-debugging-port=0',
      '--remote-debugging-address=127.0.0.1',
      `--window-size=${W},${H}`,
      'about:blank',
    ],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  chrome.on('exit', (code, sig) => {
    if (!stopping) {
      out({ ev: 'error', error: `chromium exited (${code ?? sig})` });
      void shutdown(1);
    }
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(
      () => reject(new Error(`chromium did not print its DevTools port: ${buf.slice(-500)}`)),
      30_000,
    );
    chrome?.stderr?.setEncoding('utf8');
    chrome?.stderr?.on('data', (d: string) => {
      if (buf.length < 20_000) buf += d;
      const m = buf.match(/DevTools listening on ws:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const driver = await PageDriver.connect(endpoint, { timeoutMs: 15_000, logger: log });
  const conn = driver.connection;
  const sid = driver.sessionId;
  out({ ev: 'cdp', endpoint, chromiumPid: chrome.pid });
  await conn.send(
    'Emulation.setDeviceMetricsOverride',
    { width: W, height: H, deviceScaleFactor: 1, mobile: false },
    sid,
  );

  // 2. room + the same publisher as the runtime
  const url = env('LIVEKIT_URL');
  const at = new AccessToken(env('LIVEKIT_API_KEY'), env('LIVEKIT_API_SECRET'), {
    identity: env('LIVEKIT_IDENTITY', 'screencast'),
    ttl: 600,
  });
  at.addGrant({
    roomJoin: true,
    room: env('LIVEKIT_ROOM'),
    canPublish: true,
    canSubscribe: false,
    canPublishData: true,
  });
  room = new Room();
  await room.connect(url, await at.toJwt(), { autoSubscribe: false, dynacast: false });
  const source = new VideoSource(W, H);
  const track = LocalVideoTrack.createVideoTrack('browser-video', source);
  const lp = room.localParticipant;
  if (!lp) throw new Error('not connected');
  await lp.publishTrack(
    track,
    new TrackPublishOptions({
      source: TrackSource.SOURCE_SCREENSHARE,
      videoCodec: VideoCodec.VP8,
      videoEncoding: { maxBitrate: BigInt(videoBitrate(W, H)), maxFramerate: FPS },
      simulcast: false,
    }),
  );
  out({ ev: 'published' });

  // 3. screencast → decode → captureFrame, paced latest-wins
  let pendingJpeg: string | undefined;
  let decoding = false;
  let lastPublish = Number.NEGATIVE_INFINITY;
  let last: { rgba: Uint8Array; w: number; h: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let first = true;

  const publish = (rgba: Uint8Array, w: number, h: number, refresh: boolean): void => {
    source.captureFrame(new VideoFrame(rgba, w, h, VideoBufferType.RGBA), process.hrtime.bigint() / 1000n);
    lastPublish = performance.now();
    if (refresh) stats.refreshed++;
    else stats.published++;
    if (first) {
      first = false;
      out({ ev: 'first-frame' });
    }
  };

  const pump = (): void => {
    if (decoding || pendingJpeg === undefined || stopping) return;
    const wait = lastPublish + 1000 / FPS - performance.now();
    if (wait > 0) {
      if (!timer) {
        timer = setTimeout(() => {
          timer = undefined;
          pump();
        }, Math.ceil(wait));
      }
      return;
    }
    const b64 = pendingJpeg;
    pendingJpeg = undefined;
    decoding = true;
    const t0 = performance.now();
    sharp(Buffer.from(b64, 'base64'))
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true })
      .then(({ data, info }) => {
        stats.decodeMs.push(performance.now() - t0);
        if (stats.decodeMs.length > 20_000) stats.decodeMs.splice(0, 10_000);
        stats.decoded++;
        // rtc-node's VideoFrame reads from offset 0 of the ArrayBuffer: copy if sharp's buffer is a view
        const rgba =
          data.byteOffset === 0 && data.buffer.byteLength === data.byteLength
            ? new Uint8Array(data.buffer)
            : Uint8Array.from(data);
        last = { rgba, w: info.width, h: info.height };
        if (!stopping) publish(rgba, info.width, info.height, false);
      })
      .catch((e: unknown) => log.error({ err: (e as Error).message }, 'jpeg decode failed'))
      .finally(() => {
        decoding = false;
        pump();
      });
  };

  conn.onEvent(
    'Page.screencastFrame',
    (p) => {
      stats.screencastFrames++;
      conn.send('Page.screencastFrameAck', { sessionId: p.sessionId }, sid).catch((e: unknown) => {
        if (!stopping) log.warn({ err: (e as Error).message }, 'screencastFrameAck failed');
      });
      const data = p.data as string;
      stats.jpegBytes += (data.length * 3) / 4;
      if (pendingJpeg !== undefined) stats.skipped++;
      pendingJpeg = data;
      pump();
    },
    sid,
  );
  setInterval(() => {
    if (last && !decoding && pendingJpeg === undefined && performance.now() - lastPublish >= REFRESH_MS)
      publish(last.rgba, last.w, last.h, true);
  }, 500).unref();
  // `published` counts refreshes too, like the runtime's lkb_frames_published_total
  setInterval(
    () =>
      out({
        ev: 'stats',
        screencastFrames: stats.screencastFrames,
        decoded: stats.decoded,
        published: stats.published + stats.refreshed,
      }),
    1000,
  ).unref();

  await driver.navigate(env('LKB_URL'), { waitUntil: 'load' });
  await conn.send(
    'Page.startScreencast',
    { format: 'jpeg', quality: QUALITY, maxWidth: W, maxHeight: H, everyNthFrame: EVERY_NTH },
    sid,
  );
}

main().catch((e: unknown) => {
  out({ ev: 'error', error: (e as Error).stack ?? String(e) });
  void shutdown(1);
});
