// browser/screenshot: a lossless PNG of the last captured frame (the engine's shm slot the video track also
// sends: no extra capture), optionally a region of it and scaled down. Request parsing and the BGRA → RGB copy
// are pure; encoding is sharp (libvips + libpng), off the event loop in libuv's thread pool. sharp is loaded on the
// first screenshot: libvips costs a session ~6-10 MiB that most sessions never use (bench/cpu-mem.ts PSS by kind).
import type { Rect } from '@lkbrowser/native';
import { SCREENSHOT_LIMITS } from '@lkbrowser/protocol';

export { SCREENSHOT_LIMITS };

/** The parsed request (the wire form is @lkbrowser/protocol's ScreenshotRequest). */
export interface ParsedScreenshotRequest {
  /** Part of the frame in page pixels; default the whole frame. */
  region?: Rect;
  /** Output size = region size × scale (rounded, at least 1 px). Default 1. */
  scale: number;
}

export type ScreenshotParse = { ok: true; req: ParsedScreenshotRequest } | { ok: false; error: string };

export function parseScreenshotRequest(payload: string): ScreenshotParse {
  if (payload === '') return { ok: true, req: { scale: 1 } };
  if (payload.length > SCREENSHOT_LIMITS.maxPayloadBytes) return { ok: false, error: 'payload too large' };
  let v: unknown;
  try {
    v = JSON.parse(payload);
  } catch {
    // Not JSON: answered as a bad request.
    return { ok: false, error: 'payload is not JSON' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, error: 'payload must be an object' };
  const o = v as Record<string, unknown>;
  if (o.format !== undefined && o.format !== 'png') return { ok: false, error: 'format must be "png"' };
  const scale = o.scale ?? 1;
  if (typeof scale !== 'number' || !(scale >= SCREENSHOT_LIMITS.minScale && scale <= SCREENSHOT_LIMITS.maxScale)) {
    return { ok: false, error: `scale must be ${SCREENSHOT_LIMITS.minScale}..${SCREENSHOT_LIMITS.maxScale}` };
  }
  const req: ParsedScreenshotRequest = { scale };
  if (o.region !== undefined) {
    const r = o.region as Record<string, unknown> | null;
    const int = (k: string, lo: number): number | undefined => {
      const n = r?.[k];
      return typeof n === 'number' && Number.isInteger(n) && n >= lo ? n : undefined;
    };
    const x = int('x', 0);
    const y = int('y', 0);
    const width = int('width', 1);
    const height = int('height', 1);
    if (x === undefined || y === undefined || width === undefined || height === undefined) {
      return { ok: false, error: 'region must be {"x","y","width","height"} integers (x,y >= 0, width,height >= 1)' };
    }
    req.region = { x, y, width, height };
  }
  return { ok: true, req };
}

/** The region clipped to the frame, or an error when nothing of it is inside. */
export function clipRegion(region: Rect | undefined, width: number, height: number): Rect | string {
  if (!region) return { x: 0, y: 0, width, height };
  if (region.x >= width || region.y >= height) return `region starts outside the ${width}x${height} frame`;
  return {
    x: region.x,
    y: region.y,
    width: Math.min(region.width, width - region.x),
    height: Math.min(region.height, height - region.y),
  };
}

export function scaledSize(r: Rect, scale: number): { width: number; height: number } {
  return { width: Math.max(1, Math.round(r.width * scale)), height: Math.max(1, Math.round(r.height * scale)) };
}

/** Copies `r` out of a BGRA(X) frame (stride width*4) into packed RGB: the slot can be released right away, and
 *  the padding byte of the capture is no alpha channel. */
export function copyRgb(bgra: Uint8Array, frameWidth: number, r: Rect): Uint8Array {
  const out = new Uint8Array(r.width * r.height * 3);
  let o = 0;
  for (let row = 0; row < r.height; row++) {
    let i = ((r.y + row) * frameWidth + r.x) * 4;
    const end = i + r.width * 4;
    for (; i < end; i += 4) {
      out[o++] = bgra[i + 2] as number;
      out[o++] = bgra[i + 1] as number;
      out[o++] = bgra[i] as number;
    }
  }
  return out;
}

/** PNG of packed RGB pixels, resized (Lanczos) when the output size differs. */
export async function encodePng(
  rgb: Uint8Array,
  width: number,
  height: number,
  out: { width: number; height: number },
): Promise<Buffer> {
  const { default: sharp } = await import('sharp');
  let img = sharp(rgb, { raw: { width, height, channels: 3 } });
  if (out.width !== width || out.height !== height) img = img.resize(out.width, out.height, { fit: 'fill' });
  // zlib level 6 without adaptive row filtering: measured on a page screenshot (docs/demo.png) adaptive filtering
  // is 4-8x slower (1080p: 215 vs 28 ms) for 20 % smaller files; an agent waits for this, so speed wins.
  return img.png({ compressionLevel: 6, adaptiveFiltering: false }).toBuffer();
}
