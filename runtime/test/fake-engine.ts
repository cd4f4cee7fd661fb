// A fake engine page implementing the BrowserPage contract for runtime tests without Chromium:
// a solid-colour page that paints BGRA frames only when its content changes (damage-driven), from a
// small ring of slots with hold()/release semantics, plus optional 10 ms audio frames (a sine).
// A left mousedown toggles the colour (so "a click changes the page" is observable in frames).
import { EventEmitter } from 'node:events';
import type {
  AudioEvent,
  BrowserPage,
  BrowserVersion,
  CdpChannel,
  KeyEventInit,
  MouseButton,
  PageEvents,
  PaintEvent,
} from '@lkbrowser/native';

export type Rgb = [number, number, number];

export interface FakeCall {
  method: string;
  args: unknown[];
}

interface Slot {
  buf: Uint8Array;
  holds: number;
}

export class FakePage extends EventEmitter<PageEvents> implements BrowserPage {
  readonly id = 1;
  readonly cdpTargetId = '';
  openCdpClient(): Promise<CdpChannel> {
    return Promise.reject(new Error('the fake engine has no DevTools'));
  }
  browserVersion(): Promise<BrowserVersion> {
    return Promise.reject(new Error('the fake engine has no DevTools'));
  }
  readonly sandbox = { enabled: false, detail: 'off: fake engine (no Chromium)' };
  #width: number;
  #height: number;
  #url: string;
  #crashed = false;
  #closed = false;
  #color: Rgb;
  readonly #altColor: Rgb;
  readonly #slots: Slot[] = [];
  readonly #framerate: number;
  #seq = 0;
  #dirty = true;
  #lastPaintMs = 0;
  #timer: NodeJS.Timeout | undefined;
  #audioTimer: NodeJS.Timeout | undefined;
  #audioPhase = 0;
  readonly calls: FakeCall[] = [];
  /** Paints skipped because every slot was held (the runtime holds too many). */
  starved = 0;
  restarts = 0;
  history: string[];
  #historyIndex: number;

  constructor(opts: {
    url: string;
    width: number;
    height: number;
    framerate: number;
    audio?: boolean;
    color?: Rgb;
    altColor?: Rgb;
    slots?: number;
  }) {
    super();
    this.#width = opts.width;
    this.#height = opts.height;
    this.#url = opts.url;
    this.#framerate = opts.framerate;
    this.#color = opts.color ?? [255, 0, 0];
    this.#altColor = opts.altColor ?? [0, 0, 255];
    this.history = [opts.url];
    this.#historyIndex = 0;
    for (let i = 0; i < (opts.slots ?? 3); i++) this.#slots.push({ buf: new Uint8Array(0), holds: 0 });
    this.#start();
    if (opts.audio) {
      this.#audioTimer = setInterval(() => this.#emitAudio(), 20);
    }
  }

  get width(): number {
    return this.#width;
  }
  get height(): number {
    return this.#height;
  }
  get url(): string {
    return this.#url;
  }
  get crashed(): boolean {
    return this.#crashed;
  }
  get color(): Rgb {
    return [...this.#color];
  }

  setColor(c: Rgb): void {
    this.#color = c;
    this.#dirty = true;
  }

  #start(): void {
    const interval = Math.max(5, Math.floor(1000 / this.#framerate / 2));
    this.#timer = setInterval(() => this.#maybePaint(), interval);
  }

  #maybePaint(): void {
    if (this.#crashed || this.#closed || !this.#dirty) return;
    const now = performance.now();
    if (now - this.#lastPaintMs < 1000 / this.#framerate) return;
    const slot = this.#slots.find((s) => s.holds === 0);
    if (!slot) {
      this.starved++;
      return;
    }
    const w = this.#width;
    const h = this.#height;
    if (slot.buf.byteLength !== w * h * 4) slot.buf = new Uint8Array(new ArrayBuffer(w * h * 4));
    const [r, g, b] = this.#color;
    const px = new Uint32Array(slot.buf.buffer);
    px.fill(((255 << 24) | (r << 16) | (g << 8) | b) >>> 0); // little-endian bytes: B, G, R, 255
    this.#dirty = false;
    this.#lastPaintMs = now;
    let valid = true;
    const ev: PaintEvent = {
      seq: ++this.#seq,
      width: w,
      height: h,
      dirtyRects: [{ x: 0, y: 0, width: w, height: h }],
      frame: slot.buf,
      captureTimeUs: process.hrtime.bigint() / 1000n,
      hold: () => {
        if (!valid) throw new Error('hold() called after the paint dispatch');
        slot.holds++;
        let released = false;
        return () => {
          if (released) return;
          released = true;
          slot.holds--;
        };
      },
    };
    this.emit('paint', ev);
    valid = false;
  }

  #emitAudio(): void {
    if (this.#crashed || this.#closed) return;
    for (let f = 0; f < 2; f++) {
      const samples = new Int16Array(480 * 2);
      for (let i = 0; i < 480; i++) {
        const v = Math.round(8000 * Math.sin((2 * Math.PI * 440 * this.#audioPhase++) / 48000));
        samples[2 * i] = v;
        samples[2 * i + 1] = v;
      }
      const ev: AudioEvent = {
        samples,
        sampleRate: 48000,
        channels: 2,
        samplesPerChannel: 480,
        ptsUs: process.hrtime.bigint() / 1000n,
      };
      this.emit('audio', ev);
    }
  }

  #record(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args });
    if (this.#crashed) throw new Error('page crashed');
    if (this.#closed) throw new Error('page closed');
  }

  async mouseMove(x: number, y: number, opts?: { buttons?: number; modifiers?: number }): Promise<void> {
    this.#record('mouseMove', x, y, opts);
  }
  async mouseDown(
    x: number,
    y: number,
    opts?: { button?: MouseButton; clickCount?: number; modifiers?: number },
  ): Promise<void> {
    this.#record('mouseDown', x, y, opts);
    if ((opts?.button ?? 'left') === 'left') {
      const c = this.#color;
      this.#color = c.every((v, i) => v === this.#altColor[i]) ? [255 - c[0], 255 - c[1], 255 - c[2]] : this.#altColor;
      this.#dirty = true;
    }
  }
  async mouseUp(
    x: number,
    y: number,
    opts?: { button?: MouseButton; clickCount?: number; modifiers?: number },
  ): Promise<void> {
    this.#record('mouseUp', x, y, opts);
  }
  async wheel(x: number, y: number, deltaX: number, deltaY: number, opts?: { modifiers?: number }): Promise<void> {
    this.#record('wheel', x, y, deltaX, deltaY, opts);
  }
  async mouseLeave(): Promise<void> {
    this.#record('mouseLeave');
  }
  async key(ev: KeyEventInit): Promise<void> {
    this.#record('key', ev);
  }
  async insertText(text: string): Promise<void> {
    this.#record('insertText', text);
  }
  async navigate(url: string): Promise<void> {
    this.#record('navigate', url);
    this.history = this.history.slice(0, this.#historyIndex + 1);
    this.history.push(url);
    this.#historyIndex = this.history.length - 1;
    this.#setUrl(url);
  }
  /** The page navigates by itself (a link, a redirect, history.pushState): not through navigate(). */
  pageNavigates(url: string): void {
    this.#setUrl(url);
  }
  #setUrl(url: string): void {
    this.#url = url;
    this.#dirty = true;
    this.emit('url_changed', url);
  }
  async goBack(): Promise<boolean> {
    this.#record('goBack');
    if (this.#historyIndex === 0) return false;
    this.#historyIndex--;
    this.#setUrl(this.history[this.#historyIndex] as string);
    return true;
  }
  async goForward(): Promise<boolean> {
    this.#record('goForward');
    if (this.#historyIndex >= this.history.length - 1) return false;
    this.#historyIndex++;
    this.#setUrl(this.history[this.#historyIndex] as string);
    return true;
  }
  async reload(): Promise<void> {
    this.#record('reload');
    this.#dirty = true;
  }
  async setFocus(focused: boolean): Promise<void> {
    this.#record('setFocus', focused);
  }
  async resize(width: number, height: number): Promise<void> {
    this.#record('resize', width, height);
    this.#width = width;
    this.#height = height;
    this.#dirty = true;
  }
  async evaluate<T = unknown>(expression: string): Promise<T> {
    this.#record('evaluate', expression);
    throw new Error('FakePage cannot evaluate JavaScript');
  }
  /** Simulates a browser crash: paints stop, input fails, 'crashed' is emitted. */
  crash(reason = 'killed'): void {
    this.#crashed = true;
    this.emit('crashed', { reason });
  }
  async restart(): Promise<void> {
    this.calls.push({ method: 'restart', args: [] });
    await new Promise((r) => setTimeout(r, 50));
    this.#crashed = false;
    this.restarts++;
    this.#dirty = true;
    this.emit('restarted');
  }
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    clearInterval(this.#audioTimer);
    this.emit('closed');
  }
  /** Number of slots currently held by the consumer. */
  heldSlots(): number {
    return this.#slots.reduce((n, s) => n + (s.holds > 0 ? 1 : 0), 0);
  }
}
