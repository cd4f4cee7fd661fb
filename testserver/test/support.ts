// Helpers for the testserver tests: tokens, timeouts, synthetic media and frame/audio checks.
import {
  AudioFrame,
  AudioSource,
  AudioStream,
  LocalAudioTrack,
  LocalVideoTrack,
  type RemoteTrack,
  Room,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
  VideoBufferType,
  VideoFrame,
  VideoSource,
  VideoStream,
} from '@livekit/rtc-node';
import { AccessToken } from 'livekit-server-sdk';
import type { TestServer } from '../src/index.ts';
import { withTimeout } from '@lkbrowser/testkit';

export async function token(
  server: Pick<TestServer, 'apiKey' | 'apiSecret'>,
  identity: string,
  room: string,
  opts: { ttl?: number | string; secret?: string; roomJoin?: boolean } = {},
): Promise<string> {
  const at = new AccessToken(server.apiKey, opts.secret ?? server.apiSecret, {
    identity,
    name: identity,
    ttl: opts.ttl ?? '10m',
  });
  at.addGrant({ room, roomJoin: opts.roomJoin ?? true, canPublish: true, canSubscribe: true, canPublishData: true });
  return at.toJwt();
}

export async function connect(server: TestServer, identity: string, room: string): Promise<Room> {
  const r = new Room();
  await withTimeout(`${identity} connect`, r.connect(server.url, await token(server, identity, room)), 30_000);
  return r;
}

export function nextTrack(room: Room, kind: TrackKind, from?: string): Promise<RemoteTrack> {
  return new Promise((resolve) => {
    const on = (track: RemoteTrack, _pub: unknown, p: { identity: string }) => {
      if (track.kind === kind && (from === undefined || p.identity === from)) {
        room.off(RoomEvent.TrackSubscribed, on);
        resolve(track);
      }
    };
    room.on(RoomEvent.TrackSubscribed, on);
  });
}

export type Rgb = readonly [number, number, number];

/** Four quadrants: top-left, top-right, bottom-left, bottom-right. */
export const QUADRANTS: readonly Rgb[] = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
  [255, 255, 255],
];

export function quadrantFrame(width: number, height: number, colours: readonly Rgb[] = QUADRANTS): Uint8Array {
  const buf = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const q = (y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1);
      const c = colours[q] ?? [0, 0, 0];
      const o = (y * width + x) * 4;
      buf[o] = c[0];
      buf[o + 1] = c[1];
      buf[o + 2] = c[2];
      buf[o + 3] = 255;
    }
  }
  return buf;
}

/** Sample points (quadrant centres) of a width x height frame. */
export function quadrantCentres(width: number, height: number): Array<[number, number]> {
  const xs = [Math.floor(width / 4), Math.floor((3 * width) / 4)];
  const ys = [Math.floor(height / 4), Math.floor((3 * height) / 4)];
  return [
    [xs[0] ?? 0, ys[0] ?? 0],
    [xs[1] ?? 0, ys[0] ?? 0],
    [xs[0] ?? 0, ys[1] ?? 0],
    [xs[1] ?? 0, ys[1] ?? 0],
  ];
}

export function colourClose(a: ArrayLike<number>, b: Rgb, tolerance = 40): boolean {
  return (
    Math.abs((a[0] ?? 0) - b[0]) <= tolerance &&
    Math.abs((a[1] ?? 0) - b[1]) <= tolerance &&
    Math.abs((a[2] ?? 0) - b[2]) <= tolerance
  );
}

export interface Publisher {
  video: LocalVideoTrack;
  audio: LocalAudioTrack | undefined;
  stop(): void;
}

/** Publish a synthetic video (quadrant colours, 15 fps) and optionally a 440 Hz tone. */
export async function publishSynthetic(
  room: Room,
  opts: { width?: number; height?: number; audio?: boolean; simulcast?: boolean; source?: TrackSource } = {},
): Promise<Publisher> {
  const width = opts.width ?? 320;
  const height = opts.height ?? 240;
  const vsrc = new VideoSource(width, height);
  const video = LocalVideoTrack.createVideoTrack('synthetic-video', vsrc);
  await withTimeout(
    'publish video',
    room.localParticipant!.publishTrack(
      video,
      new TrackPublishOptions({
        source: opts.source ?? TrackSource.SOURCE_SCREENSHARE,
        simulcast: opts.simulcast ?? false,
        // without an explicit encoding a screenshare is sent at 3 fps
        videoEncoding: { maxBitrate: 1_500_000n, maxFramerate: 30 },
      }),
    ),
    30_000,
  );
  let running = true;
  const rgba = quadrantFrame(width, height);
  void (async () => {
    while (running) {
      vsrc.captureFrame(new VideoFrame(rgba, width, height, VideoBufferType.RGBA), process.hrtime.bigint() / 1000n);
      await new Promise((r) => setTimeout(r, 66));
    }
  })();
  let audio: LocalAudioTrack | undefined;
  if (opts.audio) {
    const asrc = new AudioSource(48000, 1);
    audio = LocalAudioTrack.createAudioTrack('synthetic-audio', asrc);
    await withTimeout(
      'publish audio',
      room.localParticipant!.publishTrack(audio, new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE })),
      30_000,
    );
    let n = 0;
    void (async () => {
      while (running) {
        const f = AudioFrame.create(48000, 1, 480);
        for (let s = 0; s < 480; s++) f.data[s] = Math.round(12000 * Math.sin((2 * Math.PI * 440 * n++) / 48000));
        await asrc.captureFrame(f);
      }
    })();
  }
  return {
    video,
    audio,
    stop: () => {
      running = false;
    },
  };
}

export interface ReceivedFrame {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/** Read `count` decoded frames; returns the last one as RGBA. */
export async function readFrames(track: RemoteTrack, count: number): Promise<ReceivedFrame> {
  const stream = new VideoStream(track);
  let last: VideoFrame | undefined;
  let n = 0;
  for await (const ev of stream) {
    last = ev.frame;
    if (++n >= count) break;
  }
  await stream.cancel();
  if (!last) throw new Error('no frame');
  const rgba = last.convert(VideoBufferType.RGBA);
  return { width: rgba.width, height: rgba.height, rgba: rgba.data };
}

export function pixel(f: ReceivedFrame, x: number, y: number): number[] {
  const o = (y * f.width + x) * 4;
  return [...f.rgba.subarray(o, o + 4)];
}

/** Read ~`frames` 10 ms audio frames; returns peak amplitude and zero-crossing frequency estimate. */
export async function readAudio(track: RemoteTrack, frames: number): Promise<{ peak: number; hz: number }> {
  const stream = new AudioStream(track, 48000, 1);
  let peak = 0;
  let crossings = 0;
  let samples = 0;
  let prev = 0;
  let n = 0;
  for await (const f of stream) {
    for (const v of f.data) {
      peak = Math.max(peak, Math.abs(v));
      if (prev < 0 && v >= 0) crossings++;
      prev = v;
    }
    samples += f.data.length;
    if (++n >= frames) break;
  }
  await stream.cancel();
  return { peak, hz: (crossings * 48000) / samples };
}

export { Room, RoomEvent, TrackKind, TrackSource };
