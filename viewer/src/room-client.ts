// BrowserRoomClient: the room side of a viewer, without DOM. Finds the browser participant (`decideBrowser`: it
// publishes `browser-video`, its token carries `lkbrowser.dev/role=browser`, it is the identity given if one is, and
// the first one adopted is pinned for the client's lifetime), follows its broadcasts (browser-focus, browser-url,
// cursor_changed), calls its RPCs and sends `browser-input` in order, to the pinned identity only. The viewer only
// adds DOM.

import {
  type Participant,
  type RemoteParticipant,
  type RemoteTrack,
  type RemoteTrackPublication,
  Room,
  RoomEvent,
  RpcError,
  Track,
} from 'livekit-client';
import type { Size } from './coords.ts';
import { Emitter } from './emitter.ts';
import { ViewerFocus } from './focus-ux.ts';
import {
  AUDIO_TRACK,
  type BrowserStatus,
  decideBrowser,
  encodeInput,
  type RequestFocusReply,
  type InputEvent,
  navigatePayload,
  normalizeUrlInput,
  parseCursor,
  parseFocus,
  parseReleaseFocusResponse,
  parseRequestFocusResponse,
  parseStatus,
  parseUrl,
  RPC,
  rpcErrorText,
  TOPIC,
  VIDEO_TRACK,
} from '@lkbrowser/protocol';

export interface BrowserRoomClientOptions {
  /** LiveKit server URL (ws:// or wss://) */
  url: string;
  /** access token (needs canSubscribe and canPublishData) */
  token: string;
  /**
   * Identity of the runtime participant (the BrowserSession's `status.participantIdentity`): only it is adopted.
   * Default: the first participant publishing `browser-video` whose token carries `lkbrowser.dev/role=browser`.
   * Either way the first identity adopted is pinned; no other one is ever adopted.
   */
  browserIdentity?: string;
  /** LiveKit's single-peer-connection signalling (/rtc/v1); default false (the v0 path every server speaks) */
  singlePeerConnection?: boolean;
}

export interface BrowserRoomClientEvents {
  connected: { identity: string };
  disconnected: { reason: string };
  /** the runtime participant appeared */
  browser: { identity: string };
  /** the browser participant is gone */
  browserLeft: { identity: string };
  focus: { holder: string | null; mine: boolean };
  url: { url: string };
  cursor: { cursor: string };
  audio: { canPlay: boolean };
  error: { message: string };
  videoTrack: { track: RemoteTrack };
  audioTrack: { track: RemoteTrack };
  trackEnded: { track: RemoteTrack };
}

export class BrowserError extends Error {
  readonly code: number | undefined;
  constructor(message: string, code?: number) {
    super(message);
    this.code = code;
  }
}

export class BrowserRoomClient extends Emitter<BrowserRoomClientEvents> {
  readonly room: Room;
  readonly #opts: BrowserRoomClientOptions;
  #focus = new ViewerFocus('');
  /** The adopted browser while it is in the room. */
  #browser: string | null = null;
  /** The first identity adopted; input, RPCs and focus go to nobody else, ever. */
  #pinned: string | null = null;
  /** Participants already refused (warned once each). */
  readonly #refused = new Set<string>();
  #pageSize: Size | null = null;
  #url = '';
  /** we held focus when the connection dropped */
  #resumeFocus = false;
  #sendChain: Promise<void> = Promise.resolve();

  constructor(opts: BrowserRoomClientOptions) {
    super();
    this.#opts = opts;
    this.room = new Room({
      adaptiveStream: false,
      dynacast: false,
      singlePeerConnection: opts.singlePeerConnection ?? false,
    });
    this.#wire();
  }

  get identity(): string {
    return this.room.localParticipant.identity;
  }
  get focusHolder(): string | null {
    return this.#focus.holder;
  }
  get hasFocus(): boolean {
    return this.#focus.mine;
  }
  get url(): string {
    return this.#url;
  }
  get browser(): string | null {
    return this.#browser;
  }
  /** The identity pinned as the browser (set by the first adoption, never changed), or null before. */
  get pinnedBrowser(): string | null {
    return this.#pinned;
  }
  /** The page size the runtime reported (browser/status), or null before it answered. */
  get pageSize(): Size | null {
    return this.#pageSize;
  }

  async connect(): Promise<void> {
    await this.room.connect(this.#opts.url, this.#opts.token, { autoSubscribe: true });
    // State may already have arrived during connect (track subscribed → browser/status): keep the holder.
    const holder = this.#focus.holder;
    this.#focus = new ViewerFocus(this.room.localParticipant.identity);
    this.#focus.set(holder);
    this.emit('connected', { identity: this.identity });
    for (const p of this.room.remoteParticipants.values()) this.#consider(p);
  }

  async disconnect(): Promise<void> {
    await this.room.disconnect();
  }

  /** Asks for control; the reply is applied to the focus state before it is returned. */
  async requestFocus(): Promise<RequestFocusReply> {
    const r = parseRequestFocusResponse(await this.#rpc(RPC.requestFocus, ''));
    this.#setFocus(r.granted ? this.#focus.self : r.holder);
    return r;
  }

  async releaseFocus(): Promise<boolean> {
    const released = parseReleaseFocusResponse(await this.#rpc(RPC.releaseFocus, ''));
    if (released && this.#focus.mine) this.#setFocus(null);
    return released;
  }

  /** Navigate (focus required by the runtime). Accepts what a user types: "example.com" → https://example.com/. */
  async navigate(input: string): Promise<void> {
    const url = normalizeUrlInput(input);
    if (!url) throw new BrowserError(`not a valid http(s) URL: ${input}`);
    await this.#rpc(RPC.navigate, navigatePayload(url));
  }
  async back(): Promise<void> {
    await this.#rpc(RPC.goBack, '');
  }
  async forward(): Promise<void> {
    await this.#rpc(RPC.goForward, '');
  }
  async reload(): Promise<void> {
    await this.#rpc(RPC.reload, '');
  }
  /** Resize the remote page (ext RPC, focus required; 320..1920 × 240..1080). Returns the size applied. */
  async resize(width: number, height: number): Promise<{ width: number; height: number }> {
    const r = JSON.parse(await this.#rpc(RPC.resize, JSON.stringify({ width, height }))) as {
      width?: unknown;
      height?: unknown;
    };
    const size = { width: Number(r.width ?? width), height: Number(r.height ?? height) };
    this.#pageSize = size;
    return size;
  }
  async status(): Promise<BrowserStatus> {
    return parseStatus(await this.#rpc(RPC.status, '', true));
  }

  /** Asks browser/status for the page size again (the page may have been resized by anyone). */
  refreshPageSize(): void {
    if (!this.#browser) return;
    this.status().then(
      (s) => {
        if (s.width > 0 && s.height > 0) this.#pageSize = { width: s.width, height: s.height };
      },
      (err: unknown) => console.warn('lkbrowser viewer: browser/status unavailable', err),
    );
  }

  /** Start audio playback; must be called from a user gesture (click) in browsers with autoplay policies. */
  async enableAudio(): Promise<void> {
    await this.room.startAudio();
    this.emit('audio', { canPlay: this.room.canPlaybackAudio });
  }

  /** Send raw protocol input events (dropped unless this client holds focus). */
  sendInput(events: InputEvent[]): void {
    if (!this.#focus.mine || !this.#browser || events.length === 0) return;
    const dest = [this.#browser];
    const lp = this.room.localParticipant;
    for (const packet of encodeInput(events)) {
      // Serialise sends so packets keep their order.
      this.#sendChain = this.#sendChain
        .then(() => lp.publishData(packet, { reliable: true, topic: TOPIC.input, destinationIdentities: dest }))
        .catch((err: unknown) => this.emit('error', { message: `sending input failed: ${String(err)}` }));
    }
  }

  displayName(identity: string): string {
    const p = this.room.getParticipantByIdentity(identity);
    return p?.name || identity;
  }

  /** `quiet`: background calls (status refresh) emit no error event. */
  async #rpc(method: string, payload: string, quiet = false): Promise<string> {
    const dest = this.#browser;
    if (!dest) throw new BrowserError('no browser in the room yet');
    try {
      return await this.room.localParticipant.performRpc({
        destinationIdentity: dest,
        method,
        payload,
        responseTimeout: 15000,
      });
    } catch (err) {
      if (err instanceof RpcError) {
        const e = new BrowserError(rpcErrorText(err.code, err.message), err.code);
        if (!quiet) this.emit('error', { message: e.message });
        throw e;
      }
      throw err;
    }
  }

  #wire(): void {
    const room = this.room;
    room.on(RoomEvent.TrackSubscribed, (track: RemoteTrack, pub: RemoteTrackPublication, p: RemoteParticipant) => {
      this.#consider(p);
      // An impostor's tracks are neither shown nor played.
      if (p.identity !== this.#browser) return;
      if (pub.trackName === VIDEO_TRACK && track.kind === Track.Kind.Video) {
        this.emit('videoTrack', { track });
      } else if (pub.trackName === AUDIO_TRACK && track.kind === Track.Kind.Audio) {
        this.emit('audioTrack', { track });
      }
    });
    room.on(RoomEvent.TrackUnsubscribed, (track: RemoteTrack) => this.emit('trackEnded', { track }));
    room.on(RoomEvent.TrackPublished, (_pub: RemoteTrackPublication, p: RemoteParticipant) => this.#consider(p));
    room.on(RoomEvent.ParticipantAttributesChanged, (_changed: Record<string, string>, p: Participant) => {
      if (p !== room.localParticipant) this.#consider(p);
    });
    room.on(RoomEvent.ParticipantDisconnected, (p: RemoteParticipant) => {
      if (this.#focus.participantLeft(p.identity)) this.#setFocus(null);
      if (p.identity === this.#browser) {
        this.#browser = null;
        this.emit('browserLeft', { identity: p.identity });
      }
    });
    room.on(RoomEvent.DataReceived, (payload: Uint8Array, p?: RemoteParticipant, _kind?: unknown, topic?: string) => {
      // Anyone may publish on the runtime's topics: believe only the pinned browser.
      if (!topic || !p || p.identity !== this.#pinned) return;
      try {
        if (topic === TOPIC.focus) this.#setFocus(parseFocus(payload));
        else if (topic === TOPIC.url) this.#setUrl(parseUrl(payload));
        else if (topic === TOPIC.cursor) this.emit('cursor', { cursor: parseCursor(payload) });
      } catch (err) {
        console.warn(`lkbrowser viewer: ignoring bad ${topic} packet`, err);
      }
    });
    room.on(RoomEvent.AudioPlaybackStatusChanged, () => this.emit('audio', { canPlay: room.canPlaybackAudio }));
    // A full reconnect makes the runtime see us leave, which drops our focus: take it back if nobody else did.
    room.on(RoomEvent.Reconnecting, () => {
      if (this.#focus.mine) this.#resumeFocus = true;
    });
    room.on(RoomEvent.Reconnected, () => {
      if (this.#resumeFocus && this.#browser) this.#tryResumeFocus();
    });
    room.on(RoomEvent.Disconnected, (reason?: unknown) => {
      this.#setFocus(null);
      this.emit('disconnected', { reason: String(reason ?? '') });
    });
  }

  #consider(p: Participant): void {
    if (this.#browser === p.identity) return;
    const publishesVideo = [...p.trackPublications.values()].some((pub) => pub.trackName === VIDEO_TRACK);
    const d = decideBrowser(
      { expected: this.#opts.browserIdentity, pinned: this.#pinned },
      { identity: p.identity, attributes: p.attributes, publishesVideo },
    );
    if (d.adopt) {
      this.#adopt(p.identity);
    } else if (d.reason !== 'no-video' && !this.#refused.has(p.identity)) {
      this.#refused.add(p.identity);
      console.warn(`lkbrowser viewer: not treating ${p.identity} as the browser (${d.reason})`);
    }
  }

  #adopt(identity: string): void {
    this.#pinned ??= identity;
    this.#browser = identity;
    this.emit('browser', { identity });
    // Initial state (ext RPC; a seed runtime without browser/status simply leaves it to the broadcasts).
    this.status().then(
      (s) => {
        if (s.width > 0 && s.height > 0) this.#pageSize = { width: s.width, height: s.height };
        if (s.url) this.#setUrl(s.url);
        this.#setFocus(s.focusHolder);
        if (this.#resumeFocus && s.focusHolder === null) this.#tryResumeFocus();
      },
      (err: unknown) => console.warn('lkbrowser viewer: browser/status unavailable', err),
    );
  }

  #tryResumeFocus(): void {
    this.#resumeFocus = false;
    this.requestFocus().catch((err: unknown) =>
      console.warn('lkbrowser viewer: could not resume focus after reconnect', err),
    );
  }

  #setFocus(holder: string | null): void {
    if (this.#focus.set(holder)) this.emit('focus', { holder: this.#focus.holder, mine: this.#focus.mine });
  }

  #setUrl(url: string): void {
    this.#url = url;
    this.emit('url', { url });
  }
}
