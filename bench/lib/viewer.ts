// The subscriber side of the benchmarks: an rtc-node participant that receives the browser's video, hands every
// decoded frame (with its wall-clock arrival time) to a callback, and can take focus / send browser-input.
import {
  type RemoteParticipant,
  type RemoteTrack,
  type RemoteTrackPublication,
  Room,
  RoomEvent,
  TrackKind,
  VideoBufferType,
  type VideoFrame,
  VideoStream,
} from '@livekit/rtc-node';
import { AccessToken } from 'livekit-server-sdk';
import { log, type Sfu, wallMs } from './common.ts';
import { withTimeout } from '@lkbrowser/testkit';

export interface Viewer {
  room: Room;
  /** wall ms of the first decoded frame */
  firstFrameAt: number | undefined;
  /**
   * wall ms of the first decoded frame that is not black: rtc-node's VideoSource sends black frames until the
   * publisher's first captureFrame, so the first decoded frame of a freshly published track can precede any content.
   */
  firstContentAt: number | undefined;
  /** wall ms when the browser's video track was subscribed */
  subscribedAt: number | undefined;
  frames: number;
  onFrame(cb: ((f: VideoFrame, at: number) => void) | undefined): void;
  requestFocus(browser: string): Promise<{ granted: boolean }>;
  sendInput(browser: string, events: unknown[]): Promise<void>;
  waitVideo(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function joinViewer(sfu: Sfu, room: string, identity: string, browser: string): Promise<Viewer> {
  const r = new Room();
  let cb: ((f: VideoFrame, at: number) => void) | undefined;
  let closed = false;
  let gotVideo: () => void = () => undefined;
  const video = new Promise<void>((res) => {
    gotVideo = res;
  });
  const v: Viewer = {
    room: r,
    firstFrameAt: undefined,
    firstContentAt: undefined,
    subscribedAt: undefined,
    frames: 0,
    onFrame: (f) => {
      cb = f;
    },
    requestFocus: async (b) => {
      const lp = r.localParticipant;
      if (!lp) throw new Error('not connected');
      const res = await withTimeout(
        'request-focus',
        lp.performRpc({ destinationIdentity: b, method: 'browser/request-focus', payload: '' }),
        20_000,
      );
      return JSON.parse(res) as { granted: boolean };
    },
    sendInput: async (b, events) => {
      const lp = r.localParticipant;
      if (!lp) throw new Error('not connected');
      await lp.publishData(new TextEncoder().encode(JSON.stringify(events)), {
        reliable: true,
        topic: 'browser-input',
        destination_identities: [b],
      });
    },
    waitVideo: (ms) =>
      withTimeout(`video of ${browser}`, video, ms).catch((e: unknown) => {
        const pubs = [...r.remoteParticipants.values()].map(
          (p) =>
            `${p.identity}:[${[...p.trackPublications.values()].map((t) => `${t.name}/${t.subscribed ? 'sub' : 'unsub'}`).join(',')}]`,
        );
        throw new Error(
          `${(e as Error).message} (track subscribed: ${v.subscribedAt !== undefined}; remote: ${pubs.join(' ') || 'none'})`,
        );
      }),
    close: async () => {
      closed = true;
      await withTimeout('viewer disconnect', r.disconnect(), 5000).catch((e: unknown) =>
        log.warn({ err: (e as Error).message }, 'viewer disconnect'),
      );
    },
  };
  r.on(RoomEvent.TrackSubscribed, (track: RemoteTrack, _pub: RemoteTrackPublication, p: RemoteParticipant) => {
    if (track.kind !== TrackKind.KIND_VIDEO || p.identity !== browser) return;
    v.subscribedAt ??= wallMs();
    void (async () => {
      const stream = new VideoStream(track);
      const reader = stream.getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done || closed) break;
          const at = wallMs();
          if (v.firstFrameAt === undefined) {
            v.firstFrameAt = at;
            gotVideo();
          }
          v.frames++;
          if (v.firstContentAt === undefined) {
            const s = lumaSampler(value.frame);
            // limited-range black is 16; any page we load has a brighter mean
            if (s.mean(0, 0, s.width, s.height, 16) > 24) v.firstContentAt = at;
          }
          cb?.(value.frame, at);
        }
      } catch (e) {
        if (!closed) log.warn({ err: (e as Error).message }, 'video stream ended with an error');
      } finally {
        reader.releaseLock();
      }
    })();
  });
  const at = new AccessToken(sfu.apiKey, sfu.apiSecret, { identity, ttl: 600 });
  at.addGrant({ room, roomJoin: true, canPublish: false, canSubscribe: true, canPublishData: true });
  await withTimeout(
    `${identity} connect`,
    r.connect(sfu.url, await at.toJwt(), { autoSubscribe: true, dynacast: false }),
    30_000,
  );
  return v;
}

/**
 * Luma (0..255) of a decoded frame as a sampler: I420 frames are read in place from the Y plane (no conversion);
 * other types are converted to RGBA once.
 */
export function lumaSampler(f: VideoFrame): {
  width: number;
  height: number;
  mean(x0: number, y0: number, x1: number, y1: number, step?: number): number;
} {
  const { width, height } = f;
  if (f.type === VideoBufferType.I420) {
    const y = f.data;
    return {
      width,
      height,
      mean(x0, y0, x1, y1, step = 4) {
        let s = 0;
        let n = 0;
        for (let yy = Math.max(0, y0); yy < Math.min(height, y1); yy += step) {
          for (let xx = Math.max(0, x0); xx < Math.min(width, x1); xx += step) {
            s += y[yy * width + xx] ?? 0;
            n++;
          }
        }
        return n ? s / n : Number.NaN;
      },
    };
  }
  const rgba = f.convert(VideoBufferType.RGBA).data;
  return {
    width,
    height,
    mean(x0, y0, x1, y1, step = 4) {
      let s = 0;
      let n = 0;
      for (let yy = Math.max(0, y0); yy < Math.min(height, y1); yy += step) {
        for (let xx = Math.max(0, x0); xx < Math.min(width, x1); xx += step) {
          const o = (yy * width + xx) * 4;
          s += 0.299 * (rgba[o] ?? 0) + 0.587 * (rgba[o + 1] ?? 0) + 0.114 * (rgba[o + 2] ?? 0);
          n++;
        }
      }
      return n ? s / n : Number.NaN;
    },
  };
}
