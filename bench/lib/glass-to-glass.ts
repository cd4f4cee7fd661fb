// Glass-to-glass measurement on the frame-stamped pages (pages.ts `counter`, `anim-counter`): the page draws a 16-bit
// counter every rAF and records performance.timeOrigin + performance.now() per value in window.__ts; the subscriber
// reads the counter from each decoded frame and stamps each value's first arrival with the same wall clock; the
// page's stamps are fetched over CDP at the end. Used by glass-to-glass.ts (one session) and density.ts (N at once).
import type { VideoFrame } from '@livekit/rtc-node';
import { PageDriver } from '@lkbrowser/native/cdp';
import { log, percentile, wallMs } from './common.ts';
import { COUNTER_BITS } from './pages.ts';
import type { Pipeline } from './pipelines.ts';
import { lumaSampler, type Viewer } from './viewer.ts';

/** Reads the counter from a decoded frame; undefined if any bit is ambiguous. */
export function readCounter(f: VideoFrame): number | undefined {
  return readCounterFrom(lumaSampler(f));
}

/** The counter from any luma sampler (a decoded frame, or a captured frame's grid). */
export function readCounterFrom(s: {
  width: number;
  mean(x0: number, y0: number, x1: number, y1: number): number;
}): number | undefined {
  const b = s.width / COUNTER_BITS;
  let v = 0;
  for (let i = 0; i < COUNTER_BITS; i++) {
    const x0 = Math.round(i * b + b / 4);
    const x1 = Math.round(i * b + (3 * b) / 4);
    const top = s.mean(x0, Math.round(b / 4), x1, Math.round((3 * b) / 4));
    const bottom = s.mean(x0, Math.round(b + b / 4), x1, Math.round(b + (3 * b) / 4));
    const d = top - bottom;
    if (!(Math.abs(d) >= 50)) return undefined;
    v = (v << 1) | (d > 0 ? 1 : 0);
  }
  return v;
}

/** What a viewer saw over a measuring window. */
export interface CounterWindow {
  /** decoded frames in the window */
  frames: number;
  /** frames with an ambiguous counter bit (not used for latency) */
  ambiguous: number;
  /** counter value → wall ms of its first decoded arrival */
  firstSeen: Map<number, number>;
  /** last decoded frame's size, "WxH" */
  size: string;
  /** wall ms at the window's start and end */
  w0: number;
  w1: number;
  seconds: number;
}

/** Starts recording the counters a viewer decodes; `stop()` ends the window and returns what was seen. */
export function recordCounters(viewer: Viewer): { stop(): CounterWindow } {
  const firstSeen = new Map<number, number>();
  let frames = 0;
  let ambiguous = 0;
  let size = '';
  viewer.onFrame((f, at) => {
    frames++;
    size = `${f.width}x${f.height}`;
    const c = readCounter(f);
    if (c === undefined) ambiguous++;
    else if (!firstSeen.has(c)) firstSeen.set(c, at);
  });
  const w0 = wallMs();
  const t0 = performance.now();
  return {
    stop: () => {
      viewer.onFrame(undefined);
      return { frames, ambiguous, firstSeen, size, w0, w1: wallMs(), seconds: (performance.now() - t0) / 1000 };
    },
  };
}

/** The page's draw stamps of `counters`, and its rAF callbacks within [w0, w1], fetched over the pipeline's CDP. */
export async function fetchPageStamps(
  p: Pipeline,
  counters: readonly number[],
  w0: number,
  w1: number,
): Promise<{ ts: Record<string, number | null>; rafs: number }> {
  const driver = await PageDriver.connect(await p.cdpEndpoint(), {
    timeoutMs: 15_000,
    logger: log,
    headers: p.cdpHeaders,
  });
  try {
    const rafs = await driver.evaluate<number>(`window.__ts.filter((t) => t >= ${w0} && t <= ${w1}).length`);
    const ts = JSON.parse(
      await driver.evaluate<string>(
        `JSON.stringify(Object.fromEntries(${JSON.stringify(counters)}.map((c) => [c, window.__ts[c] ?? null])))`,
      ),
    ) as Record<string, number | null>;
    return { ts, rafs };
  } finally {
    await driver.close();
  }
}

export interface Latencies {
  /** draw → first decoded arrival, ms, per counter value that has a page stamp */
  lat: number[];
  p50: number;
  p95: number;
  /** counter values without a page stamp (wrapped or never recorded) */
  missing: number;
  /** arrivals before their draw stamp (a misread counter; left out) */
  negative: number;
}

/** Pure: per counter value, first arrival minus the page's draw stamp. */
export function latencies(firstSeen: ReadonlyMap<number, number>, ts: Record<string, number | null>): Latencies {
  const lat: number[] = [];
  let missing = 0;
  let negative = 0;
  for (const [c, at] of firstSeen) {
    const t = ts[String(c)];
    if (typeof t !== 'number') {
      missing++;
      continue;
    }
    const d = at - t;
    if (d < 0) negative++;
    else lat.push(d);
  }
  return { lat, p50: percentile(lat, 50), p95: percentile(lat, 95), missing, negative };
}
