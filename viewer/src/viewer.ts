// BrowserViewer: a LiveKit web client for an lkbrowser session (docs/room-protocol.md).
//   const v = new BrowserViewer(container, { url, token });  await v.connect();
// Shows `browser-video`, plays `browser-audio` after a user gesture, shows / takes / releases focus, forwards mouse,
// keyboard and paste while it holds focus, follows `browser-url` and `cursor_changed`, and has a URL bar.

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
import { mapToPage, type Size } from './coords.ts';
import { keyModifiers, translateKey } from './keys.ts';
import { buttonEvent, MoveThrottle, moveEvent, wheelEvent } from './mouse.ts';
import {
  AUDIO_TRACK,
  type BrowserStatus,
  encodeInput,
  FocusState,
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
} from './protocol.ts';

export interface BrowserViewerOptions {
  /** LiveKit server URL (ws:// or wss://) */
  url: string;
  /** access token for this viewer (needs canSubscribe and canPublishData) */
  token: string;
  /** identity of the runtime participant; default: whoever publishes `browser-video` */
  browserIdentity?: string;
  /** build the toolbar (URL bar, back/forward/reload, focus and audio buttons); default true */
  toolbar?: boolean;
  /**
   * Use LiveKit's single-peer-connection signalling (/rtc/v1). Default false: the v0 path every LiveKit server
   * (and the lkbrowser test server) speaks.
   */
  singlePeerConnection?: boolean;
}

export interface BrowserViewerEvents {
  connected: { identity: string };
  disconnected: { reason: string };
  /** the runtime participant and its video appeared */
  browser: { identity: string };
  video: { width: number; height: number };
  focus: { holder: string | null; mine: boolean };
  url: { url: string };
  cursor: { cursor: string };
  audio: { canPlay: boolean };
  error: { message: string };
}

type Listener<K extends keyof BrowserViewerEvents> = (e: BrowserViewerEvents[K]) => void;

export class BrowserError extends Error {
  readonly code: number | undefined;
  constructor(message: string, code?: number) {
    super(message);
    this.code = code;
  }
}

export class BrowserViewer {
  readonly room: Room;
  readonly video: HTMLVideoElement;
  readonly root: HTMLElement;
  private readonly stage: HTMLElement;
  /** invisible textarea that has the keyboard focus: keys, paste, IME composition, dead keys, insertText */
  private readonly keySink: HTMLTextAreaElement;
  private readonly opts: BrowserViewerOptions;
  private focus: FocusState = new FocusState('');
  private browserIdentity: string | null = null;
  private pageSize: Size | null = null;
  private currentUrl = '';
  private remoteCursor = 'default';
  /** the user is editing the URL bar: do not overwrite it */
  private urlDirty = false;
  /** we held focus when the connection dropped */
  private resumeFocus = false;
  private readonly throttle = new MoveThrottle();
  private readonly heldKeys = new Map<string, InputEvent>();
  private rafId = 0;
  private inside = false;
  private listeners = new Map<string, Set<(e: unknown) => void>>();
  private sendChain: Promise<void> = Promise.resolve();
  private readonly ui: {
    urlInput?: HTMLInputElement;
    focusBtn?: HTMLButtonElement;
    focusLabel?: HTMLElement;
    audioBtn?: HTMLButtonElement;
    back?: HTMLButtonElement;
    forward?: HTMLButtonElement;
    reload?: HTMLButtonElement;
    message?: HTMLElement;
  } = {};
  private readonly cleanups: Array<() => void> = [];

  constructor(container: HTMLElement, opts: BrowserViewerOptions) {
    this.opts = opts;
    this.room = new Room({ adaptiveStream: false, dynacast: false, singlePeerConnection: opts.singlePeerConnection ?? false });
    const doc = container.ownerDocument;
    this.root = doc.createElement('div');
    this.root.className = 'lkb-viewer';
    if (opts.toolbar !== false) this.root.appendChild(this.buildToolbar(doc));
    this.stage = doc.createElement('div');
    this.stage.className = 'lkb-stage';
    this.keySink = doc.createElement('textarea');
    this.keySink.className = 'lkb-keys';
    this.keySink.setAttribute('aria-label', 'keyboard input for the remote browser');
    this.keySink.autocomplete = 'off';
    this.keySink.spellcheck = false;
    this.keySink.setAttribute('autocapitalize', 'off');
    this.keySink.setAttribute('autocorrect', 'off');
    this.stage.appendChild(this.keySink);
    this.video = doc.createElement('video');
    this.video.className = 'lkb-video';
    this.video.autoplay = true;
    this.video.muted = true; // audio plays through the separate browser-audio element
    this.video.playsInline = true;
    this.video.disablePictureInPicture = true;
    this.stage.appendChild(this.video);
    this.root.appendChild(this.stage);
    container.appendChild(this.root);
    this.wireRoom();
    this.wireInput();
    this.render();
  }

  // ---- public API ----

  on<K extends keyof BrowserViewerEvents>(event: K, fn: Listener<K>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(fn as (e: unknown) => void);
    return () => set.delete(fn as (e: unknown) => void);
  }

  get identity(): string {
    return this.room.localParticipant.identity;
  }
  get focusHolder(): string | null {
    return this.focus.holder;
  }
  get hasFocus(): boolean {
    return this.focus.mine;
  }
  get url(): string {
    return this.currentUrl;
  }
  get browser(): string | null {
    return this.browserIdentity;
  }

  async connect(): Promise<void> {
    await this.room.connect(this.opts.url, this.opts.token, { autoSubscribe: true });
    // State may already have arrived during connect (track subscribed → browser/status): keep the holder.
    const holder = this.focus.holder;
    this.focus = new FocusState(this.room.localParticipant.identity);
    this.focus.set(holder);
    this.emit('connected', { identity: this.identity });
    for (const p of this.room.remoteParticipants.values()) this.considerParticipant(p);
    this.render();
  }

  async disconnect(): Promise<void> {
    if (this.rafId) cancelAnimationFrame(this.rafId);
    for (const c of this.cleanups.splice(0)) c();
    await this.room.disconnect();
  }

  /** Ask for control. Resolves to true when granted; false with the holder shown when someone else has it. */
  async requestFocus(): Promise<boolean> {
    const r = parseRequestFocusResponse(await this.rpc(RPC.requestFocus, ''));
    this.setFocus(r.granted ? this.focus.self : r.holder);
    if (r.granted) this.keySink.focus();
    else this.fail(`${r.holder ? this.displayName(r.holder) : 'someone else'} has control — ask them to release it`);
    return r.granted;
  }

  async releaseFocus(): Promise<boolean> {
    this.flushMove();
    this.releaseHeldKeys();
    const released = parseReleaseFocusResponse(await this.rpc(RPC.releaseFocus, ''));
    if (released && this.focus.mine) this.setFocus(null);
    return released;
  }

  /** Navigate (focus required by the runtime). Accepts what a user types: "example.com" → https://example.com/. */
  async navigate(input: string): Promise<void> {
    const url = normalizeUrlInput(input);
    if (!url) throw new BrowserError(`not a valid http(s) URL: ${input}`);
    await this.rpc(RPC.navigate, navigatePayload(url));
  }
  async back(): Promise<void> {
    await this.rpc(RPC.goBack, '');
  }
  async forward(): Promise<void> {
    await this.rpc(RPC.goForward, '');
  }
  async reload(): Promise<void> {
    await this.rpc(RPC.reload, '');
  }
  /** Resize the remote page (ext RPC, focus required; 320..1920 × 240..1080). Returns the size applied. */
  async resize(width: number, height: number): Promise<{ width: number; height: number }> {
    const r = JSON.parse(await this.rpc(RPC.resize, JSON.stringify({ width, height }))) as { width?: unknown; height?: unknown };
    const size = { width: Number(r.width ?? width), height: Number(r.height ?? height) };
    this.pageSize = size;
    return size;
  }
  async status(): Promise<BrowserStatus> {
    return parseStatus(await this.rpc(RPC.status, '', true));
  }

  /** Start audio playback; must be called from a user gesture (click) in browsers with autoplay policies. */
  async enableAudio(): Promise<void> {
    await this.room.startAudio();
    this.emit('audio', { canPlay: this.room.canPlaybackAudio });
    this.render();
  }

  /** Send raw protocol input events (dropped unless this viewer holds focus). */
  sendInput(events: InputEvent[]): void {
    if (!this.focus.mine || !this.browserIdentity || events.length === 0) return;
    const dest = [this.browserIdentity];
    const lp = this.room.localParticipant;
    for (const packet of encodeInput(events)) {
      // Serialise sends so packets keep their order.
      this.sendChain = this.sendChain
        .then(() => lp.publishData(packet, { reliable: true, topic: TOPIC.input, destinationIdentities: dest }))
        .catch((err: unknown) => this.fail(`sending input failed: ${String(err)}`));
    }
  }

  // ---- room ----

  /** `quiet`: background calls (status refresh) do not show errors in the toolbar. */
  private async rpc(method: string, payload: string, quiet = false): Promise<string> {
    const dest = this.browserIdentity;
    if (!dest) throw new BrowserError('no browser in the room yet');
    try {
      return await this.room.localParticipant.performRpc({ destinationIdentity: dest, method, payload, responseTimeout: 15000 });
    } catch (err) {
      if (err instanceof RpcError) {
        const e = new BrowserError(rpcErrorText(err.code, err.message), err.code);
        if (!quiet) this.fail(e.message);
        throw e;
      }
      throw err;
    }
  }

  private wireRoom(): void {
    const room = this.room;
    room.on(RoomEvent.TrackSubscribed, (track: RemoteTrack, pub: RemoteTrackPublication, p: RemoteParticipant) => {
      if (pub.trackName === VIDEO_TRACK && track.kind === Track.Kind.Video) {
        this.adoptBrowser(p.identity);
        track.attach(this.video);
      } else if (pub.trackName === AUDIO_TRACK && track.kind === Track.Kind.Audio) {
        const el = track.attach();
        el.className = 'lkb-audio';
        this.root.appendChild(el);
        this.render();
      }
    });
    room.on(RoomEvent.TrackUnsubscribed, (track: RemoteTrack) => {
      for (const el of track.detach()) if (el !== this.video) el.remove();
    });
    room.on(RoomEvent.TrackPublished, (_pub: RemoteTrackPublication, p: RemoteParticipant) => this.considerParticipant(p));
    room.on(RoomEvent.ParticipantDisconnected, (p: RemoteParticipant) => {
      if (this.focus.participantLeft(p.identity)) this.setFocus(null);
      if (p.identity === this.browserIdentity) {
        this.browserIdentity = null;
        this.render();
      }
    });
    room.on(RoomEvent.DataReceived, (payload: Uint8Array, p?: RemoteParticipant, _kind?: unknown, topic?: string) => {
      if (!topic || (this.browserIdentity && p && p.identity !== this.browserIdentity)) return;
      try {
        if (topic === TOPIC.focus) this.setFocus(parseFocus(payload));
        else if (topic === TOPIC.url) this.setUrl(parseUrl(payload));
        else if (topic === TOPIC.cursor) {
          const cursor = parseCursor(payload);
          this.remoteCursor = cursor;
          this.video.style.cursor = cursor;
          this.emit('cursor', { cursor });
        }
      } catch (err) {
        console.warn(`lkbrowser viewer: ignoring bad ${topic} packet`, err);
      }
    });
    room.on(RoomEvent.AudioPlaybackStatusChanged, () => {
      this.emit('audio', { canPlay: room.canPlaybackAudio });
      this.render();
    });
    // A full reconnect makes the runtime see us leave, which drops our focus: take it back if nobody else did.
    room.on(RoomEvent.Reconnecting, () => {
      if (this.focus.mine) this.resumeFocus = true;
    });
    room.on(RoomEvent.Reconnected, () => {
      if (this.resumeFocus && this.browserIdentity) this.tryResumeFocus();
    });
    room.on(RoomEvent.Disconnected, (reason?: unknown) => {
      this.setFocus(null);
      this.emit('disconnected', { reason: String(reason ?? '') });
      this.render();
    });
    this.video.addEventListener('resize', () => {
      // the page may have been resized (by anyone): refresh the page size
      if (this.browserIdentity) {
        this.status().then(
          (s) => {
            if (s.width > 0 && s.height > 0) this.pageSize = { width: s.width, height: s.height };
          },
          (err: unknown) => console.warn('lkbrowser viewer: browser/status unavailable', err),
        );
      }
      this.emit('video', { width: this.video.videoWidth, height: this.video.videoHeight });
      this.render();
    });
  }

  private considerParticipant(p: Participant): void {
    if (this.opts.browserIdentity && p.identity !== this.opts.browserIdentity) return;
    for (const pub of p.trackPublications.values()) {
      if (pub.trackName === VIDEO_TRACK) this.adoptBrowser(p.identity);
    }
  }

  private adoptBrowser(identity: string): void {
    if (this.opts.browserIdentity && identity !== this.opts.browserIdentity) return;
    if (this.browserIdentity === identity) return;
    this.browserIdentity = identity;
    this.emit('browser', { identity });
    this.render();
    // Initial state (ext RPC; a seed runtime without browser/status simply leaves it to the broadcasts).
    this.status().then(
      (s) => {
        if (s.width > 0 && s.height > 0) this.pageSize = { width: s.width, height: s.height };
        if (s.url) this.setUrl(s.url);
        this.setFocus(s.focusHolder);
        if (this.resumeFocus && s.focusHolder === null) this.tryResumeFocus();
      },
      (err: unknown) => console.warn('lkbrowser viewer: browser/status unavailable', err),
    );
  }

  private tryResumeFocus(): void {
    this.resumeFocus = false;
    this.requestFocus().catch((err: unknown) => console.warn('lkbrowser viewer: could not resume focus after reconnect', err));
  }

  private setFocus(holder: string | null): void {
    if (this.focus.set(holder)) {
      if (!this.focus.mine) this.throttle.take();
      this.emit('focus', { holder: this.focus.holder, mine: this.focus.mine });
    }
    this.render();
  }

  private setUrl(url: string): void {
    this.currentUrl = url;
    const input = this.ui.urlInput;
    if (input && !this.urlDirty) input.value = url;
    this.emit('url', { url });
  }

  // ---- input ----

  private page(): Size | null {
    const vw = this.video.videoWidth;
    const vh = this.video.videoHeight;
    const video = vw > 0 && vh > 0 ? { width: vw, height: vh } : null;
    const ps = this.pageSize;
    // The page size from browser/status wins (the stream may be scaled), unless it is stale: another viewer resized
    // the page and the picture's shape changed before our status refresh came back.
    if (ps && (!video || Math.abs(ps.width / ps.height - vw / vh) < 0.02)) return ps;
    return video;
  }

  private toPage(ev: MouseEvent, clamp: boolean): { x: number; y: number } | null {
    const page = this.page();
    const vw = this.video.videoWidth;
    const vh = this.video.videoHeight;
    if (!page || !vw || !vh) return null;
    const r = this.video.getBoundingClientRect();
    const el = { width: r.width, height: r.height };
    let ox = ev.clientX - r.left;
    let oy = ev.clientY - r.top;
    if (clamp) {
      // While a button is held (drag/selection), keep tracking at the picture's edge.
      const scale = Math.min(r.width / vw, r.height / vh);
      const w = vw * scale;
      const h = vh * scale;
      const left = (r.width - w) / 2;
      const top = (r.height - h) / 2;
      ox = Math.min(Math.max(ox, left), left + w - 0.001);
      oy = Math.min(Math.max(oy, top), top + h - 0.001);
    }
    return mapToPage(ox, oy, el, { width: vw, height: vh }, page);
  }

  private releaseHeldKeys(): void {
    const ups = [...this.heldKeys.values()];
    this.heldKeys.clear();
    this.sendInput(ups);
  }

  private flushMove(): void {
    const m = this.throttle.take();
    if (m) this.sendInput([m]);
  }

  private listen<K extends keyof HTMLElementEventMap>(
    target: HTMLElement,
    type: K,
    fn: (ev: HTMLElementEventMap[K]) => void,
    opts?: AddEventListenerOptions,
  ): void {
    target.addEventListener(type, fn, opts);
    this.cleanups.push(() => target.removeEventListener(type, fn, opts));
  }

  private wireInput(): void {
    const v = this.video;
    this.listen(v, 'pointerdown', (ev) => {
      if (this.focus.mine) v.setPointerCapture(ev.pointerId);
    });
    this.listen(v, 'mousemove', (ev) => {
      if (!this.focus.mine) return;
      const p = this.toPage(ev, ev.buttons !== 0);
      if (!p) {
        if (this.inside) {
          this.inside = false;
          this.throttle.take();
          this.sendInput([{ type: 'mouseleave' }]);
        }
        return;
      }
      this.inside = true;
      if (this.throttle.push(moveEvent(p, ev.buttons, keyModifiers(ev)))) {
        this.rafId = requestAnimationFrame(() => {
          this.rafId = 0;
          this.flushMove();
        });
      }
    });
    this.listen(v, 'mouseleave', (ev) => {
      if (!this.focus.mine || ev.buttons !== 0) return;
      this.flushMove();
      if (this.inside) this.sendInput([{ type: 'mouseleave' }]);
      this.inside = false;
    });
    const button = (type: 'mousedown' | 'mouseup') => (ev: MouseEvent) => {
      if (!this.focus.mine) return;
      const p = this.toPage(ev, type === 'mouseup');
      if (!p) return;
      ev.preventDefault(); // no native text selection / drag of the <video>
      if (type === 'mousedown') this.keySink.focus();
      this.flushMove();
      const e = buttonEvent(type, p, ev.button, ev.detail, ev.buttons, keyModifiers(ev));
      if (!e) return;
      // Press the button where it happens: a move first, as a native mouse would have reported it.
      this.sendInput(type === 'mousedown' ? [moveEvent(p, 0, keyModifiers(ev)), e] : [e]);
    };
    this.listen(v, 'mousedown', button('mousedown'));
    this.listen(v, 'mouseup', button('mouseup'));
    this.listen(v, 'contextmenu', (ev) => {
      if (this.focus.mine) ev.preventDefault();
    });
    this.listen(
      v,
      'wheel',
      (ev) => {
        if (!this.focus.mine) return;
        const p = this.toPage(ev, false);
        const page = this.page();
        if (!p || !page) return;
        ev.preventDefault();
        this.flushMove();
        const w = wheelEvent(p, ev.deltaX, ev.deltaY, ev.deltaMode, page);
        if (w) this.sendInput([w]);
      },
      { passive: false },
    );
    const key = (ev: KeyboardEvent) => {
      if (!this.focus.mine) return;
      const t = translateKey(ev);
      if (t.preventDefault) ev.preventDefault();
      this.flushMove();
      for (const e of t.events) {
        if (e.type === 'keydown') this.heldKeys.set(`${e.code}|${e.keyCode}`, { ...e, type: 'keyup' });
        else if (e.type === 'keyup') this.heldKeys.delete(`${e.code}|${e.keyCode}`);
      }
      this.sendInput(t.events);
    };
    const sink = this.keySink;
    this.listen(sink, 'keydown', key);
    this.listen(sink, 'keyup', key);
    // Keys still down when the sink loses keyboard focus (URL bar, another window) would stay stuck remotely.
    this.listen(sink, 'blur', () => this.releaseHeldKeys());
    // Text that arrives without a forwarded keydown (IME commit, dead-key result, emoji picker, dictation,
    // insertText) lands in the sink: send it as {"type":"text"} and empty the sink.
    const flushText = () => {
      const text = sink.value;
      sink.value = '';
      if (text && this.focus.mine) {
        this.flushMove();
        this.sendInput([{ type: 'text', text }]);
      }
    };
    this.listen(sink, 'compositionend', flushText);
    this.listen(sink, 'input', (ev) => {
      if (!(ev as Event & { isComposing?: boolean }).isComposing) flushText();
    });
    this.listen(sink, 'paste', (ev) => {
      if (!this.focus.mine) return;
      const text = ev.clipboardData?.getData('text/plain') ?? '';
      ev.preventDefault();
      if (text) this.sendInput([{ type: 'text', text: text.replace(/\r\n/g, '\n') }]);
    });
  }

  // ---- UI ----

  private buildToolbar(doc: Document): HTMLElement {
    const bar = doc.createElement('div');
    bar.className = 'lkb-toolbar';
    const btn = (label: string, title: string, cls: string, fn: () => Promise<unknown>) => {
      const b = doc.createElement('button');
      b.type = 'button';
      b.textContent = label;
      b.title = title;
      b.className = cls;
      b.addEventListener('click', () => {
        fn().catch((err: unknown) => this.fail(err instanceof Error ? err.message : String(err)));
      });
      bar.appendChild(b);
      return b;
    };
    this.ui.back = btn('←', 'Back', 'lkb-back', () => this.back());
    this.ui.forward = btn('→', 'Forward', 'lkb-forward', () => this.forward());
    this.ui.reload = btn('⟳', 'Reload', 'lkb-reload', () => this.reload());
    const form = doc.createElement('form');
    form.className = 'lkb-urlform';
    const input = doc.createElement('input');
    input.className = 'lkb-url';
    input.type = 'text';
    input.spellcheck = false;
    input.autocomplete = 'off';
    input.placeholder = 'Enter a URL';
    input.setAttribute('aria-label', 'URL');
    form.appendChild(input);
    input.addEventListener('input', () => {
      this.urlDirty = true;
    });
    input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') {
        this.urlDirty = false;
        input.value = this.currentUrl;
        input.blur();
      }
    });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.urlDirty = false;
      this.navigate(input.value).then(
        () => input.blur(),
        (err: unknown) => this.fail(err instanceof Error ? err.message : String(err)),
      );
    });
    bar.appendChild(form);
    this.ui.urlInput = input;
    this.ui.focusLabel = doc.createElement('span');
    this.ui.focusLabel.className = 'lkb-focus-label';
    bar.appendChild(this.ui.focusLabel);
    this.ui.focusBtn = btn('Take control', 'Take or release control of the browser', 'lkb-focus', () =>
      this.focus.mine ? this.releaseFocus() : this.requestFocus(),
    );
    this.ui.audioBtn = btn('Enable audio', 'Play the browser audio', 'lkb-audio-btn', () => this.enableAudio());
    this.ui.message = doc.createElement('div');
    this.ui.message.className = 'lkb-message';
    this.ui.message.setAttribute('role', 'status');
    bar.appendChild(this.ui.message);
    return bar;
  }

  private render(): void {
    const mine = this.focus.mine;
    this.root.classList.toggle('lkb-has-focus', mine);
    this.root.dataset.focus = this.focus.holder ?? '';
    this.root.dataset.browser = this.browserIdentity ?? '';
    const ui = this.ui;
    const ready = this.browserIdentity !== null;
    if (ui.focusBtn) {
      ui.focusBtn.textContent = mine ? 'Release' : 'Take control';
      ui.focusBtn.disabled = !ready;
    }
    if (ui.focusLabel) {
      const h = this.focus.holder;
      ui.focusLabel.textContent = !ready
        ? 'waiting for the browser…'
        : h === null
          ? 'nobody has control'
          : mine
            ? 'you have control'
            : `${this.displayName(h)} has control`;
    }
    for (const b of [ui.back, ui.forward, ui.reload]) if (b) b.disabled = !mine;
    if (ui.urlInput) ui.urlInput.readOnly = !mine;
    if (ui.audioBtn) ui.audioBtn.hidden = this.room.canPlaybackAudio;
    this.video.style.cursor = this.remoteCursor;
  }

  private displayName(identity: string): string {
    const p = this.room.getParticipantByIdentity(identity);
    return p?.name || identity;
  }

  private fail(message: string): void {
    if (this.ui.message) {
      this.ui.message.textContent = message;
      const m = this.ui.message;
      setTimeout(() => {
        if (m.textContent === message) m.textContent = '';
      }, 5000);
    }
    this.emit('error', { message });
  }

  private emit<K extends keyof BrowserViewerEvents>(event: K, e: BrowserViewerEvents[K]): void {
    for (const fn of this.listeners.get(event) ?? []) {
      try {
        fn(e);
      } catch (err) {
        console.error(`lkbrowser viewer: ${event} listener threw`, err);
      }
    }
  }
}
