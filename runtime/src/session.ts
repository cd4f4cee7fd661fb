// RoomSession: one engine page as a participant of a LiveKit room, speaking docs/room-protocol.md. It composes the
// parts and owns the page-wide state they share (focus holder, URL, cursor):
//   video-publisher.ts  browser-video (damage-driven, ≤ fps, low-rate refresh of static pages)
//   audio-publisher.ts  browser-audio
//   input-pipeline.ts   browser-input from the focus holder → engine calls, in order
//   rpc-handlers.ts     the RPC table (focus, navigation, status, resize); rpc-router.ts registers it
//   rpc-agent-handlers.ts  browser/actions (actions-runner.ts) and browser/screenshot
//   data-sender.ts      browser-focus / browser-url / cursor_changed out (reliable, ordered; late joiners get the state)
//   crash-restart.ts    restart the page after a crash on the same tracks
//   participant-announcements.ts  request-focus waits until the room has announced the caller (input attributable)
import { EventEmitter } from 'node:events';
import { type RemoteParticipant, type Room, RoomEvent } from '@livekit/rtc-node';
import type { Logger } from 'pino';
import type { AudioEvent, BrowserPage, PaintEvent } from '@lkbrowser/native';
import { AudioPublisher } from './audio-publisher.ts';
import { CrashRestart } from './crash-restart.ts';
import { DataSender } from './data-sender.ts';
import { errMsg } from './errors.ts';
import { FocusArbiter, type FocusBroadcast } from './focus.ts';
import { InputPipeline } from './input-pipeline.ts';
import { ParticipantAnnouncements } from './participant-announcements.ts';
import type { RuntimeMetrics } from './metrics.ts';
import { checkNavigation, type NavPolicy, type ResolveHost, resolveHostAddresses } from './nav-policy.ts';
import { type BrowserStatus, TOPIC } from '@lkbrowser/protocol';
import { ActionsRunner } from './actions-runner.ts';
import { actionsHandler, screenshotHandler } from './rpc-agent-handlers.ts';
import { reportedUrl } from './room-limits.ts';
import { historyStep, navigateChecked, rpcHandlers } from './rpc-handlers.ts';
import type { EarlyRpcHold } from './early-rpc.ts';
import type { PreparedAudio } from './prepared-media.ts';
import { RpcRouter } from './rpc-router.ts';
import { type PreparedVideoTrack, VideoPublisher } from './video-publisher.ts';
import type { VideoCodecName } from './video-codec.ts';

export interface SessionOptions {
  room: Room;
  page: BrowserPage;
  framerate: number;
  /** Codec of browser-video (LKB_VIDEO_CODEC; default vp8). */
  videoCodec?: VideoCodecName;
  /** browser-video published ahead, while the engine started (room-join.ts); start() adopts it. */
  videoTrack?: Promise<PreparedVideoTrack>;
  audio: boolean;
  nav: NavPolicy;
  focusIdleMs: number;
  focusPriorityIdentities: readonly string[];
  /** Release focus after this long however busy the holder is (0 = never). */
  focusMaxHoldMs?: number;
  /** Identities that may call browser/revoke-focus. */
  focusAdminIdentities?: readonly string[];
  /** Agent identities (LKB_FOCUS_AGENT_IDENTITIES): humans take focus from them. */
  focusAgentIdentities?: readonly string[];
  metrics: RuntimeMetrics;
  logger: Logger;
  /** Re-send the last frame after this long without a new one (static pages). Default 1500 ms. */
  refreshIntervalMs?: number;
  /** Resolve a host name to addresses for the private-target check. Default: DNS lookup, 2 s timeout. */
  resolveHost?: ResolveHost;
  /** Input limits per participant. */
  inputPacketsPerSec?: number;
  inputEventsPerSec?: number;
  rpcPerSec?: number;
  /** Identities that may take screenshots without holding focus (LKB_SCREENSHOT_IDENTITIES). */
  screenshotIdentities?: readonly string[];
  /** How long browser/request-focus waits for the room to announce its caller. Default 8000 ms: livekit-server
   *  announces participants that publish nothing every 3 s; clients' RPC timeouts are 10 s and more. */
  announceWaitMs?: number;
  /** The page's own start-up still running while the tracks are published (a warm claim's resize and navigation):
   *  frames go out only once it is done, so the first frame a viewer sees is the session's page. */
  pageReady?: Promise<unknown>;
  /** RPCs held since the room join (early-rpc.ts): handed to this session's router once it has registered. */
  earlyRpc?: EarlyRpcHold;
  /** A standby runtime's browser-audio source and track, made before the claim (prepared-media.ts). */
  preparedAudio?: PreparedAudio;
}

export interface SessionEvents {
  /** The engine could not be restarted: the process should exit non-zero. */
  fatal: [Error];
  /** The video track is published and frames flow. */
  publishing: [];
  /** The first video frame went to the track's source. */
  firstFrame: [];
  /** The server bound a subscriber's browser-video down track. */
  subscribed: [];
}

const nowMs = (): number => performance.now();

export class RoomSession extends EventEmitter<SessionEvents> {
  readonly #o: SessionOptions;
  readonly #log: Logger;
  readonly #focus: FocusArbiter;
  readonly #sender: DataSender;
  readonly #video: VideoPublisher;
  readonly #audio: AudioPublisher | undefined;
  readonly #input: InputPipeline;
  readonly #rpc: RpcRouter;
  readonly #crash: CrashRestart;
  readonly #announcements: ParticipantAnnouncements;

  #url: string;
  #urlChangedMs = Number.NEGATIVE_INFINITY;
  #cursor = 'default';
  /** The holder last broadcast on browser-focus. */
  #announcedHolder: string | null = null;
  #publishing = false;
  #started = false;
  #closed = false;
  #focusTick: NodeJS.Timeout | undefined;

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
    const { room, page, metrics } = opts;
    this.#o = opts;
    this.#log = opts.logger.child({ component: 'session' });
    const logger = this.#log;
    this.#focus = new FocusArbiter({
      idleMs: opts.focusIdleMs,
      priority: opts.focusPriorityIdentities,
      maxHoldMs: opts.focusMaxHoldMs,
      admins: opts.focusAdminIdentities,
      agents: opts.focusAgentIdentities ?? [],
    });
    this.#sender = new DataSender(room, metrics, logger);
    this.#video = new VideoPublisher({
      room,
      page,
      fps: opts.framerate,
      codec: opts.videoCodec,
      refreshIntervalMs: opts.refreshIntervalMs ?? 1500,
      metrics,
      logger,
      prepared: opts.videoTrack,
      onFirstFrame: () => this.emit('firstFrame'),
      onSubscribed: () => this.emit('subscribed'),
    });
    this.#audio = opts.audio ? new AudioPublisher({ room, metrics, logger, prepared: opts.preparedAudio }) : undefined;
    this.#input = new InputPipeline({
      page,
      focus: this.#focus,
      metrics,
      logger,
      packetsPerSec: opts.inputPacketsPerSec ?? 200,
      eventsPerSec: opts.inputEventsPerSec ?? 1000,
    });
    this.#rpc = new RpcRouter({ room, focus: this.#focus, metrics, logger, callsPerSec: opts.rpcPerSec ?? 10, nowMs });
    this.#crash = new CrashRestart({
      page,
      metrics,
      logger,
      closed: () => this.#closed,
      restarted: () => {
        this.#input.engineRestarted();
        this.#video.requestFrame();
      },
      fatal: (err) => this.emit('fatal', err),
    });
    this.#announcements = new ParticipantAnnouncements({
      has: (identity) => room.remoteParticipants.has(identity),
      timeoutMs: opts.announceWaitMs ?? 8000,
    });
    this.#url = page.url;
    this.#roomHandlers = {
      data: (payload, participant, _kind, topic) => {
        if (topic === TOPIC.input) this.#input.onPacket(participant?.identity, payload, nowMs());
      },
      connected: (p) => this.#onParticipantConnected(p),
      disconnected: (p) => this.#onParticipantDisconnected(p),
    };
    this.#pageHandlers = {
      paint: (ev) => this.#video.onPaint(ev),
      audio: (ev) => this.#audio?.onAudio(ev),
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

  status(): BrowserStatus {
    const p = this.#o.page;
    const u = reportedUrl(this.#url);
    return {
      url: u.url,
      ...(u.truncated ? { urlTruncated: true } : {}),
      focusHolder: this.#focus.holder,
      width: p.width,
      height: p.height,
      fps: this.#o.framerate,
      publishing: this.#publishing,
      restarts: this.#crash.restarts,
    };
  }

  async start(): Promise<void> {
    if (this.#started) throw new Error('session already started');
    this.#started = true;
    const { room, page, metrics } = this.#o;
    if (!room.localParticipant) throw new Error('room is not connected');

    // Handlers first: paints that arrive while publishing are held and sent once the source exists.
    page.on('paint', this.#pageHandlers.paint);
    page.on('audio', this.#pageHandlers.audio);
    page.on('cursor_changed', this.#pageHandlers.cursor);
    page.on('url_changed', this.#pageHandlers.url);
    page.on('crashed', this.#pageHandlers.crashed);
    room.on(RoomEvent.DataReceived, this.#roomHandlers.data);
    room.on(RoomEvent.ParticipantConnected, this.#roomHandlers.connected);
    room.on(RoomEvent.ParticipantDisconnected, this.#roomHandlers.disconnected);
    const rpcCtx = {
      page,
      focus: this.#focus,
      nav: this.#o.nav,
      resolveHost: this.#o.resolveHost ?? ((h: string) => resolveHostAddresses(h)),
      logger: this.#log,
      nowMs,
      focusChanged: (b: FocusBroadcast, reason: string) => this.#focusChanged(b, reason),
      status: () => this.status(),
      whenAnnounced: (identity: string) => this.#announcements.whenAnnounced(identity),
    };
    const runner = new ActionsRunner({
      page,
      metrics,
      focus: this.#focus,
      input: this.#input,
      logger: this.#log,
      nowMs,
      url: () => this.#url,
      lastPaintMs: () => this.#video.lastPaintMs,
      lastUrlChangeMs: () => this.#urlChangedMs,
      navigate: (url) => navigateChecked(rpcCtx, url),
      history: (kind) => historyStep(rpcCtx, kind),
      waitPublishedAfter: (us, ms) => this.#video.waitPublishedAfter(us, ms),
      requestFrame: () => this.#video.requestFrame(),
    });
    this.#rpc.register([
      ...rpcHandlers(rpcCtx),
      actionsHandler(page, runner),
      screenshotHandler({
        room,
        page,
        focus: this.#focus,
        allowed: new Set(this.#o.screenshotIdentities ?? []),
        latest: () => this.#video.latest(),
        url: () => this.#url,
        metrics,
        logger: this.#log,
      }),
    ]);
    this.#o.earlyRpc?.release((method, d) => this.#rpc.dispatch(method, d));

    // Both tracks at once (each publish is a signalling round trip and a renegotiation), and while the page loads.
    await Promise.all([this.#video.publish(), this.#audio?.publish(), this.#o.pageReady]);
    if (this.#closed) return;
    this.#publishing = true;
    metrics.publishing.set(1);
    metrics.participants.set(room.remoteParticipants.size);
    this.#log.info(
      {
        videoSid: this.#video.sid,
        audioSid: this.#audio?.sid,
        width: page.width,
        height: page.height,
        fps: this.#o.framerate,
      },
      'publishing',
    );
    this.emit('publishing');
    this.#video.start();
    this.#focusTick = setInterval(() => {
      const d = this.#focus.tick(nowMs());
      if (d.broadcast) this.#focusChanged(d.broadcast, d.reason ?? 'idle');
    }, 1000);
    this.#broadcast(TOPIC.url, reportedUrl(this.#url));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#o.earlyRpc?.fail('session is closing');
    const { room, page, metrics } = this.#o;
    clearInterval(this.#focusTick);
    page.off('paint', this.#pageHandlers.paint);
    page.off('audio', this.#pageHandlers.audio);
    page.off('cursor_changed', this.#pageHandlers.cursor);
    page.off('url_changed', this.#pageHandlers.url);
    page.off('crashed', this.#pageHandlers.crashed);
    room.off(RoomEvent.DataReceived, this.#roomHandlers.data);
    room.off(RoomEvent.ParticipantConnected, this.#roomHandlers.connected);
    room.off(RoomEvent.ParticipantDisconnected, this.#roomHandlers.disconnected);
    this.#rpc.close();
    this.#announcements.close();
    // Sent after closing on purpose (#broadcast refuses by then): the room must not keep a holder that is gone.
    if (this.#focus.clear().changed) this.#sender.send(TOPIC.focus, { identity: null });
    this.#publishing = false;
    metrics.publishing.set(0);
    await this.#video.close();
    await this.#audio?.close();
    await this.#input.close();
    this.#log.info('session closed');
  }

  /** Resolves when every accepted input event was dispatched to the engine (tests). */
  flushInput(): Promise<void> {
    return this.#input.flush();
  }

  #broadcast(topic: string, obj: unknown, to?: string[]): void {
    if (!this.#closed) this.#sender.send(topic, obj, to);
  }

  #onCursor(c: string): void {
    if (c === this.#cursor) return;
    this.#cursor = c;
    this.#broadcast(TOPIC.cursor, { cursor: c });
  }

  #onUrl(u: string): void {
    if (u === this.#url) return;
    this.#url = u;
    this.#urlChangedMs = nowMs();
    const d = checkNavigation(u, this.#o.nav);
    if (!d.ok && u !== 'about:blank') {
      // In-page navigation (links, redirects, scripts) is not routed through browser/navigate.
      this.#log.warn(
        { url: reportedUrl(u).url, reason: d.reason },
        'page navigated to a URL the navigation policy would block',
      );
    }
    this.#broadcast(TOPIC.url, reportedUrl(u));
  }

  #onCrashed(info: { reason: string }): void {
    if (this.#closed) return;
    this.#log.error({ reason: info.reason }, 'browser crashed; restarting');
    this.#video.detachFromEngine();
    void this.#crash.restart();
  }

  #onParticipantConnected(p: RemoteParticipant): void {
    this.#o.metrics.participants.set(this.#o.room.remoteParticipants.size);
    this.#announcements.announced(p.identity);
    // Late joiner: current state, to that participant only.
    const to = [p.identity];
    this.#broadcast(TOPIC.focus, { identity: this.#focus.holder }, to);
    this.#broadcast(TOPIC.url, reportedUrl(this.#url), to);
    this.#broadcast(TOPIC.cursor, { cursor: this.#cursor }, to);
  }

  #onParticipantDisconnected(p: RemoteParticipant): void {
    this.#o.metrics.participants.set(this.#o.room.remoteParticipants.size);
    this.#input.forget(p.identity);
    this.#rpc.forget(p.identity);
    const d = this.#focus.disconnect(p.identity);
    if (d.broadcast) this.#focusChanged(d.broadcast, 'disconnect');
  }

  #focusChanged(b: FocusBroadcast, reason: string): void {
    this.#o.metrics.focusChanges.inc({ reason });
    this.#input.releaseAll();
    const previous = this.#announcedHolder;
    this.#announcedHolder = b.identity;
    this.#log.info({ holder: b.identity, previous, reason }, 'focus changed');
    // ext: previous + reason let a pre-empted holder (an agent) tell a take-over from its own release.
    this.#broadcast(TOPIC.focus, { identity: b.identity, previous, reason });
    const page = this.#o.page;
    if (!page.crashed) {
      page.setFocus(b.identity !== null).catch((e: unknown) => this.#log.debug({ err: errMsg(e) }, 'setFocus failed'));
    }
  }
}
