// BrowserSession: one engine page as a participant of a LiveKit room, speaking docs/room-protocol.md.
// Tracks: browser-video (screen share, damage-driven, ≤ fps, low-rate refresh of static pages) and
// browser-audio (screen-share audio). RPCs: focus, navigation, status, resize. Data: browser-input in,
// browser-focus / browser-url / cursor_changed out (reliable, late joiners get the current state).
import { lookup } from 'node:dns/promises';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import {
  AudioFrame,
  AudioSource,
  LocalAudioTrack,
  LocalVideoTrack,
  type RemoteParticipant,
  type Room,
  RoomEvent,
  RpcError,
  type RpcInvocationData,
  TrackPublishOptions,
  TrackSource,
  VideoBufferType,
  VideoCodec,
  VideoFrame,
  VideoSource,
} from '@livekit/rtc-node';
import type { Logger } from 'pino';
import type { AudioEvent, BrowserPage, PaintEvent } from '../../native/src/engine-api.ts';
import { LIMITS } from './config.ts';
import { type FocusBroadcast, FocusState } from './focus.ts';
import { applyCall, type EngineCall, InputMapper } from './input-map.ts';
import { parseInputPacket } from './input-validation.ts';
import type { RuntimeMetrics } from './metrics.ts';
import { checkNavigation, type NavPolicy, privateAddressClass } from './nav-policy.ts';
import { RateLimiter } from './rate-limit.ts';

import { AUDIO_TRACK, RPC, RpcCode, TOPIC, VIDEO_TRACK } from './protocol.ts';

export { AUDIO_TRACK, RPC, RpcCode, TOPIC, VIDEO_TRACK };

export interface SessionOptions {
  room: Room;
  page: BrowserPage;
  fps: number;
  audio: boolean;
  nav: NavPolicy;
  focusIdleMs: number;
  focusPriority: readonly string[];
  /** Release focus after this long however busy the holder is (0 = never). */
  focusMaxHoldMs?: number;
  /** Identities that may call browser/revoke-focus. */
  focusAdmins?: readonly string[];
  metrics: RuntimeMetrics;
  logger: Logger;
  /** Re-send the last frame after this long without a new one (static pages). Default 1500 ms. */
  refreshIntervalMs?: number;
  /** Resolve a host name to addresses for the private-target check. Default: DNS lookup, 2 s timeout. */
  resolveHost?: (host: string) => Promise<string[]>;
  /** Input limits per participant. */
  inputPacketsPerSec?: number;
  inputEventsPerSec?: number;
  rpcPerSec?: number;
}

export interface SessionStatus {
  url: string;
  focusHolder: string | null;
  width: number;
  height: number;
  fps: number;
  publishing: boolean;
  restarts: number;
}

export interface SessionEvents {
  /** The engine could not be restarted: the process should exit non-zero. */
  fatal: [Error];
  /** The video track is published and frames flow. */
  publishing: [];
}

/** 8 Mbps at 1080p, scaled by pixel count, at least 1 Mbps. */
export function videoBitrate(width: number, height: number): number {
  return Math.max(1_000_000, Math.round((8_000_000 * width * height) / (1920 * 1080)));
}

interface HeldFrame {
  frame: Uint8Array;
  width: number;
  height: number;
  captureTimeUs: bigint;
  release: () => void;
  published: boolean;
}

const AUDIO_QUEUE_FRAMES = 20; // 200 ms of 10 ms frames
const AUDIO_ERRORS_BEFORE_RECREATE = 3;
const INPUT_QUEUE_MAX_EVENTS = 1024;
const SEND_QUEUE_MAX = 256;
const NAVIGATE_WAIT_MS = 7000;
const RESTART_ATTEMPTS = 3;

const encoder = new TextEncoder();
const nowMs = (): number => performance.now();
const monoUs = (): bigint => process.hrtime.bigint() / 1000n;

function errMsg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function defaultResolve(host: string): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string[]>((_, rej) => {
    timer = setTimeout(() => rej(new Error('DNS lookup timed out')), 2000);
  });
  try {
    const found = lookup(host, { all: true, verbatim: true }).then((addrs) => addrs.map((a) => a.address));
    return await Promise.race([found, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export class BrowserSession extends EventEmitter<SessionEvents> {
  readonly #o: Required<Omit<SessionOptions, 'resolveHost'>> & { resolveHost: (host: string) => Promise<string[]> };
  readonly #log: Logger;
  readonly #focus: FocusState;
  readonly #mapper = new InputMapper();
  readonly #packetLimiter: RateLimiter;
  readonly #eventLimiter: RateLimiter;
  readonly #rpcLimiter: RateLimiter;

  #videoSource: VideoSource | undefined;
  #videoTrack: LocalVideoTrack | undefined;
  #videoSid: string | undefined;
  #audioSource: AudioSource | undefined;
  #audioTrack: LocalAudioTrack | undefined;
  #audioSid: string | undefined;
  #audioQueue: AudioEvent[] = [];
  #audioPumping = false;
  #audioErrors = 0;
  #audioRecreating = false;

  #latest: HeldFrame | undefined;
  #lastPublishMs = Number.NEGATIVE_INFINITY;
  #publishTimer: NodeJS.Timeout | undefined;
  #intervals: NodeJS.Timeout[] = [];
  #framesThisSecond = 0;
  #publishing = false;

  #url: string;
  #cursor = 'default';
  #restarts = 0;
  #restarting = false;
  #started = false;
  #closed = false;

  #inputChain: Promise<void> = Promise.resolve();
  #inputPending = 0;
  #sendChain: Promise<void> = Promise.resolve();
  #sendPending = 0;
  #registered: string[] = [];

  readonly #roomHandlers: {
    data: (payload: Uint8Array, participant?: RemoteParticipant, kind?: unknown, topic?: string) => void;
    connected: (p: RemoteParticipant) => void;
    disconnected: (p: RemoteParticipant) => void;
  };
  readonly #pageHandlers: {
    paint: (ev: PaintEvent) => void;
    audio: (ev: AudioEvent) => void;
    cursor: (c: string) => void;
    url: (u: string) => void;
    crashed: (info: { reason: string }) => void;
  };

  constructor(opts: SessionOptions) {
    super();
    this.#o = {
      refreshIntervalMs: 1500,
      resolveHost: defaultResolve,
      inputPacketsPerSec: 200,
      inputEventsPerSec: 1000,
      rpcPerSec: 10,
      focusMaxHoldMs: 0,
      focusAdmins: [],
      ...opts,
    };
    this.#log = opts.logger.child({ component: 'session' });
    this.#focus = new FocusState({ idleMs: opts.focusIdleMs, priority: opts.focusPriority, maxHoldMs: opts.focusMaxHoldMs, admins: opts.focusAdmins });
    this.#packetLimiter = new RateLimiter({ ratePerSec: this.#o.inputPacketsPerSec, burst: this.#o.inputPacketsPerSec * 2 });
    this.#eventLimiter = new RateLimiter({ ratePerSec: this.#o.inputEventsPerSec, burst: this.#o.inputEventsPerSec * 2 });
    this.#rpcLimiter = new RateLimiter({ ratePerSec: this.#o.rpcPerSec, burst: this.#o.rpcPerSec * 2 });
    this.#url = opts.page.url;
    this.#roomHandlers = {
      data: (payload, participant, _kind, topic) => this.#onData(payload, participant, topic),
      connected: (p) => this.#onParticipantConnected(p),
      disconnected: (p) => this.#onParticipantDisconnected(p),
    };
    this.#pageHandlers = {
      paint: (ev) => this.#onPaint(ev),
      audio: (ev) => this.#onAudio(ev),
      cursor: (c) => this.#onCursor(c),
      url: (u) => this.#onUrl(u),
      crashed: (info) => this.#onCrashed(info),
    };
  }

  get focusHolder(): string | null {
    return this.#focus.holder;
  }

  get publishing(): boolean {
    return this.#publishing;
  }

  status(): SessionStatus {
    const p = this.#o.page;
    return {
      url: this.#url,
      focusHolder: this.#focus.holder,
      width: p.width,
      height: p.height,
      fps: this.#o.fps,
      publishing: this.#publishing,
      restarts: this.#restarts,
    };
  }

  async start(): Promise<void> {
    if (this.#started) throw new Error('session already started');
    this.#started = true;
    const { room, page, metrics } = this.#o;
    const lp = room.localParticipant;
    if (!lp) throw new Error('room is not connected');

    // Handlers first: paints that arrive while publishing are held and sent once the source exists.
    page.on('paint', this.#pageHandlers.paint);
    page.on('audio', this.#pageHandlers.audio);
    page.on('cursor_changed', this.#pageHandlers.cursor);
    page.on('url_changed', this.#pageHandlers.url);
    page.on('crashed', this.#pageHandlers.crashed);
    room.on(RoomEvent.DataReceived, this.#roomHandlers.data);
    room.on(RoomEvent.ParticipantConnected, this.#roomHandlers.connected);
    room.on(RoomEvent.ParticipantDisconnected, this.#roomHandlers.disconnected);
    this.#registerRpcs();

    const w = page.width;
    const h = page.height;
    this.#videoSource = new VideoSource(w, h);
    this.#videoTrack = LocalVideoTrack.createVideoTrack(VIDEO_TRACK, this.#videoSource);
    const vpub = await lp.publishTrack(
      this.#videoTrack,
      new TrackPublishOptions({
        source: TrackSource.SOURCE_SCREENSHARE,
        videoCodec: VideoCodec.VP8,
        videoEncoding: { maxBitrate: BigInt(videoBitrate(w, h)), maxFramerate: this.#o.fps },
        simulcast: false,
      }),
    );
    this.#videoSid = vpub.sid;
    if (this.#o.audio) await this.#publishAudio();
    if (this.#closed) return;
    this.#publishing = true;
    metrics.publishing.set(1);
    metrics.participants.set(room.remoteParticipants.size);
    this.#log.info({ videoSid: this.#videoSid, audioSid: this.#audioSid, width: w, height: h, fps: this.#o.fps }, 'publishing');
    this.emit('publishing');
    this.#requestFrame();
    this.#schedulePublish();

    this.#intervals.push(
      setInterval(() => {
        metrics.fps.set(this.#framesThisSecond);
        this.#framesThisSecond = 0;
        const d = this.#focus.tick(nowMs());
        if (d.broadcast) this.#focusChanged(d.broadcast, d.reason ?? 'idle');
      }, 1000),
      setInterval(() => this.#refresh(), Math.max(100, Math.floor(this.#o.refreshIntervalMs / 3))),
    );
    this.#send(TOPIC.url, { url: this.#url });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const { room, page, metrics } = this.#o;
    for (const t of this.#intervals) clearInterval(t);
    clearTimeout(this.#publishTimer);
    page.off('paint', this.#pageHandlers.paint);
    page.off('audio', this.#pageHandlers.audio);
    page.off('cursor_changed', this.#pageHandlers.cursor);
    page.off('url_changed', this.#pageHandlers.url);
    page.off('crashed', this.#pageHandlers.crashed);
    room.off(RoomEvent.DataReceived, this.#roomHandlers.data);
    room.off(RoomEvent.ParticipantConnected, this.#roomHandlers.connected);
    room.off(RoomEvent.ParticipantDisconnected, this.#roomHandlers.disconnected);
    const lp = room.localParticipant;
    for (const m of this.#registered) {
      try {
        lp?.unregisterRpcMethod(m);
      } catch (e) {
        this.#log.warn({ err: errMsg(e), method: m }, 'unregisterRpcMethod failed');
      }
    }
    this.#registered = [];
    if (this.#focus.holder !== null) {
      this.#focus.clear();
      this.#sendNow(TOPIC.focus, { identity: null });
    }
    this.#publishing = false;
    metrics.publishing.set(0);
    for (const sid of [this.#videoSid, this.#audioSid]) {
      if (!sid || !lp) continue;
      try {
        await lp.unpublishTrack(sid);
      } catch (e) {
        this.#log.warn({ err: errMsg(e), sid }, 'unpublishTrack failed');
      }
    }
    this.#videoSid = undefined;
    this.#audioSid = undefined;
    this.#latest?.release();
    this.#latest = undefined;
    this.#audioQueue = [];
    for (const s of [this.#videoSource, this.#audioSource]) {
      try {
        await s?.close();
      } catch (e) {
        this.#log.warn({ err: errMsg(e) }, 'closing media source failed');
      }
    }
    this.#videoSource = undefined;
    this.#audioSource = undefined;
    await this.#inputChain;
    this.#log.info('session closed');
  }

  // ---------------------------------------------------------------- video

  #onPaint(ev: PaintEvent): void {
    if (this.#closed) return;
    if (ev.frame.byteOffset !== 0 || ev.frame.byteLength !== ev.width * ev.height * 4) {
      this.#log.error({ seq: ev.seq, width: ev.width, height: ev.height, bytes: ev.frame.byteLength }, 'paint frame has an unexpected layout; dropped');
      return;
    }
    const release = ev.hold();
    const prev = this.#latest;
    this.#latest = { frame: ev.frame, width: ev.width, height: ev.height, captureTimeUs: ev.captureTimeUs, release, published: false };
    if (prev) {
      if (!prev.published) this.#o.metrics.framesSkipped.inc();
      prev.release();
    }
    this.#schedulePublish();
  }

  #schedulePublish(): void {
    if (this.#publishTimer || !this.#publishing || !this.#latest || this.#latest.published) return;
    const wait = this.#lastPublishMs + 1000 / this.#o.fps - nowMs();
    if (wait <= 0) this.#publishLatest(false);
    else {
      this.#publishTimer = setTimeout(() => {
        this.#publishTimer = undefined;
        this.#publishLatest(false);
      }, Math.ceil(wait));
    }
  }

  #refresh(): void {
    if (!this.#publishing || !this.#latest) return;
    if (nowMs() - this.#lastPublishMs >= this.#o.refreshIntervalMs) this.#publishLatest(true);
  }

  #publishLatest(refresh: boolean): void {
    const l = this.#latest;
    const src = this.#videoSource;
    if (!l || !src || this.#closed || (!refresh && l.published)) return;
    const t0 = process.hrtime.bigint();
    try {
      src.captureFrame(new VideoFrame(l.frame, l.width, l.height, VideoBufferType.BGRA), monoUs());
    } catch (e) {
      this.#log.error({ err: errMsg(e) }, 'captureFrame failed');
      return;
    }
    const t1 = process.hrtime.bigint();
    const m = this.#o.metrics;
    m.captureDuration.observe(Number(t1 - t0) / 1e9);
    if (!refresh && !l.published) m.paintToPublish.observe(Math.max(0, Number(t1 / 1000n - l.captureTimeUs)) / 1e6);
    if (refresh) m.framesRefreshed.inc();
    m.framesPublished.inc();
    this.#framesThisSecond++;
    l.published = true;
    this.#lastPublishMs = nowMs();
  }

  /** Engines that can (the native one) repaint the current screen on request: paints are damage-driven,
   *  so a page that settled before the session subscribed would otherwise send nothing until it changes. */
  #requestFrame(): void {
    const p = this.#o.page as BrowserPage & { requestFrame?: () => void };
    if (typeof p.requestFrame === 'function') p.requestFrame();
  }

  // ---------------------------------------------------------------- audio

  async #publishAudio(): Promise<void> {
    const lp = this.#o.room.localParticipant;
    if (!lp) return;
    this.#audioSource = new AudioSource(48000, 2, 200);
    this.#audioTrack = LocalAudioTrack.createAudioTrack(AUDIO_TRACK, this.#audioSource);
    const pub = await lp.publishTrack(this.#audioTrack, new TrackPublishOptions({ source: TrackSource.SOURCE_SCREENSHARE_AUDIO }));
    this.#audioSid = pub.sid;
  }

  #onAudio(ev: AudioEvent): void {
    if (this.#closed || !this.#o.audio) return;
    const m = this.#o.metrics;
    if (ev.sampleRate !== 48000 || ev.channels !== 2 || ev.samples.length !== ev.samplesPerChannel * ev.channels) {
      m.audioFrames.inc({ result: 'dropped_format' });
      return;
    }
    if (this.#audioQueue.length >= AUDIO_QUEUE_FRAMES) {
      m.audioFrames.inc({ result: 'dropped_queue_full' });
      return;
    }
    this.#audioQueue.push(ev);
    if (!this.#audioPumping) void this.#pumpAudio();
  }

  async #pumpAudio(): Promise<void> {
    this.#audioPumping = true;
    const m = this.#o.metrics;
    try {
      while (!this.#closed && this.#audioQueue.length > 0) {
        const ev = this.#audioQueue.shift() as AudioEvent;
        const src = this.#audioSource;
        if (!src || this.#audioRecreating) {
          m.audioFrames.inc({ result: 'dropped_no_source' });
          continue;
        }
        try {
          await src.captureFrame(new AudioFrame(ev.samples, ev.sampleRate, ev.channels, ev.samplesPerChannel));
          m.audioFrames.inc({ result: 'published' });
          this.#audioErrors = 0;
        } catch (e) {
          m.audioFrames.inc({ result: 'error' });
          this.#audioErrors++;
          this.#log.warn({ err: errMsg(e), consecutive: this.#audioErrors }, 'audio captureFrame failed');
          if (this.#audioErrors >= AUDIO_ERRORS_BEFORE_RECREATE) await this.#recreateAudio();
        }
      }
    } finally {
      this.#audioPumping = false;
    }
  }

  async #recreateAudio(): Promise<void> {
    if (this.#closed || this.#audioRecreating) return;
    this.#audioRecreating = true;
    const lp = this.#o.room.localParticipant;
    try {
      if (this.#audioSid && lp) await lp.unpublishTrack(this.#audioSid);
      await this.#audioSource?.close();
      this.#audioSid = undefined;
      this.#audioSource = undefined;
      if (!this.#closed) await this.#publishAudio();
      this.#audioErrors = 0;
      this.#o.metrics.audioRecreated.inc();
      this.#log.warn({ audioSid: this.#audioSid }, 'audio source re-created after capture errors');
    } catch (e) {
      this.#log.error({ err: errMsg(e) }, 're-creating the audio source failed');
    } finally {
      this.#audioRecreating = false;
    }
  }

  // ---------------------------------------------------------------- engine state

  #onCursor(c: string): void {
    if (c === this.#cursor) return;
    this.#cursor = c;
    this.#send(TOPIC.cursor, { cursor: c });
  }

  #onUrl(u: string): void {
    if (u === this.#url) return;
    this.#url = u;
    const d = checkNavigation(u, this.#o.nav);
    if (!d.ok && u !== 'about:blank') {
      // In-page navigation (links, redirects, scripts) is not routed through browser/navigate.
      this.#log.warn({ url: u, reason: d.reason }, 'page navigated to a URL the navigation policy would block');
    }
    this.#send(TOPIC.url, { url: u });
  }

  #onCrashed(info: { reason: string }): void {
    if (this.#closed) return;
    this.#log.error({ reason: info.reason }, 'browser crashed; restarting');
    // The engine may recycle its frame memory across a restart: keep a private copy of the last frame
    // (viewers keep seeing it via the refresh) and give the slot back.
    const l = this.#latest;
    if (l) {
      const copy = new Uint8Array(new ArrayBuffer(l.frame.byteLength));
      copy.set(l.frame);
      l.release();
      this.#latest = { ...l, frame: copy, release: () => undefined };
    }
    void this.#restart();
  }

  async #restart(): Promise<void> {
    if (this.#restarting) return;
    this.#restarting = true;
    let lastErr: unknown;
    try {
      for (let attempt = 1; attempt <= RESTART_ATTEMPTS && !this.#closed; attempt++) {
        try {
          await this.#o.page.restart();
          this.#restarts++;
          this.#o.metrics.browserRestarts.inc();
          this.#mapper.reset();
          this.#requestFrame();
          this.#log.info({ attempt, restarts: this.#restarts }, 'browser restarted; publishing resumes on the same tracks');
          return;
        } catch (e) {
          lastErr = e;
          this.#log.error({ err: errMsg(e), attempt }, 'browser restart failed');
          await new Promise((r) => setTimeout(r, 500 * attempt));
        }
      }
      if (!this.#closed) this.emit('fatal', new Error(`browser restart failed ${RESTART_ATTEMPTS} times: ${errMsg(lastErr)}`));
    } finally {
      this.#restarting = false;
    }
  }

  // ---------------------------------------------------------------- room

  #onParticipantConnected(p: RemoteParticipant): void {
    this.#o.metrics.participants.set(this.#o.room.remoteParticipants.size);
    // Late joiner: current state, to that participant only.
    const to = [p.identity];
    this.#send(TOPIC.focus, { identity: this.#focus.holder }, to);
    this.#send(TOPIC.url, { url: this.#url }, to);
    this.#send(TOPIC.cursor, { cursor: this.#cursor }, to);
  }

  #onParticipantDisconnected(p: RemoteParticipant): void {
    this.#o.metrics.participants.set(this.#o.room.remoteParticipants.size);
    this.#packetLimiter.forget(p.identity);
    this.#eventLimiter.forget(p.identity);
    this.#rpcLimiter.forget(p.identity);
    const d = this.#focus.disconnect(p.identity);
    if (d.broadcast) this.#focusChanged(d.broadcast, 'disconnect');
  }

  #focusChanged(b: FocusBroadcast, reason: string): void {
    this.#o.metrics.focusChanges.inc({ reason });
    this.#enqueueCalls(this.#mapper.releaseAll(), 0);
    this.#log.info({ holder: b.identity, reason }, 'focus changed');
    this.#send(TOPIC.focus, { identity: b.identity });
    const page = this.#o.page;
    if (!page.crashed) {
      page.setFocus(b.identity !== null).catch((e: unknown) => this.#log.debug({ err: errMsg(e) }, 'setFocus failed'));
    }
  }

  /** Queues a reliable data packet; sends are serialised so state updates arrive in order. */
  #send(topic: string, obj: unknown, to?: string[]): void {
    if (this.#closed) return;
    this.#sendNow(topic, obj, to);
  }

  #sendNow(topic: string, obj: unknown, to?: string[]): void {
    const m = this.#o.metrics;
    if (this.#sendPending >= SEND_QUEUE_MAX) {
      m.dataPacketsDropped.inc({ reason: 'send_queue_full' });
      this.#log.warn({ topic }, 'send queue full; data packet dropped');
      return;
    }
    const lp = this.#o.room.localParticipant;
    if (!lp) return;
    const bytes = encoder.encode(JSON.stringify(obj));
    this.#sendPending++;
    this.#sendChain = this.#sendChain
      .then(() => lp.publishData(bytes, to ? { reliable: true, topic, destination_identities: to } : { reliable: true, topic }))
      .then(
        () => m.dataPacketsSent.inc({ topic }),
        (e: unknown) => {
          m.dataPacketsDropped.inc({ reason: 'send_failed' });
          this.#log.warn({ err: errMsg(e), topic }, 'publishData failed');
        },
      )
      .finally(() => {
        this.#sendPending--;
      });
  }

  /** Resolves when every queued outgoing data packet was handed to the SDK (tests, shutdown). */
  flushSends(): Promise<void> {
    return this.#sendChain;
  }

  // ---------------------------------------------------------------- input

  #onData(payload: Uint8Array, participant: RemoteParticipant | undefined, topic: string | undefined): void {
    if (topic !== TOPIC.input || this.#closed) return;
    const m = this.#o.metrics;
    const id = participant?.identity;
    if (id === undefined || !this.#focus.isHolder(id)) {
      m.inputPackets.inc({ result: 'not_focused' });
      return;
    }
    const now = nowMs();
    if (!this.#packetLimiter.take(id, now)) {
      m.inputPackets.inc({ result: 'rate_limited' });
      return;
    }
    const page = this.#o.page;
    const r = parseInputPacket(payload, { width: page.width, height: page.height });
    for (const [reason, n] of Object.entries(r.dropped)) m.inputEvents.inc({ result: reason }, n);
    if (r.rejected) {
      m.inputPackets.inc({ result: r.rejected });
      return;
    }
    if (r.events.length > 0 && !this.#eventLimiter.take(id, now, r.events.length)) {
      m.inputPackets.inc({ result: 'rate_limited' });
      m.inputEvents.inc({ result: 'rate_limited' }, r.events.length);
      return;
    }
    if (this.#inputPending + r.events.length > INPUT_QUEUE_MAX_EVENTS) {
      m.inputPackets.inc({ result: 'queue_full' });
      m.inputEvents.inc({ result: 'queue_full' }, r.events.length);
      return;
    }
    m.inputPackets.inc({ result: 'accepted' });
    if (r.events.length === 0) return;
    m.inputEvents.inc({ result: 'accepted' }, r.events.length);
    this.#focus.activity(id, now);
    this.#enqueueCalls(
      r.events.flatMap((ev) => this.#mapper.map(ev)),
      r.events.length,
    );
  }

  /** Runs engine calls in order after everything queued before; `n` events count against the queue bound. */
  #enqueueCalls(calls: EngineCall[], n: number): void {
    if (calls.length === 0) return;
    const page = this.#o.page;
    const m = this.#o.metrics;
    this.#inputPending += n;
    this.#inputChain = this.#inputChain.then(async () => {
      try {
        for (const c of calls) {
          if (this.#closed || page.crashed) {
            m.inputErrors.inc();
            continue;
          }
          try {
            await applyCall(page, c);
          } catch (e) {
            m.inputErrors.inc();
            this.#log.debug({ err: errMsg(e), method: c.method }, 'input dispatch failed');
          }
        }
      } finally {
        this.#inputPending -= n;
      }
    });
  }

  /** Resolves when every accepted input event was dispatched to the engine (tests). */
  flushInput(): Promise<void> {
    return this.#inputChain;
  }

  // ---------------------------------------------------------------- RPC

  #registerRpcs(): void {
    this.#rpc(RPC.requestFocus, false, async (caller) => {
      const d = this.#focus.request(caller, nowMs());
      if (!d.granted) return 'coolingDownMs' in d ? { granted: false, holder: null, retryAfterMs: d.coolingDownMs } : { granted: false, holder: d.holder };
      if (d.broadcast) this.#focusChanged(d.broadcast, d.reason);
      return { granted: true };
    });
    this.#rpc(RPC.releaseFocus, false, async (caller) => {
      const d = this.#focus.release(caller);
      if (d.broadcast) this.#focusChanged(d.broadcast, 'release');
      return { released: d.changed };
    });
    this.#rpc(RPC.revokeFocus, false, async (caller) => {
      const d = this.#focus.revoke(caller, nowMs());
      if (!d.allowed) throw new RpcError(RpcCode.Forbidden, 'only an admin identity may revoke focus');
      if (d.broadcast) this.#focusChanged(d.broadcast, 'revoked');
      if (d.changed) this.#log.warn({ by: caller, previous: d.previous }, 'focus revoked by an admin');
      return { revoked: d.changed, previous: d.previous };
    });
    this.#rpc(RPC.navigate, true, async (_caller, payload) => {
      const body = parseObject(payload);
      const url = body?.url;
      if (typeof url !== 'string' || url.trim() === '') throw new RpcError(RpcCode.BadRequest, 'payload must be {"url":"..."}');
      const target = await this.#checkUrl(url);
      await this.#engineCall('navigate', () => this.#o.page.navigate(target), NAVIGATE_WAIT_MS);
      return { status: 'ok' };
    });
    this.#rpc(RPC.goBack, true, async () => {
      const moved = await this.#engineCall('goBack', () => this.#o.page.goBack(), NAVIGATE_WAIT_MS);
      return { status: 'ok', navigated: moved !== false };
    });
    this.#rpc(RPC.goForward, true, async () => {
      const moved = await this.#engineCall('goForward', () => this.#o.page.goForward(), NAVIGATE_WAIT_MS);
      return { status: 'ok', navigated: moved !== false };
    });
    this.#rpc(RPC.reload, true, async () => {
      await this.#engineCall('reload', () => this.#o.page.reload(), NAVIGATE_WAIT_MS);
      return { status: 'ok' };
    });
    this.#rpc(RPC.status, false, async () => this.status());
    this.#rpc(RPC.resize, true, async (_caller, payload) => {
      const body = parseObject(payload);
      const w = body?.width;
      const h = body?.height;
      const okInt = (v: unknown, [lo, hi]: readonly [number, number]): v is number =>
        typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
      if (!okInt(w, LIMITS.width) || !okInt(h, LIMITS.height)) {
        throw new RpcError(
          RpcCode.BadRequest,
          `payload must be {"width":${LIMITS.width[0]}..${LIMITS.width[1]},"height":${LIMITS.height[0]}..${LIMITS.height[1]}}`,
        );
      }
      await this.#engineCall('resize', () => this.#o.page.resize(w, h), 10_000);
      return { status: 'ok', width: this.#o.page.width, height: this.#o.page.height };
    });
  }

  #rpc(method: string, needsFocus: boolean, handler: (caller: string, payload: string) => Promise<unknown>): void {
    const lp = this.#o.room.localParticipant;
    if (!lp) throw new Error('room is not connected');
    const m = this.#o.metrics;
    lp.registerRpcMethod(method, async (d: RpcInvocationData) => {
      const caller = d.callerIdentity;
      try {
        if (this.#closed) throw new RpcError(RpcCode.BrowserError, 'session is closing');
        if (!this.#rpcLimiter.take(caller, nowMs())) throw new RpcError(RpcCode.RateLimited, 'too many requests');
        if (needsFocus) {
          if (!this.#focus.isHolder(caller)) {
            throw new RpcError(RpcCode.NotFocused, `not the focus holder (holder: ${this.#focus.holder ?? 'none'})`);
          }
          this.#focus.activity(caller, nowMs());
        }
        const res = JSON.stringify(await handler(caller, d.payload));
        m.rpcCalls.inc({ method, result: 'ok' });
        return res;
      } catch (e) {
        const err = e instanceof RpcError ? e : new RpcError(RpcCode.BrowserError, `browser error: ${errMsg(e)}`);
        m.rpcCalls.inc({ method, result: String(err.code) });
        this.#log.info({ method, caller, code: err.code, msg: err.message }, 'rpc refused');
        throw err;
      }
    });
    this.#registered.push(method);
  }

  async #checkUrl(url: string): Promise<string> {
    const d = checkNavigation(url, this.#o.nav);
    if (!d.ok) throw new RpcError(RpcCode.UrlBlocked, `url blocked: ${d.reason}`);
    if (this.#o.nav.allowPrivate || d.url === 'about:blank') return d.url;
    const host = new URL(d.url).hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) return d.url;
    // Names that resolve to private addresses are refused too (best effort: the browser resolves again).
    let addrs: string[] = [];
    try {
      addrs = await this.#o.resolveHost(host);
    } catch (e) {
      // Unresolvable here: the browser will show its own error page; nothing private can be reached by it.
      this.#log.debug({ host, err: errMsg(e) }, 'navigation target did not resolve');
    }
    for (const a of addrs) {
      const cls = privateAddressClass(a);
      if (cls) throw new RpcError(RpcCode.UrlBlocked, `url blocked: ${host} resolves to a ${cls} address`);
    }
    return d.url;
  }

  async #engineCall<T>(what: string, fn: () => Promise<T>, waitMs: number): Promise<T | undefined> {
    if (this.#o.page.crashed) throw new RpcError(RpcCode.BrowserError, 'browser is restarting');
    let timer: NodeJS.Timeout | undefined;
    const p = fn();
    const timeout = new Promise<'timeout'>((res) => {
      timer = setTimeout(() => res('timeout'), waitMs);
    });
    try {
      const r = await Promise.race([p, timeout]);
      if (r === 'timeout') {
        // Still loading: the command was issued; completion shows up as browser-url / frames.
        p.catch((e: unknown) => this.#log.warn({ err: errMsg(e), what }, 'engine call failed after its RPC returned'));
        this.#log.info({ what, waitMs }, 'engine call still running; replied ok');
        return undefined;
      }
      return r;
    } finally {
      clearTimeout(timer);
    }
  }
}

function parseObject(payload: string): Record<string, unknown> | undefined {
  if (!payload) return undefined;
  try {
    const v: unknown = JSON.parse(payload);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    // Not JSON: the caller turns `undefined` into a bad-request RPC error.
    return undefined;
  }
}
