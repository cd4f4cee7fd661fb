// Quality of received video against what was captured: both sides reduced to the same grid of luma samples (every
// STEP-th pixel of every STEP-th row), then PSNR per received frame against the captured frame it matches best among
// those captured shortly before it arrived (the publisher skips paints and the link adds delay, so the counterpart
// is found rather than assumed). Pure functions; bench/codecs.ts does the I/O.

/** Grid spacing in pixels (1/16 of the pixels at 4). */
export const STEP = 4;

export function gridSize(width: number, height: number): { gw: number; gh: number } {
  return { gw: Math.ceil(width / STEP), gh: Math.ceil(height / STEP) };
}

/**
 * Luma of a BGRA(X) frame on the grid, as libyuv's ARGBToI420 computes it (BT.601, limited range), which is what the
 * encoder is given: identical pixels give identical samples on both sides.
 */
export function lumaGridBgra(frame: Uint8Array, width: number, height: number): Uint8Array {
  const { gw, gh } = gridSize(width, height);
  const out = new Uint8Array(gw * gh);
  let i = 0;
  for (let y = 0; y < height; y += STEP) {
    let o = y * width * 4;
    for (let x = 0; x < width; x += STEP, o += STEP * 4) {
      const b = frame[o] ?? 0;
      const g = frame[o + 1] ?? 0;
      const r = frame[o + 2] ?? 0;
      out[i++] = ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16;
    }
  }
  return out;
}

/** The same grid from a decoded frame's Y plane (I420: width*height bytes first). */
export function lumaGridY(y: Uint8Array, width: number, height: number): Uint8Array {
  const { gw, gh } = gridSize(width, height);
  const out = new Uint8Array(gw * gh);
  let i = 0;
  for (let yy = 0; yy < height; yy += STEP) {
    const row = yy * width;
    for (let x = 0; x < width; x += STEP) out[i++] = y[row + x] ?? 0;
  }
  return out;
}

/** PSNR in dB of two equal-size sample grids, capped at `cap` (identical grids would be infinite). */
export function psnr(a: Uint8Array, b: Uint8Array, cap = 60): number {
  if (a.length !== b.length || a.length === 0) return Number.NaN;
  let se = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    se += d * d;
  }
  if (se === 0) return cap;
  return Math.min(cap, 10 * Math.log10((255 * 255 * a.length) / se));
}

export interface Captured {
  /** wall-clock ms when the paint reached the publisher */
  at: number;
  grid: Uint8Array;
}

/**
 * Best PSNR of `received` (arrived at `at`) over the captured frames of the `windowMs` before its arrival (sorted
 * by `at`), or NaN when none was captured then.
 */
export function bestMatch(received: Uint8Array, at: number, captured: readonly Captured[], windowMs = 1000): number {
  let best = Number.NaN;
  // captured is sorted: binary-search the last frame captured before the arrival
  let lo = 0;
  let hi = captured.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((captured[mid]?.at ?? 0) <= at) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo - 1; i >= 0; i--) {
    const c = captured[i];
    if (!c || c.at < at - windowMs) break;
    const p = psnr(received, c.grid);
    if (!(p <= best)) best = p;
  }
  return best;
}

/** Tap record layout (bench/ours-publisher.ts BENCH_TAP_FILE): f64 wall ms, u32 width, u32 height, then the grid. */
export const TAP_HEADER = 16;

export function encodeTapRecord(at: number, width: number, height: number, grid: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(TAP_HEADER + grid.length);
  b.writeDoubleLE(at, 0);
  b.writeUInt32LE(width, 8);
  b.writeUInt32LE(height, 12);
  b.set(grid, TAP_HEADER);
  return b;
}

export function decodeTapFile(buf: Buffer): Array<Captured & { width: number; height: number }> {
  const out: Array<Captured & { width: number; height: number }> = [];
  let o = 0;
  while (o + TAP_HEADER <= buf.length) {
    const at = buf.readDoubleLE(o);
    const width = buf.readUInt32LE(o + 8);
    const height = buf.readUInt32LE(o + 12);
    const { gw, gh } = gridSize(width, height);
    const n = gw * gh;
    if (o + TAP_HEADER + n > buf.length) break; // a record cut off by the child's exit
    out.push({ at, width, height, grid: new Uint8Array(buf.subarray(o + TAP_HEADER, o + TAP_HEADER + n)) });
    o += TAP_HEADER + n;
  }
  return out;
}
