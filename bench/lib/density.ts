// The decisions of the density bench (bench/density.ts), pure: whether a session and a step (N sessions at once) met
// the criteria, which N to try next, the largest N at which every session still did, and the ours/peer ratio.

export interface Criteria {
  /** every session must receive at least this many frames per second */
  minFps: number;
  /** and its glass-to-glass p95 must be at most this, ms */
  maxP95Ms: number;
}

/** One session's figures over the measuring window (NaN: not measured). */
export interface SessionFigures {
  fps: number;
  p95: number;
  /** the session failed to start or to be measured */
  error?: string;
}

/** N sessions run at once. */
export interface Step {
  n: number;
  sessions: readonly SessionFigures[];
}

export function sessionPasses(s: SessionFigures, c: Criteria): boolean {
  return s.error === undefined && s.fps >= c.minFps && s.p95 <= c.maxP95Ms;
}

/** A step passes when all of its N sessions ran and each met both criteria. */
export function stepPasses(step: Step, c: Criteria): boolean {
  return step.n >= 1 && step.sessions.length === step.n && step.sessions.every((s) => sessionPasses(s, c));
}

/** The worst session of a step: the lowest fps and the highest p95 (NaN if a session has none: it counts as worst). */
export function worstOf(sessions: readonly SessionFigures[]): { fps: number; p95: number } {
  if (sessions.length === 0) return { fps: Number.NaN, p95: Number.NaN };
  let fps = Number.POSITIVE_INFINITY;
  let p95 = Number.NEGATIVE_INFINITY;
  for (const s of sessions) {
    fps = Number.isNaN(s.fps) || Number.isNaN(fps) ? Number.NaN : Math.min(fps, s.fps);
    p95 = Number.isNaN(s.p95) || Number.isNaN(p95) ? Number.NaN : Math.max(p95, s.p95);
  }
  return { fps, p95 };
}

export interface Verdict {
  /** the largest N such that N and every smaller N passed (0: not even one session) */
  largest: number;
  /** the first N that failed, if any */
  firstFailing: number | undefined;
  /** no N failed up to `max`: the answer is at least `largest` (the machine may hold more) */
  reachedMax: boolean;
}

/**
 * The answer from the steps measured so far (in any order): walking N = 1, 2, 3 …, the last N before the first one
 * that failed or was not measured.
 */
export function largestPassingN(steps: readonly Step[], c: Criteria, max: number): Verdict {
  const byN = new Map(steps.map((s) => [s.n, s] as const));
  let largest = 0;
  for (let n = 1; n <= max; n++) {
    const s = byN.get(n);
    if (s === undefined) return { largest, firstFailing: undefined, reachedMax: false };
    if (!stepPasses(s, c)) return { largest, firstFailing: n, reachedMax: false };
    largest = n;
  }
  return { largest, firstFailing: undefined, reachedMax: max >= 1 };
}

/** The N to run next, or undefined when the answer is known (a step failed, or `max` passed). */
export function nextN(steps: readonly Step[], c: Criteria, max: number): number | undefined {
  const v = largestPassingN(steps, c, max);
  if (v.firstFailing !== undefined || v.reachedMax) return undefined;
  return v.largest + 1 <= max ? v.largest + 1 : undefined;
}

/** "ours N / peer N" as text: "2.00x"; a peer at 0 with ours above it has no finite ratio. */
export function densityRatio(ours: Verdict, peer: Verdict): string {
  const bound = (v: Verdict): string => (v.reachedMax ? '≥' : '');
  if (peer.largest === 0) return ours.largest === 0 ? '– (both 0)' : `– (peer 0, ours ${bound(ours)}${ours.largest})`;
  const r = `${(ours.largest / peer.largest).toFixed(2)}x`;
  // a bound on either side makes the ratio a bound too: ours ≥ max raises it, peer ≥ max lowers it
  if (ours.reachedMax && !peer.reachedMax) return `≥${r}`;
  if (peer.reachedMax && !ours.reachedMax) return `≤${r}`;
  if (peer.reachedMax && ours.reachedMax) return `${r} (both hit --max)`;
  return r;
}
