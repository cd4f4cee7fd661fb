// The warm claim's path, step by step (bench/warm-pool.ts): the claimed runtime's own step ends
// (lkb_startup_step_timestamp_seconds, runtime/src/startup-timeline.ts, Unix time) and the viewer's (wall ms of its
// TrackSubscribed, first decoded frame, first frame that is not black). Pure: parsing and the rows' arithmetic.

/** Step name → wall ms, from a runtime's /metrics text. */
export function parseStepGauge(metricsText: string): Record<string, number> {
  const out: Record<string, number> = {};
  const re = /^lkb_startup_step_timestamp_seconds\{step="([a-z_]+)"\} ([0-9.e+]+)$/gm;
  for (const m of metricsText.matchAll(re)) out[m[1] as string] = Number(m[2]) * 1000;
  return out;
}

/**
 * The breakdown rows: [label, from step, to step]. The claimed runtime joins the room and loads the page at the same
 * time, so the rows are durations of the steps on the path (from → to), not a sum.
 */
export const CLAIM_STEPS: ReadonlyArray<readonly [string, string, string]> = [
  ['claim → first frame decoded by the viewer', 'claimed', 'viewer_first_frame'],
  ['claim → first frame with content (not black)', 'claimed', 'viewer_first_content'],
  ['  claim → room connect started', 'claimed', 'room_connect_started'],
  ['  room connect (signal join + peer connection up)', 'room_connect_started', 'room_connected'],
  ['  room connected → browser-video published', 'room_connected', 'track_published'],
  ['  claim → page ready (resize + navigate, in parallel)', 'claimed', 'page_ready'],
  ['  claim → publishing (all tracks + page ready)', 'claimed', 'publishing'],
  ['  publishing → first subscriber bound (server)', 'publishing', 'first_subscriber'],
  ['  video published → first subscriber bound', 'track_published', 'first_subscriber'],
  ['  first subscriber bound → viewer TrackSubscribed', 'first_subscriber', 'viewer_subscribed'],
  ['  first subscriber bound → first frame decoded', 'first_subscriber', 'viewer_first_frame'],
  ['BrowserSession create → claim', 'session_created', 'claimed'],
  ['BrowserSession create → first frame decoded', 'session_created', 'viewer_first_frame'],
];

/** One duration per row (NaN where a step is missing). */
export function stepDurations(steps: Readonly<Record<string, number>>): number[] {
  return CLAIM_STEPS.map(([, from, to]) => (steps[to] ?? Number.NaN) - (steps[from] ?? Number.NaN));
}
