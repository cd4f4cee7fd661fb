// BrowserViewer: a LiveKit web client for an lkbrowser session (docs/room-protocol.md).
//   const v = new BrowserViewer(container, { url, token });  await v.connect();
// Shows `browser-video`, plays `browser-audio` after a user gesture, shows / takes / releases focus, forwards mouse,
// keyboard and paste while it holds focus, follows `browser-url` and `cursor_changed`, and has a URL bar.
// It composes: room-client.ts (the room: browser participant; RPCs, broadcasts, input via @lkbrowser/client),
// input-capture.ts (DOM events → input events), toolbar.ts (toolbar DOM), stage.ts (video, key sink, rendering), focus-ux.ts.

import type { Room } from 'livekit-client';
import { BrowserRoomClient, type BrowserRoomClientOptions } from './room-client.ts';
import { Emitter } from './emitter.ts';
import { focusLabel, focusRefusedText } from './focus-ux.ts';
import { InputCapture } from './input-capture.ts';
import type { BrowserStatus, InputEvent } from '@lkbrowser/protocol';
import { createStage, renderStage, type StageElements } from './stage.ts';
import { Toolbar } from './toolbar.ts';

export { BrowserError } from './room-client.ts';

export interface BrowserViewerOptions extends BrowserRoomClientOptions {
  /** build the toolbar (URL bar, back/forward/reload, focus and audio buttons); default true */
  toolbar?: boolean;
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

export class BrowserViewer {
  readonly client: BrowserRoomClient;
  readonly video: HTMLVideoElement;
  readonly root: HTMLElement;
  readonly #el: StageElements;
  readonly #toolbar: Toolbar | undefined;
  readonly #input: InputCapture;
  readonly #events = new Emitter<BrowserViewerEvents>();
  #remoteCursor = 'default';
  #asking = false;

  constructor(container: HTMLElement, opts: BrowserViewerOptions) {
    const doc = container.ownerDocument;
    this.client = new BrowserRoomClient(opts);
    this.#toolbar =
      opts.toolbar === false
        ? undefined
        : new Toolbar(doc, {
            back: () => this.back(),
            forward: () => this.forward(),
            reload: () => this.reload(),
            navigate: async (input) => this.navigate(input),
            toggleFocus: () => (this.hasFocus ? this.releaseFocus() : this.requestFocus()),
            enableAudio: () => this.enableAudio(),
            fail: (m) => this.#fail(m),
          });
    this.#el = createStage(doc, this.#toolbar?.el);
    this.root = this.#el.root;
    this.video = this.#el.video;
    container.appendChild(this.root);
    this.#input = new InputCapture({
      video: this.video,
      keySink: this.#el.keySink,
      active: () => this.client.hasFocus,
      send: (events) => this.client.sendInput(events),
      reportedPageSize: () => this.client.pageSize,
    });
    this.#wireClient();
    this.#render();
  }

  // ---- public API ----

  on<K extends keyof BrowserViewerEvents>(event: K, fn: (e: BrowserViewerEvents[K]) => void): () => void {
    return this.#events.on(event, fn);
  }

  get room(): Room {
    return this.client.room;
  }
  get identity(): string {
    return this.client.identity;
  }
  get focusHolder(): string | null {
    return this.client.focusHolder;
  }
  get hasFocus(): boolean {
    return this.client.hasFocus;
  }
  get url(): string {
    return this.client.url;
  }
  get browser(): string | null {
    return this.client.browser;
  }

  async connect(): Promise<void> {
    await this.client.connect();
    this.#render();
  }

  async disconnect(): Promise<void> {
    this.#input.dispose();
    await this.client.disconnect();
  }

  /** Ask for control. Resolves to true when granted; false with the holder shown when someone else has it. */
  async requestFocus(): Promise<boolean> {
    this.#asking = true;
    this.#render();
    const r = await this.client.requestFocus().finally(() => {
      this.#asking = false;
      this.#render();
    });
    if (r.granted) this.#el.keySink.focus();
    else this.#fail(focusRefusedText(r.holder ? this.client.displayName(r.holder) : null));
    return r.granted;
  }

  async releaseFocus(): Promise<boolean> {
    this.#input.flushMove();
    this.#input.releaseHeldKeys();
    return this.client.releaseFocus();
  }

  /** Navigate (focus required by the runtime). Accepts what a user types: "example.com" → https://example.com/. */
  navigate(input: string): Promise<void> {
    return this.client.navigate(input);
  }
  back(): Promise<void> {
    return this.client.back();
  }
  forward(): Promise<void> {
    return this.client.forward();
  }
  reload(): Promise<void> {
    return this.client.reload();
  }
  /** Resize the remote page (ext RPC, focus required; 320..1920 × 240..1080). Returns the size applied. */
  resize(width: number, height: number): Promise<{ width: number; height: number }> {
    return this.client.resize(width, height);
  }
  status(): Promise<BrowserStatus> {
    return this.client.status();
  }

  /** Start audio playback; must be called from a user gesture (click) in browsers with autoplay policies. */
  async enableAudio(): Promise<void> {
    await this.client.enableAudio();
    this.#render();
  }

  /** Send raw protocol input events (dropped unless this viewer holds focus). */
  sendInput(events: InputEvent[]): void {
    this.client.sendInput(events);
  }

  // ---- wiring ----

  #wireClient(): void {
    const c = this.client;
    c.on('connected', (e) => this.#events.emit('connected', e));
    c.on('disconnected', (e) => {
      this.#events.emit('disconnected', e);
      this.#render();
    });
    c.on('browser', (e) => {
      this.#events.emit('browser', e);
      this.#render();
    });
    c.on('browserLeft', () => this.#render());
    c.on('focus', (e) => {
      if (!e.mine) this.#input.dropPendingMove();
      this.#events.emit('focus', e);
      this.#render();
    });
    c.on('url', (e) => {
      this.#toolbar?.setUrl(e.url);
      this.#events.emit('url', e);
    });
    c.on('cursor', (e) => {
      this.#remoteCursor = e.cursor;
      this.video.style.cursor = e.cursor;
      this.#events.emit('cursor', e);
    });
    c.on('audio', (e) => {
      this.#events.emit('audio', e);
      this.#render();
    });
    c.on('error', (e) => this.#fail(e.message));
    c.on('videoTrack', ({ track }) => track.attach(this.video));
    c.on('audioTrack', ({ track }) => {
      const el = track.attach();
      el.className = 'lkb-audio';
      this.root.appendChild(el);
      this.#render();
    });
    c.on('trackEnded', ({ track }) => {
      for (const el of track.detach()) if (el !== this.video) el.remove();
    });
    this.video.addEventListener('resize', () => {
      // the page may have been resized (by anyone): refresh the page size
      this.client.refreshPageSize();
      this.#events.emit('video', { width: this.video.videoWidth, height: this.video.videoHeight });
      this.#render();
    });
  }

  #render(): void {
    const c = this.client;
    const mine = c.hasFocus;
    renderStage(this.#el, { mine, holder: c.focusHolder, browser: c.browser, cursor: this.#remoteCursor });
    const ready = c.browser !== null;
    this.#toolbar?.render({
      ready,
      mine,
      asking: this.#asking,
      focusLabel: focusLabel(ready, c.focusHolder, mine, (id) => c.displayName(id), this.#asking),
      canPlayAudio: c.room.canPlaybackAudio,
    });
  }

  #fail(message: string): void {
    this.#toolbar?.showMessage(message);
    this.#events.emit('error', { message });
  }
}
