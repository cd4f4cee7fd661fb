// BrowserPage over one engine host: frames/audio/cursor notifications from the host (shm + control
// socket), navigation/evaluate/URL events over CDP (PageDriver), input over CDP (Xvfb engine) or CEF's browser host
// API (CEF engine, cef-input.ts), crash detection and restart.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { type CdpChannel, CdpConnection, CdpMux, PageDriver } from './cdp/index.ts';
import { CefHostInput } from './cef-input.ts';
import type { HostMessage } from './control-protocol.ts';
import { CursorTracker } from './cursor.ts';
import type {
  BrowserPage,
  BrowserVersion,
  EngineKind,
  KeyEventInit,
  MouseButton,
  PageEvents,
  PaintEvent,
  Rect,
  SandboxState,
  StartupMarks,
} from './engine-api.ts';
import { HostProcess } from './host-process.ts';
import { mapSlots } from './shm.ts';

export interface EnginePageConfig {
  id: number;
  url: string;
  width: number;
  height: number;
  framerate: number;
  audio: boolean;
  maxWidth: number;
  maxHeight: number;
  chromiumPath: string;
  proxyServer: string | undefined;
  chromiumUid: number | undefined;
  engine: EngineKind;
  startTimeoutMs: number;
  closeTimeoutMs: number;
  logger: Logger;
  onClosed: (p: EnginePage) => void;
}

interface ChromiumWaiter {
  resolve: (v: { pid: number; cdpPort: number }) => void;
  reject: (e: Error) => void;
}

/** PaintEvent plus the host's grab time (XShmGetImage duration, µs). */
export interface EnginePaintEvent extends PaintEvent {
  grabUs: number;
}

export class EnginePage extends EventEmitter<PageEvents> implements BrowserPage {
  readonly id: number;
  /** The first start's steps (restarts do not overwrite them). */
  readonly startupMarks: StartupMarks = {};
  private cfg: EnginePageConfig;
  private w: number;
  private h: number;
  private currentUrl: string;
  private host: HostProcess | undefined;
  private slots: ArrayBuffer[] = [];
  private driver: PageDriver | undefined;
  /** The one DevTools connection to the running Chromium, shared by the driver and automation clients. */
  private mux: CdpMux | undefined;
  private chromium = -1;
  private waiter: ChromiumWaiter | undefined;
  /** Why the last Chromium exited, for a connect() that comes after it. */
  private chromiumExit: string | undefined;
  private isCrashed = false;
  private closing = false;
  private closePromise: Promise<void> | undefined;
  private restartPromise: Promise<void> | undefined;
  private focused = true;
  /** CEF engine: input through the host's browser host API instead of the driver's CDP Input domain. */
  private readonly hostInput: CefHostInput | undefined;
  /** DevTools commands written to the browser (engine and automation clients), per method (diagnostics). */
  readonly cdpCommands = new Map<string, number>();
  private sandboxState: SandboxState;
  private readonly log: Logger;
  private readonly cursor: CursorTracker;

  constructor(cfg: EnginePageConfig) {
    super();
    this.cfg = cfg;
    this.id = cfg.id;
    this.w = cfg.width;
    this.h = cfg.height;
    this.currentUrl = cfg.url;
    this.log = cfg.logger.child({ page: cfg.id });
    // Both engine hosts report their decision once, right after `ready` (a `sandbox` message).
    this.sandboxState = { enabled: false, detail: 'off: not reported by the engine host yet' };
    this.cursor = new CursorTracker((name) => this.emit('cursor_changed', name), this.log);
    if (cfg.engine === 'cef')
      this.hostInput = new CefHostInput({
        send: (m) => this.host?.send(m),
        insertText: (text) => this.d().insertText(text),
        size: () => ({ width: this.w, height: this.h }),
      });
  }

  get width(): number {
    return this.w;
  }
  get height(): number {
    return this.h;
  }
  get url(): string {
    return this.currentUrl;
  }
  get sandbox(): SandboxState {
    return this.sandboxState;
  }
  get crashed(): boolean {
    return this.isCrashed;
  }
  /**
   * A DevTools connection of its own for an automation client (a browser-target session on the engine's pipe: it
   * cannot see or address the engine's sessions or another client's). Rejects while no Chromium runs.
   */
  async openCdpClient(): Promise<CdpChannel> {
    const mux = this.mux;
    if (!mux || this.isCrashed || this.closing) throw new Error(`page ${this.id} has no running browser`);
    return mux.openClient();
  }
  async browserVersion(): Promise<BrowserVersion> {
    return this.d().connection.send<BrowserVersion>('Browser.getVersion');
  }
  get cdpTargetId(): string {
    return this.driver?.targetId ?? '';
  }
  /** Engine host pid (= its process group and session id). */
  get hostPid(): number {
    return this.host?.pid ?? -1;
  }
  /** Chromium browser process pid (-1 while not running). */
  get chromiumPid(): number {
    return this.chromium;
  }
  /** Last CSS cursor reported. */
  get cursorName(): string {
    return this.cursor.cursor;
  }

  /** Spawns the host (Xvfb, PulseAudio, Chromium) and connects CDP. */
  async start(): Promise<void> {
    try {
      await this.launch();
    } catch (err) {
      const pid = this.host?.pid;
      await this.teardownHost();
      if (pid !== undefined && err instanceof Error) err.message += ` (engine host pid ${pid})`;
      throw err;
    }
  }

  private async launch(): Promise<void> {
    const c = this.cfg;
    const host = await HostProcess.start({
      url: this.currentUrl,
      width: this.w,
      height: this.h,
      maxWidth: c.maxWidth,
      maxHeight: c.maxHeight,
      framerate: c.framerate,
      audio: c.audio,
      chromiumPath: c.chromiumPath,
      proxyServer: c.proxyServer,
      chromiumUid: c.chromiumUid,
      engine: c.engine,
      timeoutMs: c.startTimeoutMs,
      logger: this.log,
      marks: this.startupMarks,
    });
    this.startupMarks.host_ready ??= performance.now();
    if (this.closing) {
      await host.shutdown(c.closeTimeoutMs);
      throw new Error(`page ${this.id} closed while starting`);
    }
    this.host = host;
    this.hostInput?.reset('engine host replaced');
    const ready = host.ready;
    if (!ready) throw new Error('engine host not ready');
    try {
      this.slots = mapSlots(ready.shmName, ready.slots, ready.slotSize);
    } finally {
      host.send({ type: 'mapped' }); // the host unlinks the name: nothing leaks even on SIGKILL
    }
    const chromium = this.waitChromium(c.startTimeoutMs);
    host.attach((m) => this.onHostMessage(host, m));
    host.once('exit', (e) => {
      if (this.host !== host) return;
      this.hostInput?.reset(`engine host exited: ${e.reason}`);
      this.waiter?.reject(new Error(`engine host exited: ${e.reason}`));
      this.markCrashed(`engine host exited: ${e.reason}`);
    });
    const started = await chromium;
    this.startupMarks.chromium_started ??= performance.now();
    await this.connect(started);
    this.startupMarks.cdp_connected ??= performance.now();
  }

  private waitChromium(timeoutMs: number): Promise<{ pid: number; cdpPort: number }> {
    this.waiter?.reject(new Error('superseded'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`Chromium did not start within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = {
        resolve: (v) => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          this.waiter = undefined;
          reject(e);
        },
      };
    });
  }

  private async connect(chromium: { pid: number; cdpPort: number }): Promise<void> {
    // chromium_started and chromium_exited can arrive in one read (a binary that cannot exec exits at once): the
    // exit was handled before this ran, so attaching would only wait for its timeout.
    if (this.chromium !== chromium.pid)
      throw new Error(this.chromiumExit ?? `chromium ${chromium.pid} exited before DevTools attached`);
    const timeoutMs = this.cfg.startTimeoutMs;
    const mux = this.openMux(chromium);
    const driver = await PageDriver.attach(CdpConnection.over(mux.engine, { timeoutMs, logger: this.log }), {
      timeoutMs,
      logger: this.log,
      waitForPage: true,
    });
    if (this.closing) {
      await driver.close();
      throw new Error(`page ${this.id} closed while starting`);
    }
    this.driver = driver;
    driver.on('url_changed', (url) => {
      if (this.driver !== driver) return;
      this.currentUrl = url;
      this.emit('url_changed', url);
    });
    driver.on('disconnected', ({ reason }) => {
      if (this.driver === driver) this.markCrashed(`CDP: ${reason}`);
    });
    if (driver.url !== '' && driver.url !== this.currentUrl) {
      this.currentUrl = driver.url;
      this.emit('url_changed', driver.url);
    }
    if (this.focused) await driver.setFocus(true);
    this.cursor.setSource(driver);
  }

  /**
   * The DevTools connection to a Chromium that just started: its --remote-debugging-pipe, relayed by the host over
   * the control channel (both engines; cdpPort is 0). A host that reports a TCP port is refused: DevTools over TCP
   * would let any local process drive the browser.
   */
  private openMux(chromium: { pid: number; cdpPort: number }): CdpMux {
    this.mux?.close('superseded');
    this.mux = undefined;
    if (chromium.cdpPort !== 0)
      throw new Error(`engine host offered DevTools on TCP port ${chromium.cdpPort}: refused`);
    const host = this.host;
    const mux = new CdpMux({
      logger: this.log,
      write: (text) => {
        this.countCommand(text);
        try {
          host?.send({ type: 'cdp_send', pid: chromium.pid, message: text });
        } catch (err) {
          this.log.warn({ err }, 'DevTools command not sent');
        }
      },
    });
    this.mux = mux;
    return mux;
  }

  private countCommand(text: string): void {
    // The method of a command as written by CdpConnection/the mux: {"id":…,"method":"X",…}; a bounded map
    // (CDP has a few hundred methods; anything else is counted as one).
    const method = /"method":"([A-Za-z.]{1,80})"/.exec(text)?.[1] ?? '(other)';
    const key = this.cdpCommands.has(method) || this.cdpCommands.size < 1000 ? method : '(other)';
    this.cdpCommands.set(key, (this.cdpCommands.get(key) ?? 0) + 1);
  }

  private onHostMessage(host: HostProcess, m: HostMessage): void {
    if (host !== this.host) return;
    switch (m.type) {
      case 'cdp':
        if (m.pid === this.chromium) this.mux?.receive(m.message);
        break;
      case 'paint':
        this.dispatchPaint(host, m);
        break;
      case 'audio': {
        const samples = new Int16Array(m.pcm.length / 2);
        new Uint8Array(samples.buffer).set(m.pcm);
        this.emit('audio', {
          samples,
          sampleRate: m.sampleRate,
          channels: m.channels,
          samplesPerChannel: m.samplesPerChannel,
          ptsUs: m.ptsUs,
        });
        break;
      }
      case 'cursor':
        this.cursor.changed();
        break;
      case 'chromium_started':
        this.chromium = m.pid;
        this.chromiumExit = undefined;
        this.mux?.close('superseded'); // a previous Chromium's; the new one's opens in connect()
        this.mux = undefined;
        if (this.waiter) this.waiter.resolve({ pid: m.pid, cdpPort: m.cdpPort });
        else this.log.warn({ pid: m.pid }, 'unexpected chromium_started');
        break;
      case 'chromium_exited':
        this.log.warn({ pid: m.pid, reason: m.reason }, 'chromium exited');
        if (m.pid === this.chromium) {
          this.chromium = -1;
          this.chromiumExit = m.reason;
          this.mux?.close(m.reason);
          this.mux = undefined;
        }
        if (this.waiter) this.waiter.reject(new Error(m.reason));
        else if (this.driver) this.markCrashed(m.reason);
        // else: started but not attached yet; connect() fails with this reason
        break;
      case 'input_ack':
        this.hostInput?.acked(m.count);
        break;
      case 'sandbox':
        this.sandboxState = { enabled: m.enabled, detail: m.detail };
        this.log.info({ uid: m.uid, sandbox: m.enabled, detail: m.detail }, 'chromium sandbox');
        break;
      case 'error':
        this.log.error({ fatal: m.fatal, msg: m.message }, 'engine host error');
        if (m.fatal) this.markCrashed(`engine host: ${m.message}`);
        break;
      default:
        this.log.warn({ type: m.type }, 'unexpected host message');
    }
  }

  private dispatchPaint(host: HostProcess, m: Extract<HostMessage, { type: 'paint' }>): void {
    const ab = this.slots[m.slot];
    const bytes = m.width * m.height * 4;
    let holds = 0;
    let dispatching = true;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      host.send({ type: 'release', slot: m.slot });
    };
    if (!ab || bytes > ab.byteLength || bytes <= 0) {
      this.log.error({ slot: m.slot, width: m.width, height: m.height }, 'paint outside the shm ring');
      release();
      return;
    }
    this.startupMarks.first_paint ??= performance.now();
    const ev: EnginePaintEvent = {
      seq: m.seq,
      width: m.width,
      height: m.height,
      dirtyRects: m.rects as Rect[],
      frame: new Uint8Array(ab, 0, bytes),
      captureTimeUs: m.captureTimeUs,
      grabUs: m.grabUs,
      hold: () => {
        holds++;
        let done = false;
        return () => {
          if (done) return;
          done = true;
          holds--;
          if (holds === 0 && !dispatching) release();
        };
      },
    };
    try {
      this.emit('paint', ev);
    } catch (err) {
      this.log.error({ err }, 'paint listener threw');
    } finally {
      dispatching = false;
      if (holds === 0) release();
    }
  }

  private markCrashed(reason: string): void {
    if (this.isCrashed || this.closing || this.restartPromise) return;
    this.isCrashed = true;
    this.cursor.setSource(undefined);
    this.log.warn({ reason }, 'page crashed');
    this.emit('crashed', { reason });
  }

  private d(): PageDriver {
    if (this.closing) throw new Error(`page ${this.id} is closed`);
    if (this.isCrashed || !this.driver) throw new Error(`page ${this.id} crashed: call restart()`);
    return this.driver;
  }

  async mouseMove(x: number, y: number, opts?: { buttons?: number; modifiers?: number }): Promise<void> {
    const d = this.d();
    this.cursor.moved(x, y);
    if (this.hostInput) await this.hostInput.mouseMove(x, y, opts);
    else await d.mouseMove(x, y, opts);
  }
  async mouseDown(
    x: number,
    y: number,
    opts?: { button?: MouseButton; clickCount?: number; modifiers?: number },
  ): Promise<void> {
    const d = this.d();
    this.cursor.moved(x, y);
    if (this.hostInput) await this.hostInput.mouseDown(x, y, opts);
    else await d.mouseDown(x, y, opts);
  }
  async mouseUp(
    x: number,
    y: number,
    opts?: { button?: MouseButton; clickCount?: number; modifiers?: number },
  ): Promise<void> {
    const d = this.d();
    this.cursor.moved(x, y);
    if (this.hostInput) await this.hostInput.mouseUp(x, y, opts);
    else await d.mouseUp(x, y, opts);
  }
  async wheel(x: number, y: number, deltaX: number, deltaY: number, opts?: { modifiers?: number }): Promise<void> {
    const d = this.d();
    if (this.hostInput) await this.hostInput.wheel(x, y, deltaX, deltaY, opts);
    else await d.wheel(x, y, deltaX, deltaY, opts);
  }
  async mouseLeave(): Promise<void> {
    const d = this.d();
    if (this.hostInput) await this.hostInput.mouseLeave();
    else await d.mouseLeave();
    this.cursor.left();
  }
  async key(ev: KeyEventInit): Promise<void> {
    const d = this.d();
    if (this.hostInput) await this.hostInput.key(ev);
    else await d.key(ev);
  }
  async insertText(text: string): Promise<void> {
    return this.d().insertText(text);
  }
  async navigate(url: string): Promise<void> {
    return this.d().navigate(url);
  }
  async goBack(): Promise<boolean> {
    return this.d().goBack();
  }
  async goForward(): Promise<boolean> {
    return this.d().goForward();
  }
  async reload(): Promise<void> {
    return this.d().reload();
  }
  async setFocus(focused: boolean): Promise<void> {
    this.focused = focused;
    const d = this.d();
    // CEF: the browser host's own focus too (keys reach a windowless browser only while it is focused).
    if (this.hostInput) this.host?.send({ type: 'input_focus', focused });
    await d.setFocus(focused);
  }
  async evaluate<T = unknown>(expression: string): Promise<T> {
    return this.d().evaluate<T>(expression);
  }

  /**
   * Asks for one full paint of the current screen even if nothing changed (paints are damage-driven and
   * identical re-presents are dropped, so a late subscriber or a keyframe refresh uses this).
   */
  requestFrame(): void {
    if (this.closing) return;
    this.host?.send({ type: 'refresh' });
  }

  /**
   * Resizes in place: Xvfb's screen has the maximum size, the host reconfigures Chromium's window and
   * captures the new size. Resolves once the page reports the new viewport. If Chromium does not follow
   * (or the page is crashed), the host is relaunched at the new size and the current URL instead.
   */
  async resize(width: number, height: number): Promise<void> {
    validateSize(width, height, this.cfg.maxWidth, this.cfg.maxHeight);
    if (this.closing) throw new Error(`page ${this.id} is closed`);
    if (width === this.w && height === this.h) return;
    const host = this.host;
    const driver = this.driver;
    if (host?.alive && driver && !this.isCrashed) {
      host.send({ type: 'resize', width, height });
      this.w = width;
      this.h = height;
      const deadline = Date.now() + Math.min(this.cfg.startTimeoutMs, 10_000);
      while (Date.now() < deadline && this.driver === driver && !this.closing) {
        try {
          const v = await driver.evaluate<string>('innerWidth + "x" + innerHeight');
          if (v === `${width}x${height}`) return;
        } catch (err) {
          this.log.debug({ err }, 'viewport query during resize');
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      this.log.warn({ width, height }, 'Chromium did not follow the window resize: relaunching at the new size');
    }
    await this.relaunch(async () => {
      await this.teardownHost();
      this.w = width;
      this.h = height;
      await this.launch();
    });
  }

  /** Relaunches Chromium (same Xvfb/PulseAudio) at the last URL; relaunches the whole host if it died. */
  restart(): Promise<void> {
    if (this.closing) return Promise.reject(new Error(`page ${this.id} is closed`));
    return this.relaunch(async () => {
      const old = this.driver;
      this.driver = undefined;
      this.cursor.setSource(undefined);
      if (old) await old.close().catch((err: unknown) => this.log.debug({ err }, 'closing old CDP driver'));
      const host = this.host;
      if (host?.alive) {
        const chromium = this.waitChromium(this.cfg.startTimeoutMs);
        host.send({ type: 'restart', url: restartUrl(this.currentUrl, this.cfg.url) });
        await this.connect(await chromium);
      } else {
        await this.teardownHost();
        this.currentUrl = restartUrl(this.currentUrl, this.cfg.url);
        await this.launch();
      }
    }, true);
  }

  private relaunch(fn: () => Promise<void>, emitRestarted = false): Promise<void> {
    if (this.restartPromise) return this.restartPromise;
    const p = (async () => {
      try {
        await fn();
        this.isCrashed = false;
        if (emitRestarted) this.emit('restarted');
      } finally {
        this.restartPromise = undefined;
      }
    })();
    this.restartPromise = p;
    return p.catch((err: unknown) => {
      if (!this.isCrashed && !this.closing) {
        this.isCrashed = true;
        this.emit('crashed', { reason: `relaunch failed: ${(err as Error).message}` });
      }
      throw err;
    });
  }

  private async teardownHost(): Promise<void> {
    const driver = this.driver;
    this.driver = undefined;
    this.cursor.setSource(undefined);
    if (driver) await driver.close().catch((err: unknown) => this.log.debug({ err }, 'closing CDP driver'));
    const host = this.host;
    this.host = undefined;
    this.hostInput?.reset('engine host closed');
    this.chromium = -1;
    this.mux?.close('page closed');
    this.mux = undefined;
    if (host) await host.shutdown(this.cfg.closeTimeoutMs);
  }

  /** Kills the whole host process group (Xvfb, PulseAudio, Chromium) and waits for it. Idempotent. */
  close(): Promise<void> {
    if (!this.closePromise) {
      this.closing = true;
      this.waiter?.reject(new Error('page closed'));
      this.closePromise = (async () => {
        await this.restartPromise?.catch((err: unknown) => this.log.debug({ err }, 'restart interrupted by close'));
        await this.teardownHost();
        this.slots = [];
        this.cfg.onClosed(this);
        this.emit('closed');
      })();
    }
    return this.closePromise;
  }
}

function restartUrl(current: string, initial: string): string {
  return current === '' || current.startsWith('chrome-error://') ? initial : current;
}

export function validateSize(width: number, height: number, maxWidth: number, maxHeight: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 16 || height < 16) {
    throw new RangeError(`invalid page size ${width}x${height} (integers >= 16 required)`);
  }
  if (width > maxWidth || height > maxHeight) {
    throw new RangeError(`page size ${width}x${height} exceeds the context maximum ${maxWidth}x${maxHeight}`);
  }
}
