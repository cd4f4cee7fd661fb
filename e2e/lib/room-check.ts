// Subscriber-side checks shared by the local Docker e2e and the kind e2e: join a room as a viewer with
// @livekit/rtc-node, wait for the browser's video, sample pixels, take focus over RPC and click.
import {
  type RemoteParticipant,
  type RemoteTrack,
  type RemoteTrackPublication,
  Room,
  RoomEvent,
  TrackKind,
  VideoBufferType,
  VideoStream,
} from '@livekit/rtc-node';
import { AccessToken } from 'livekit-server-sdk';
import { withTimeout } from '@lkbrowser/testkit';

export type Rgb = readonly [number, number, number];

export const RED: Rgb = [255, 0, 0];
export const BLUE: Rgb = [0, 0, 255];

/**
 * A page that is solid red and turns solid blue on the first click (and reports the click to its origin with
 * a POST /clicked beacon, for diagnostics). Big solid areas survive VP8 + 4:2:0 with small colour error.
 */
export const CLICK_PAGE_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>lkbrowser e2e</title>
<style>html,body{margin:0;width:100%;height:100%;background:#ff0000;overflow:hidden}</style></head>
<body><script>
document.addEventListener('click', () => {
  document.body.style.background = '#0000ff';
  fetch('/clicked', { method: 'POST' }).catch(() => {});
});
</script></body></html>
`;

export async function viewerToken(apiKey: string, apiSecret: string, identity: string, room: string): Promise<string> {
  const at = new AccessToken(apiKey, apiSecret, { identity, name: identity, ttl: '10m' });
  at.addGrant({ room, roomJoin: true, canPublish: false, canSubscribe: true, canPublishData: true });
  return at.toJwt();
}

export interface Viewer {
  room: Room;
  /** Resolves with the browser participant's video track once subscribed. */
  video: Promise<RemoteTrack>;
  /** data messages received, by topic */
  data: Array<{ topic: string | undefined; from: string | undefined; text: string }>;
  close(): Promise<void>;
}

/** Join `room` as `identity` and start listening for `browserIdentity`'s video track (before connecting, so a
 * track that is already published when we join is not missed). */
export async function joinAsViewer(opts: {
  url: string;
  apiKey: string;
  apiSecret: string;
  room: string;
  identity: string;
  browserIdentity: string;
  timeoutMs?: number;
}): Promise<Viewer> {
  const room = new Room();
  const data: Viewer['data'] = [];
  room.on(RoomEvent.DataReceived, (payload: Uint8Array, p?: RemoteParticipant, _kind?: unknown, topic?: string) => {
    data.push({ topic, from: p?.identity, text: new TextDecoder().decode(payload) });
  });
  const video = new Promise<RemoteTrack>((resolve) => {
    const on = (track: RemoteTrack, _pub: RemoteTrackPublication, p: RemoteParticipant) => {
      if (track.kind === TrackKind.KIND_VIDEO && p.identity === opts.browserIdentity) {
        room.off(RoomEvent.TrackSubscribed, on);
        resolve(track);
      }
    };
    room.on(RoomEvent.TrackSubscribed, on);
  });
  const token = await viewerToken(opts.apiKey, opts.apiSecret, opts.identity, opts.room);
  await withTimeout(
    `${opts.identity} joins ${opts.room}`,
    room.connect(opts.url, token, { autoSubscribe: true, dynacast: false }),
    opts.timeoutMs ?? 30_000,
  );
  return { room, video, data, close: () => room.disconnect() };
}

export interface Sample {
  width: number;
  height: number;
  /** RGBA of the sampled points */
  points: Array<{ x: number; y: number; rgba: number[] }>;
}

/** Relative sample points: centre and the four quadrant centres. */
const POINTS: ReadonlyArray<readonly [number, number]> = [
  [0.5, 0.5],
  [0.25, 0.25],
  [0.75, 0.25],
  [0.25, 0.75],
  [0.75, 0.75],
];

export function colourClose(px: ArrayLike<number>, want: Rgb, tolerance = 48): boolean {
  return (
    Math.abs((px[0] ?? -999) - want[0]) <= tolerance &&
    Math.abs((px[1] ?? -999) - want[1]) <= tolerance &&
    Math.abs((px[2] ?? -999) - want[2]) <= tolerance
  );
}

/**
 * Read decoded frames of `track` until every sample point is close to `want`; returns that frame's samples.
 * Throws after `timeoutMs` with the last frame's samples (so a failure says what was seen instead).
 */
export async function waitForColour(
  track: RemoteTrack,
  want: Rgb,
  timeoutMs: number,
): Promise<Sample & { frames: number }> {
  const stream = new VideoStream(track);
  const deadline = Date.now() + timeoutMs;
  let last: Sample | undefined;
  let frames = 0;
  const reader = stream.getReader();
  let pending = reader.read();
  try {
    while (Date.now() < deadline) {
      const next = await Promise.race([
        pending,
        new Promise<'tick'>((r) => setTimeout(() => r('tick'), Math.max(1, Math.min(1000, deadline - Date.now())))),
      ]);
      if (next === 'tick') continue; // keep the same read pending: no frame is lost
      if (next.done) break;
      pending = reader.read();
      frames++;
      const rgba = next.value.frame.convert(VideoBufferType.RGBA);
      const { width, height, data } = rgba;
      const points = POINTS.map(([fx, fy]) => {
        const x = Math.min(width - 1, Math.floor(width * fx));
        const y = Math.min(height - 1, Math.floor(height * fy));
        const o = (y * width + x) * 4;
        return { x, y, rgba: [...data.subarray(o, o + 4)] };
      });
      last = { width, height, points };
      if (points.every((p) => colourClose(p.rgba, want))) return { ...last, frames };
    }
  } finally {
    // cancel() also settles a read still pending from a 'tick' race
    await reader.cancel();
    reader.releaseLock();
  }
  const seen = last
    ? `${last.width}x${last.height}, samples ${last.points.map((p) => `(${p.x},${p.y})=${p.rgba.slice(0, 3).join('/')}`).join(' ')}`
    : 'no frame at all';
  throw new Error(
    `video never showed rgb(${want.join(',')}) within ${timeoutMs} ms after ${frames} frames; last: ${seen}`,
  );
}

/** `browser/request-focus` RPC; returns the parsed JSON answer. */
export async function requestFocus(
  room: Room,
  browserIdentity: string,
): Promise<{ granted: boolean; holder?: string }> {
  const lp = room.localParticipant;
  if (!lp) throw new Error('not connected');
  const res = await withTimeout(
    'browser/request-focus',
    lp.performRpc({ destinationIdentity: browserIdentity, method: 'browser/request-focus', payload: '' }),
    30_000,
  );
  return JSON.parse(res) as { granted: boolean; holder?: string };
}

/** Left click at page pixel (x, y) as a `browser-input` packet (seed protocol: mousemove, mousedown, mouseup). */
export async function click(room: Room, browserIdentity: string, x: number, y: number): Promise<void> {
  const lp = room.localParticipant;
  if (!lp) throw new Error('not connected');
  const events = [
    { type: 'mousemove', x, y },
    { type: 'mousedown', x, y, button: 0, clickCount: 1 },
    { type: 'mouseup', x, y, button: 0, clickCount: 1 },
  ];
  await lp.publishData(new TextEncoder().encode(JSON.stringify(events)), {
    reliable: true,
    topic: 'browser-input',
    destination_identities: [browserIdentity],
  });
}
