// Shared helpers for runtime media tests: rtc-node participants against the room server of the run (startSfu).
import {
  type RemoteTrack,
  type RemoteTrackPublication,
  Room,
  RoomEvent,
  TrackKind,
  VideoBufferType,
  type VideoFrameEvent,
  VideoStream,
} from '@livekit/rtc-node';
import { type PageServer, type Sfu, servePages, startSfu, withTimeout } from '@lkbrowser/testkit';
import { AccessToken } from 'livekit-server-sdk';
import { pino } from 'pino';

export const testLogger = pino({ level: process.env.LKB_TEST_LOG_LEVEL ?? 'warn' });

export const NODE = process.execPath;
export const REPO = new URL('../../', import.meta.url).pathname;

/** The room server of this run: the real livekit-server by default, LKB_TEST_SFU=testserver for the test SFU. */
export type RoomServer = Sfu;

/** The server in its own process (its sockets and CPU stay out of the test process); see @lkbrowser/testkit startSfu. */
export async function startRoomServer(): Promise<RoomServer> {
  return await startSfu();
}

export async function token(
  server: { apiKey: string; apiSecret: string },
  room: string,
  identity: string,
  grant: Record<string, unknown> = {},
): Promise<string> {
  const at = new AccessToken(server.apiKey, server.apiSecret, { identity, name: identity, ttl: 600 });
  at.addGrant({ room, roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true, ...grant });
  return at.toJwt();
}

export async function join(
  server: { url: string; apiKey: string; apiSecret: string },
  room: string,
  identity: string,
  opts: { autoSubscribe?: boolean } = {},
): Promise<Room> {
  const r = new Room();
  await withTimeout(
    `${identity} connect`,
    r.connect(server.url, await token(server, room, identity), {
      autoSubscribe: opts.autoSubscribe ?? true,
      dynacast: false,
    }),
    30_000,
  );
  return r;
}

export interface ReceivedFrame {
  width: number;
  height: number;
  /** RGBA of the centre pixel. */
  center: [number, number, number];
  /** RGBA at (x, y) helper on the last frame. */
  at(x: number, y: number): [number, number, number];
  receivedAtMs: number;
}

/** Reads a remote video track in the background, keeping the latest frame (converted to RGBA). */
export class VideoWatcher {
  latest: ReceivedFrame | undefined;
  count = 0;
  #reader: ReadableStreamDefaultReader<VideoFrameEvent>;
  readonly done: Promise<void>;

  constructor(track: RemoteTrack) {
    const reader = new VideoStream(track).getReader();
    this.#reader = reader;
    this.done = (async () => {
      for (;;) {
        const { value: ev, done } = await reader.read();
        if (done || !ev) break;
        this.count++;
        const f = ev.frame;
        const rgba = f.convert(VideoBufferType.RGBA);
        const w = rgba.width;
        const data = rgba.data;
        const at = (x: number, y: number): [number, number, number] => {
          const o = (Math.floor(y) * w + Math.floor(x)) * 4;
          return [data[o] ?? -1, data[o + 1] ?? -1, data[o + 2] ?? -1];
        };
        this.latest = {
          width: rgba.width,
          height: rgba.height,
          center: at(rgba.width / 2, rgba.height / 2),
          at,
          receivedAtMs: Date.now(),
        };
      }
    })();
  }

  async stop(): Promise<void> {
    await this.#reader.cancel();
    await this.done;
  }
}

export function near(a: readonly number[], b: readonly number[], tol = 40): boolean {
  return a.length === b.length && a.every((v, i) => Math.abs(v - (b[i] ?? 0)) <= tol);
}

export function waitTrack(
  room: Room,
  kind: TrackKind,
  fromIdentity: string,
): Promise<{ track: RemoteTrack; publication: RemoteTrackPublication }> {
  return new Promise((resolve) => {
    for (const p of room.remoteParticipants.values()) {
      if (p.identity !== fromIdentity) continue;
      for (const pub of p.trackPublications.values()) {
        if (pub.track && pub.kind === kind) {
          resolve({ track: pub.track as RemoteTrack, publication: pub });
          return;
        }
      }
    }
    const h = (track: RemoteTrack, publication: RemoteTrackPublication, participant: { identity: string }) => {
      if (participant.identity === fromIdentity && track.kind === kind) {
        room.off(RoomEvent.TrackSubscribed, h);
        resolve({ track, publication });
      }
    };
    room.on(RoomEvent.TrackSubscribed, h);
  });
}

/** Collects data packets by topic. */
export class DataLog {
  readonly packets: Array<{ topic: string | undefined; from: string | undefined; json: unknown }> = [];
  constructor(room: Room) {
    room.on(RoomEvent.DataReceived, (payload, participant, _kind, topic) => {
      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder().decode(payload));
      } catch {
        json = '<not json>'; // recorded as such; tests assert on the parsed values
      }
      this.packets.push({ topic, from: participant?.identity, json });
    });
  }
  last(topic: string): unknown {
    for (let i = this.packets.length - 1; i >= 0; i--)
      if (this.packets[i]?.topic === topic) return this.packets[i]?.json;
    return undefined;
  }
  /** The holder of the last browser-focus packet (its other fields, previous/reason, are ignored); undefined if none. */
  focus(): string | null | undefined {
    const v = this.last('browser-focus') as { identity?: string | null } | undefined;
    return v === undefined ? undefined : (v.identity ?? null);
  }
  count(topic: string): number {
    return this.packets.filter((p) => p.topic === topic).length;
  }
}

export const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));

export { TrackKind };

/** Test pages for the real engine, served on 127.0.0.1 (navigation needs allowPrivate). */
export const TEST_PAGES: Record<string, string> = {
  solid: '<!doctype html><html><body style="margin:0;background:rgb(30,144,255)"></body></html>',
  // Each mousedown anywhere toggles the page green / magenta.
  click: `<!doctype html><html><body style="margin:0;background:rgb(255,0,0)"><script>
let n = 0;
document.addEventListener('mousedown', () => { document.body.style.background = ++n % 2 ? 'rgb(0,200,0)' : 'rgb(200,0,200)'; });
</script></body></html>`,
  tone: `<!doctype html><html><body style="margin:0;background:rgb(0,0,0)"><script>
const ctx = new AudioContext({ sampleRate: 48000 });
const o = ctx.createOscillator(); o.frequency.value = 440; const g = ctx.createGain(); g.gain.value = 0.5;
o.connect(g).connect(ctx.destination); o.start();
</script></body></html>`,
  yellow: '<!doctype html><html><body style="margin:0;background:rgb(255,255,0)"></body></html>',
};

/** The TEST_PAGES (name → HTML) served on 127.0.0.1 as `/<name>`. */
export function startPageServer(): Promise<PageServer> {
  return servePages(Object.fromEntries(Object.entries(TEST_PAGES).map(([name, html]) => [`/${name}`, html])));
}
