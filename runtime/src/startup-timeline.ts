// When each start-up step ended, for the start-up breakdown (bench/startup.ts, the 'startup' log line): the engine
// page's own marks (host, Xvfb, PulseAudio, Chromium, CDP, first paint) and the runtime's (room join, track publish,
// first frame published), all in performance.now() ms of this process, whose 0 is the process start. Each step is
// exported as a Unix timestamp (lkb_startup_step_timestamp_seconds{step}) so a caller that spawned the process can
// subtract its own spawn time. A standby runtime (warm pool) marks the room steps only once claimed, after `claimed`:
// the same gauge is then the claim path's breakdown (bench/warm-pool.ts).
import type { StartupMarks } from '@lkbrowser/native';
import type { RuntimeMetrics } from './metrics.ts';

export type RuntimeStep =
  | 'runtime_started'
  /** Standby only: the engine, the room's media objects and the page are ready for a claim. */
  | 'standby_ready'
  /** Standby only: POST /claim accepted. */
  | 'claimed'
  | 'room_connect_started'
  | 'room_connected'
  | 'track_published'
  /** Claimed only: the page is at the session's size and URL. */
  | 'page_ready'
  /** Every track published and the page ready: frames flow from here. */
  | 'publishing'
  | 'session_started'
  | 'first_frame_published'
  /** The server bound the first subscriber's browser-video down track (LocalTrackSubscribed). */
  | 'first_subscriber';

export class StartupTimeline {
  readonly #metrics: RuntimeMetrics;
  readonly #marks: Partial<Record<RuntimeStep, number>> = {};

  constructor(metrics: RuntimeMetrics) {
    this.#metrics = metrics;
  }

  /** Records the end of `step` now (the first time only). */
  mark(step: RuntimeStep, at = performance.now()): void {
    if (this.#marks[step] !== undefined) return;
    this.#marks[step] = at;
    this.#metrics.startupStep.set({ step }, (performance.timeOrigin + at) / 1000);
  }

  /** Adds the engine page's marks (exported once, when the page is up). */
  addPage(marks: Readonly<StartupMarks> | undefined): void {
    for (const [step, at] of Object.entries(marks ?? {}))
      if (at !== undefined) this.#metrics.startupStep.set({ step }, (performance.timeOrigin + at) / 1000);
    this.#page = { ...marks };
  }

  #page: StartupMarks = {};

  /** ms from process start to each step's end, rounded, for the log line. */
  summary(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries({ ...this.#page, ...this.#marks })) if (v !== undefined) out[k] = Math.round(v);
    return out;
  }
}
