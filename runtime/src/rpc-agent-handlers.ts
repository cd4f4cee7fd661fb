// The computer-use RPCs (docs/room-protocol.md, "Actions" and "Screenshots"): browser/actions for the focus
// holder, browser/screenshot for the holder or an allowlisted identity. Entries of the same RPC table as
// rpc-handlers.ts (rpc-router.ts applies rate limit, focus gate and error mapping).
import { type Room, RpcError } from '@livekit/rtc-node';
import type { Logger } from 'pino';
import type { BrowserPage } from '@lkbrowser/native';
import { parseActionBatch } from './actions-parse.ts';
import type { ActionsRunner } from './actions-runner.ts';
import { errMsg } from './errors.ts';
import type { FocusArbiter } from './focus.ts';
import type { RuntimeMetrics } from './metrics.ts';
import { RPC, RpcCode, type ScreenshotReply, TOPIC } from '@lkbrowser/protocol';
import type { RpcHandler } from './rpc-handlers.ts';
import { clipRegion, copyRgb, encodePng, parseScreenshotRequest, scaledSize } from './screenshot.ts';
import type { LatestFrame } from './video-publisher.ts';

export function actionsHandler(page: BrowserPage, runner: ActionsRunner): RpcHandler {
  return {
    method: RPC.actions,
    needsFocus: true,
    handle: async (caller, payload) => {
      const p = parseActionBatch(payload, { width: page.width, height: page.height });
      if (!p.ok) throw new RpcError(RpcCode.BadRequest, p.error);
      return runner.run(caller, p.batch);
    },
  };
}

export interface ScreenshotContext {
  room: Room;
  page: BrowserPage;
  focus: FocusArbiter;
  /** Identities that may take screenshots without holding focus. */
  allowed: ReadonlySet<string>;
  latest: () => LatestFrame | undefined;
  url: () => string;
  metrics: RuntimeMetrics;
  logger: Logger;
}

const TITLE_MAX = 1024;
const META_TIMEOUT_MS = 1000;
/** Encodes in flight at once per session: a PNG of 1080p is tens of ms of CPU; callers beyond are refused. */
const MAX_CONCURRENT = 2;

let streamSeq = 0;

export function screenshotHandler(ctx: ScreenshotContext): RpcHandler {
  let inFlight = 0;
  return {
    method: RPC.screenshot,
    needsFocus: false,
    handle: async (caller, payload) => {
      // Screen content belongs to whoever drives the page (their mail, their form); the video track is lossy and
      // also visible, but a lossless image is easier to read and to exfiltrate, so it is scoped like input.
      if (!ctx.focus.isHolder(caller) && !ctx.allowed.has(caller)) {
        throw new RpcError(RpcCode.Forbidden, 'screenshots are for the focus holder or an allowlisted identity');
      }
      const p = parseScreenshotRequest(payload);
      if (!p.ok) throw new RpcError(RpcCode.BadRequest, p.error);
      const f = ctx.latest();
      if (!f) throw new RpcError(RpcCode.BrowserError, 'no frame captured yet');
      const region = clipRegion(p.req.region, f.width, f.height);
      if (typeof region === 'string') throw new RpcError(RpcCode.BadRequest, region);
      if (inFlight >= MAX_CONCURRENT) throw new RpcError(RpcCode.RateLimited, 'screenshots already being encoded');
      inFlight++;
      try {
        const t0 = performance.now();
        // Synchronous copy: the slot may be recycled as soon as this returns to the event loop.
        const rgb = copyRgb(f.frame, f.width, region);
        const out = scaledSize(region, p.req.scale);
        const [png, meta] = await Promise.all([encodePng(rgb, region.width, region.height, out), pageMeta(ctx)]);
        const encodeMs = performance.now() - t0;
        ctx.metrics.screenshotEncode.observe(encodeMs / 1000);
        const lp = ctx.room.localParticipant;
        if (!lp) throw new RpcError(RpcCode.BrowserError, 'room is not connected');
        const streamId = `shot-${process.pid}-${Date.now()}-${++streamSeq}`;
        const w = await lp.streamBytes({
          name: 'screenshot.png',
          topic: TOPIC.screenshot,
          mimeType: 'image/png',
          destinationIdentities: [caller],
          streamId,
          totalSize: png.byteLength,
          attributes: { seq: String(f.seq) },
        });
        await w.write(new Uint8Array(png.buffer, png.byteOffset, png.byteLength));
        await w.close();
        const reply: ScreenshotReply = {
          streamId,
          mimeType: 'image/png',
          bytes: png.byteLength,
          width: out.width,
          height: out.height,
          region,
          scale: p.req.scale,
          seq: f.seq,
          captureTimeUs: f.captureTimeUs.toString(),
          encodeMs: Math.round(encodeMs * 10) / 10,
          ...meta,
        };
        return reply;
      } finally {
        inFlight--;
      }
    },
  };
}

/** Page metadata: URL (the runtime's), title and device pixel ratio (from the page, best effort). */
async function pageMeta(
  ctx: ScreenshotContext,
): Promise<{ url: string; title: string; viewport: { width: number; height: number }; devicePixelRatio: number }> {
  const { page } = ctx;
  let title = '';
  let dpr = 1;
  if (!page.crashed) {
    let timer: NodeJS.Timeout | undefined;
    try {
      const r = await Promise.race([
        page.evaluate<{ t: unknown; d: unknown }>('({ t: document.title, d: window.devicePixelRatio })'),
        new Promise<undefined>((res) => {
          timer = setTimeout(() => res(undefined), META_TIMEOUT_MS);
        }),
      ]);
      if (typeof r?.t === 'string') title = r.t.slice(0, TITLE_MAX);
      if (typeof r?.d === 'number' && Number.isFinite(r.d)) dpr = r.d;
    } catch (e) {
      ctx.logger.debug({ err: errMsg(e) }, 'page metadata not available');
    } finally {
      clearTimeout(timer);
    }
  }
  return { url: ctx.url(), title, viewport: { width: page.width, height: page.height }, devicePixelRatio: dpr };
}
