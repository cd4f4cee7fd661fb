// browser-video: the screen-share track and its pacing. Paints are damage-driven; the publisher keeps the newest
// one (the engine's shm slot, held), publishes it at most `fps` times per second, and re-sends the last frame after
// `refreshIntervalMs` without a new paint so late subscribers and lossy links of a static page still get a picture.
import {
  type LocalTrack,
  type Room,
  RoomEvent,
  TrackPublishOptions,
  TrackSource,
  VideoBufferType,
  VideoCodec,
  VideoFrame,
  type VideoSource,
} from '@livekit/rtc-node';
import type { Logger } from 'pino';
import type { BrowserPage, PaintEvent } from '@lkbrowser/native';
import { errMsg } from './errors.ts';
import { type PreparedVideo, prepareVideo } from './prepared-media.ts';
import type { RuntimeMetrics } from './metrics.ts';
import { videoBitrate } from './video-bitrate.ts';
import type { VideoCodecName } from './video-codec.ts';

/** Our codec names → rtc-node's enum. */
const RTC_CODEC: Record<VideoCodecName, VideoCodec> = {
  vp8: VideoCodec.VP8,
  vp9: VideoCodec.VP9,
  av1: VideoCodec.AV1,
  h264: VideoCodec.H264,
};

/** A published browser-video track and its source, made before the page exists (start-up overlap). */
export interface PreparedVideoTrack {
  source: VideoSource;
  sid: string;
}

/**
 * Publishes browser-video on `room` (screen share, one layer, the codec and bitrate for the size): the `prepared`
 * source and track (a standby runtime's, of this size: prepared-media.ts fitPrepared), or new ones.
 */
export async function publishVideoTrack(
  room: Room,
  o: { width: number; height: number; fps: number; codec?: VideoCodecName },
  prepared?: PreparedVideo,
): Promise<PreparedVideoTrack> {
  const lp = room.localParticipant;
  if (!lp) throw new Error('room is not connected');
  const v = prepared ?? prepareVideo(o.width, o.height);
  const pub = await lp.publishTrack(
    v.track,
    new TrackPublishOptions({
      source: TrackSource.SOURCE_SCREENSHARE,
      videoCodec: RTC_CODEC[o.codec ?? 'vp8'],
      videoEncoding: { maxBitrate: BigInt(videoBitrate(o.width, o.height)), maxFramerate: o.fps },
      simulcast: false,
    }),
  );
  return { source: v.source, sid: pub.sid ?? '' };
}

export interface VideoPublisherOptions {
  room: Room;
  page: BrowserPage;
  fps: number;
  /** Codec of the track (default vp8). */
  codec?: VideoCodecName;
  refreshIntervalMs: number;
  metrics: RuntimeMetrics;
  logger: Logger;
  /** The track published ahead (publishVideoTrack, while the engine started); publish() adopts it. */
  prepared?: Promise<PreparedVideoTrack>;
  /** Called once, after the first frame went to the source. */
  onFirstFrame?: () => void;
  /** Called when the server bound a subscriber's down track of this track (LocalTrackSubscribed). */
  onSubscribed?: () => void;
}

/** The newest paint: its pixels (an engine slot until released) and whether it went out yet. */
interface HeldFrame {
  seq: number;
  frame: Uint8Array;
  width: number;
  height: number;
  captureTimeUs: bigint;
  release: () => void;
  published: boolean;
}

/** A frame that went out on the track. */
export interface PublishedFrame {
  seq: number;
  width: number;
  height: number;
  captureTimeUs: bigint;
}

/** The newest captured frame's pixels (BGRA, stride width*4); valid only until the caller returns. */
export interface LatestFrame extends PublishedFrame {
  frame: Uint8Array;
}

const nowMs = (): number => performance.now();
/** The engine host's pacing slack (native/host/screen_capture.h kPaceSlackUs). */
const PACE_SLACK_MS = 1;
const PACE_BURST = 2;

/**
 * When a subscriber's down track is bound (livekit-server's TrackSubscribed, once per track), the last frame is
 * sent again at these delays (ms). The server asks the encoder for a key frame then, but an encoder only encodes one
 * when it is given a frame, and a settled page gives none. The publisher's encoder also sends nothing while the track
 * has no subscriber (the server's subscribed-quality update enables it at the same moment), and the server locks the
 * new down track only on a key frame that follows the first packets it sees (its PLI "for layer lock"): so the frame
 * goes out at the track's frame interval for SUBSCRIBED_BURST_MS, and whichever frame follows that PLI is the key
 * frame, one interval after it at most (was: the 100/300 ms re-sends). A key frame the viewer still misses (its own
 * negotiation not done yet) it asks for again, and the server forwards that PLI only after its throttle (500 ms for
 * a one-layer track): the frame goes out every SUBSCRIBED_TAIL_STEP_MS until SUBSCRIBED_TAIL_MS for that one (was:
 * the 700 ms re-send). bench/warm-pool.ts, "first subscriber bound → first frame decoded". A still frame re-sent
 * costs one conversion and a tiny delta frame; the low-rate refresh takes over after.
 */
export const SUBSCRIBED_BURST_MS = 300;
export const SUBSCRIBED_TAIL_STEP_MS = 100;
export const SUBSCRIBED_TAIL_MS = 1000;

/** The re-send delays after a subscription at `fps` (pure; table test in video-publisher-schedule.test.ts). */
export function subscribedResendMs(fps: number): number[] {
  const step = Math.max(20, Math.round(1000 / Math.max(1, fps)));
  const out: number[] = [];
  for (let t = 0; t < SUBSCRIBED_BURST_MS; t += step) out.push(t);
  for (let t = SUBSCRIBED_BURST_MS; t <= SUBSCRIBED_TAIL_MS; t += SUBSCRIBED_TAIL_STEP_MS) out.push(t);
  return out;
}

const monoUs = (): bigint => process.hrtime.bigint() / 1000n;

export class VideoPublisher {
  readonly #o: VideoPublisherOptions;
  #source: VideoSource | undefined;
  #sid: string | undefined;
  #latest: HeldFrame | undefined;
  /** When the last captureFrame started: pacing counts from there, not from its return (the BGRA → I420
   *  conversion inside takes several ms, which every next frame would otherwise wait again). */
  #lastPublishMs = Number.NEGATIVE_INFINITY;
  /** Pacing of paint-driven publishes: a token bucket at fps, two frames deep (see #schedulePublish). */
  #tokens = PACE_BURST;
  #tokensAtMs = Number.NEGATIVE_INFINITY;
  #publishTimer: NodeJS.Timeout | undefined;
  #intervals: NodeJS.Timeout[] = [];
  #framesThisSecond = 0;
  #lastPaintMs = Number.NEGATIVE_INFINITY;
  #frameWaiters: Array<{ afterUs: bigint; resolve: (f: PublishedFrame | null) => void; timer: NodeJS.Timeout }> = [];
  #running = false;
  #closed = false;
  #sentAny = false;
  #resendTimers: NodeJS.Timeout[] = [];
  readonly #onLocalSubscribed = (track: LocalTrack): void => {
    if (track.sid === undefined || track.sid !== this.#sid || this.#closed) return;
    this.#o.onSubscribed?.();
    for (const t of this.#resendTimers) clearTimeout(t);
    // A page that paints anyway (animation) already sends a frame per interval: no re-send on top of it.
    const halfInterval = 500 / this.#o.fps;
    this.#resendTimers = subscribedResendMs(this.#o.fps).map((ms) =>
      setTimeout(() => {
        if (this.#running && nowMs() - this.#lastPublishMs >= halfInterval) this.#publishLatest(true);
      }, ms),
    );
  };

  constructor(opts: VideoPublisherOptions) {
    this.#o = opts;
  }

  get sid(): string | undefined {
    return this.#sid;
  }

  /** Publishes the track, or adopts the prepared one (frames that arrive meanwhile are held, not sent). */
  async publish(): Promise<void> {
    const { room, page, fps, codec } = this.#o;
    // Before the track exists (or is adopted): a subscription that follows gets the resends.
    room.on(RoomEvent.LocalTrackSubscribed, this.#onLocalSubscribed);
    const t =
      (await this.#o.prepared) ??
      (await publishVideoTrack(room, { width: page.width, height: page.height, fps, codec }));
    this.#source = t.source;
    this.#sid = t.sid;
  }

  /** Starts sending: the held frame (or a requested repaint) first, then paced paints and refreshes. */
  start(): void {
    if (this.#closed || this.#running) return;
    this.#running = true;
    this.requestFrame();
    this.#schedulePublish();
    this.#intervals.push(
      setInterval(() => {
        this.#o.metrics.fps.set(this.#framesThisSecond);
        this.#framesThisSecond = 0;
      }, 1000),
      setInterval(() => this.#refresh(), Math.max(100, Math.floor(this.#o.refreshIntervalMs / 3))),
    );
  }

  onPaint(ev: PaintEvent): void {
    if (this.#closed) return;
    if (ev.frame.byteOffset !== 0 || ev.frame.byteLength !== ev.width * ev.height * 4) {
      this.#o.logger.error(
        { seq: ev.seq, width: ev.width, height: ev.height, bytes: ev.frame.byteLength },
        'paint frame has an unexpected layout; dropped',
      );
      return;
    }
    const release = ev.hold();
    const prev = this.#latest;
    this.#lastPaintMs = nowMs();
    this.#latest = {
      seq: ev.seq,
      frame: ev.frame,
      width: ev.width,
      height: ev.height,
      captureTimeUs: ev.captureTimeUs,
      release,
      published: false,
    };
    if (prev) {
      if (!prev.published) this.#o.metrics.framesSkipped.inc();
      prev.release();
    }
    this.#schedulePublish();
  }

  /** performance.now() of the last paint from the engine (-Infinity before the first). */
  get lastPaintMs(): number {
    return this.#lastPaintMs;
  }

  /** The newest captured frame, for a synchronous copy (screenshots encode it: no extra capture). */
  latest(): LatestFrame | undefined {
    const l = this.#latest;
    return l && { seq: l.seq, frame: l.frame, width: l.width, height: l.height, captureTimeUs: l.captureTimeUs };
  }

  /** Resolves with the first frame captured at or after `afterUs` (monotonic µs) once it was published, or null
   *  after `timeoutMs`. */
  waitPublishedAfter(afterUs: bigint, timeoutMs: number): Promise<PublishedFrame | null> {
    return new Promise((resolve) => {
      const w = {
        afterUs,
        resolve,
        timer: setTimeout(() => {
          this.#frameWaiters = this.#frameWaiters.filter((x) => x !== w);
          resolve(null);
        }, timeoutMs),
      };
      this.#frameWaiters.push(w);
    });
  }

  /** The engine may recycle its frame memory across a restart: keep a private copy of the last frame (viewers keep
   *  seeing it through the refresh) and give the slot back. */
  detachFromEngine(): void {
    const l = this.#latest;
    if (!l) return;
    const copy = new Uint8Array(new ArrayBuffer(l.frame.byteLength));
    copy.set(l.frame);
    l.release();
    this.#latest = { ...l, frame: copy, release: () => undefined };
  }

  /** Engines that can (the native one) repaint the current screen on request: paints are damage-driven,
   *  so a page that settled before the session subscribed would otherwise send nothing until it changes. */
  requestFrame(): void {
    const p = this.#o.page as BrowserPage & { requestFrame?: () => void };
    if (typeof p.requestFrame === 'function') p.requestFrame();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#running = false;
    for (const t of this.#intervals) clearInterval(t);
    for (const t of this.#resendTimers) clearTimeout(t);
    this.#o.room.off(RoomEvent.LocalTrackSubscribed, this.#onLocalSubscribed);
    for (const w of this.#frameWaiters) {
      clearTimeout(w.timer);
      w.resolve(null);
    }
    this.#frameWaiters = [];
    clearTimeout(this.#publishTimer);
    const lp = this.#o.room.localParticipant;
    if (this.#sid && lp) {
      try {
        await lp.unpublishTrack(this.#sid);
      } catch (e) {
        this.#o.logger.warn({ err: errMsg(e), sid: this.#sid }, 'unpublishTrack failed');
      }
    }
    this.#sid = undefined;
    this.#latest?.release();
    this.#latest = undefined;
    try {
      await this.#source?.close();
    } catch (e) {
      this.#o.logger.warn({ err: errMsg(e) }, 'closing the video source failed');
    }
    this.#source = undefined;
  }

  #schedulePublish(): void {
    if (this.#publishTimer || !this.#running || !this.#latest || this.#latest.published) return;
    // A rate cap without a phase: the engine host already grabs at fps on its own schedule, and a second schedule
    // here (or "one interval after the last publish") held every paint until its own tick — 16–25 ms of the 720p30
    // glass-to-glass budget (bench/glass-to-glass.ts, paint → captureFrame). The bucket lets paints that come at
    // fps through at once and still caps an engine that paints faster at fps on average.
    const now = nowMs();
    const fps = this.#o.fps;
    this.#tokens = Math.min(PACE_BURST, this.#tokens + ((now - this.#tokensAtMs) * fps) / 1000);
    this.#tokensAtMs = now;
    const wait = ((1 - this.#tokens) * 1000) / fps;
    if (wait <= PACE_SLACK_MS) this.#publishLatest(false);
    else {
      this.#publishTimer = setTimeout(() => {
        this.#publishTimer = undefined;
        this.#publishLatest(false);
      }, Math.ceil(wait));
    }
  }

  #refresh(): void {
    if (!this.#running || !this.#latest) return;
    if (nowMs() - this.#lastPublishMs >= this.#o.refreshIntervalMs) this.#publishLatest(true);
  }

  #publishLatest(refresh: boolean): void {
    const l = this.#latest;
    const src = this.#source;
    if (!l || !src || this.#closed || (!refresh && l.published)) return;
    const startMs = nowMs();
    const t0 = process.hrtime.bigint();
    try {
      src.captureFrame(new VideoFrame(l.frame, l.width, l.height, VideoBufferType.BGRA), monoUs());
    } catch (e) {
      this.#o.logger.error({ err: errMsg(e) }, 'captureFrame failed');
      return;
    }
    const t1 = process.hrtime.bigint();
    const m = this.#o.metrics;
    m.captureDuration.observe(Number(t1 - t0) / 1e9);
    if (!refresh && !l.published) m.paintToPublish.observe(Math.max(0, Number(t1 / 1000n - l.captureTimeUs)) / 1e6);
    if (refresh) m.framesRefreshed.inc();
    m.framesPublished.inc();
    if (!this.#sentAny) {
      this.#sentAny = true;
      this.#o.onFirstFrame?.();
    }
    this.#framesThisSecond++;
    l.published = true;
    this.#lastPublishMs = startMs;
    if (!refresh) this.#tokens -= 1;
    if (this.#frameWaiters.length > 0) {
      const info: PublishedFrame = { seq: l.seq, width: l.width, height: l.height, captureTimeUs: l.captureTimeUs };
      this.#frameWaiters = this.#frameWaiters.filter((w) => {
        if (l.captureTimeUs < w.afterUs) return true;
        clearTimeout(w.timer);
        w.resolve(info);
        return false;
      });
    }
  }
}
