// PageDriver: input, navigation, URL tracking, cursor queries and evaluation for one Chromium page
// target over CDP. Conventions are CDP's (see engine-api.ts): modifiers Alt=1 Ctrl=2 Meta=4 Shift=8,
// held-buttons mask left=1 right=2 middle=4, wheel deltas in DOM sign (deltaY > 0 scrolls down).
import { EventEmitter } from 'node:events';
import { pino, type Logger } from 'pino';
import { ClickCounter } from '../click-counter.ts';
import type { KeyEventInit, MouseButton } from '../engine-api.ts';
import { discoverBrowserWebSocket } from './channel.ts';
import { CdpConnection, CdpError, type CdpParams, type SendOptions } from './connection.ts';
import { editingCommands, resolveKey } from './keys.ts';

export interface PageDriverOptions {
  /** Per-call CDP timeout and discovery timeout (ms). Default 10000. */
  timeoutMs?: number;
  logger?: Logger;
  /** HTTP headers for connect() (e.g. the automation endpoint's Authorization: Bearer). */
  headers?: Record<string, string>;
  /** Wait (up to timeoutMs) for the browser's first page target instead of creating one when there is none yet. */
  waitForPage?: boolean;
  /** Attach to this target instead of the first page target. */
  targetId?: string;
  /**
   * JavaScript dialogs (alert/confirm/prompt/beforeunload) block the page and cannot be answered with
   * page input, so by default the driver answers them: 'accept' (default; prompt gets its default
   * text), 'dismiss', or 'manual' (the caller answers with handleDialog()). A 'dialog' event is
   * emitted in every mode.
   */
  dialogs?: 'accept' | 'dismiss' | 'manual';
  /**
   * Popups (target=_blank links, window.open) open windows the stream does not show and input cannot
   * reach. 'same-tab' (default): close the popup as soon as its URL is known and navigate this page
   * there (a 'popup' event reports it; POST bodies and window.opener are lost). 'allow': leave them.
   */
  popups?: 'same-tab' | 'allow';
}

export interface DialogInfo {
  type: 'alert' | 'confirm' | 'prompt' | 'beforeunload';
  message: string;
  url: string;
  defaultPrompt: string;
  /** How the driver answered: 'accepted', 'dismissed', or 'pending' in manual mode. */
  handled: 'accepted' | 'dismissed' | 'pending';
}

export interface NavigateOptions {
  /** 'commit' (default): resolve once the navigation committed; 'load': also wait for the load event. */
  waitUntil?: 'commit' | 'load';
  timeoutMs?: number;
}

export interface PageDriverEvents {
  /** Main-frame URL changed (cross-document or same-document), deduplicated. */
  url_changed: [string];
  /** The page is gone for this driver: renderer crashed, target detached/closed or socket closed. */
  disconnected: [{ reason: string }];
  /** A JavaScript dialog opened (see PageDriverOptions.dialogs). */
  dialog: [DialogInfo];
  /** This page opened a popup; with popups 'same-tab' it was closed and this page navigated to url. */
  popup: [{ url: string; targetId: string; action: 'same-tab' | 'allowed' }];
}

function heldButtonName(buttons: number): MouseButton | 'none' {
  if (buttons & 1) return 'left';
  if (buttons & 2) return 'right';
  if (buttons & 4) return 'middle';
  return 'none';
}

// Runs in the page: the CSS cursor Chromium would show at (x, y).
const CURSOR_FN = `function (x, y) {
  let el = document.elementFromPoint(x, y);
  while (el && el.shadowRoot) {
    const inner = el.shadowRoot.elementFromPoint(x, y);
    if (!inner || inner === el) break;
    el = inner;
  }
  if (!el) return 'default';
  let c = getComputedStyle(el).cursor || 'auto';
  if (c.includes('url(')) {
    const parts = c.split(',');
    c = parts[parts.length - 1].trim();
  }
  if (c !== 'auto') return c;
  if (el.closest('a[href], area[href]')) return 'pointer';
  if (el.isContentEditable) return 'text';
  if (el instanceof HTMLTextAreaElement) return 'text';
  if (el instanceof HTMLInputElement) {
    const t = el.type;
    if (['text', 'search', 'url', 'tel', 'email', 'password', 'number', ''].includes(t)) return 'text';
    return 'default';
  }
  // Like Chromium: an I-beam over selectable text only (user-select: none text shows the arrow).
  if (getComputedStyle(el).userSelect === 'none') return 'default';
  const range = document.caretRangeFromPoint ? document.caretRangeFromPoint(x, y) : null;
  const node = range && range.startContainer;
  if (node && node.nodeType === 3 && node.textContent.trim() !== '') {
    const r = document.createRange();
    r.selectNodeContents(node);
    for (const rect of r.getClientRects()) {
      if (x >= rect.left && x <= rect.right && y >= rect.top && y <= rect.bottom) return 'text';
    }
  }
  return 'default';
}`;

interface FrameInfo {
  id: string;
  parentId?: string;
  url: string;
  urlFragment?: string;
  unreachableUrl?: string;
}

interface TargetInfo {
  targetId: string;
  type: string;
  url: string;
  openerId?: string;
}

interface QueuedInput {
  kind: 'move' | 'wheel' | 'other';
  method: string;
  params: CdpParams;
  waiters: { resolve: () => void; reject: (e: Error) => void }[];
}

interface EvaluateResult {
  result?: { value?: unknown; type?: string; description?: string };
  exceptionDetails?: { text?: string; exception?: { description?: string; value?: unknown } };
}

export class PageDriver extends EventEmitter<PageDriverEvents> {
  readonly connection: CdpConnection;
  readonly sessionId: string;
  readonly targetId: string;
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private mainFrameId: string | undefined;
  private currentUrl = '';
  private readonly clicks = new ClickCounter();
  private disconnectedReason: string | undefined;
  private closing = false;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly inputQueue: QueuedInput[] = [];
  private inputBusy = false;
  private readonly pendingPopups = new Set<string>();
  private readonly handledPopups = new Set<string>();

  /**
   * Discover the browser WebSocket via GET <httpEndpoint>/json/version (a Chromium we did not launch: benches,
   * CEF's port), then attach() over it.
   */
  static async connect(httpEndpoint: string, opts: PageDriverOptions = {}): Promise<PageDriver> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const wsUrl = await discoverBrowserWebSocket(httpEndpoint, timeoutMs, opts.headers);
    const conn = await CdpConnection.connect(wsUrl, {
      timeoutMs,
      logger: opts.logger,
      connectTimeoutMs: timeoutMs,
      headers: opts.headers,
    });
    return PageDriver.attach(conn, opts);
  }

  /**
   * Attach (flattened session) to the first page target (or opts.targetId) of a browser connection and enable the
   * Page and Runtime domains. The driver owns `conn` from now on (closes it on failure and in close()).
   */
  static async attach(conn: CdpConnection, opts: PageDriverOptions = {}): Promise<PageDriver> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const log = (opts.logger ?? pino({ name: 'cdp', level: process.env.LOG_LEVEL ?? 'info' })).child({
      component: 'page-driver',
    });
    try {
      let targetId = opts.targetId;
      if (targetId === undefined) {
        // Over a pipe Chromium may answer before it opened its first tab: wait for it rather than open another.
        const deadline = Date.now() + (opts.waitForPage ? timeoutMs : 0);
        for (;;) {
          const { targetInfos } = await conn.send<{ targetInfos: { targetId: string; type: string }[] }>(
            'Target.getTargets',
          );
          targetId = targetInfos.find((t) => t.type === 'page')?.targetId;
          if (targetId !== undefined || Date.now() >= deadline) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        if (targetId === undefined) {
          if (opts.waitForPage) throw new Error(`no page target within ${timeoutMs} ms`);
          ({ targetId } = await conn.send<{ targetId: string }>('Target.createTarget', { url: 'about:blank' }));
        }
      }
      const { sessionId } = await conn.send<{ sessionId: string }>('Target.attachToTarget', {
        targetId,
        flatten: true,
      });
      const driver = new PageDriver(
        conn,
        sessionId,
        targetId,
        log,
        timeoutMs,
        opts.dialogs ?? 'accept',
        opts.popups ?? 'same-tab',
      );
      await driver.init();
      return driver;
    } catch (err) {
      conn.close();
      throw err;
    }
  }

  private constructor(
    conn: CdpConnection,
    sessionId: string,
    targetId: string,
    log: Logger,
    timeoutMs: number,
    dialogs: 'accept' | 'dismiss' | 'manual',
    popups: 'same-tab' | 'allow',
  ) {
    super();
    this.connection = conn;
    this.sessionId = sessionId;
    this.targetId = targetId;
    this.log = log.child({ targetId });
    this.timeoutMs = timeoutMs;
    const on = (method: string, fn: (p: CdpParams) => void): void => {
      this.unsubscribe.push(conn.onEvent(method, fn, sessionId));
    };
    on('Page.frameNavigated', (p) => {
      const frame = p.frame as FrameInfo;
      if (frame.parentId !== undefined) return;
      this.mainFrameId = frame.id;
      // A failed navigation commits an error page (chrome-error://...); report the URL the user asked for.
      this.setUrl(frame.unreachableUrl ?? frame.url + (frame.urlFragment ?? ''));
    });
    on('Page.navigatedWithinDocument', (p) => {
      if (this.mainFrameId !== undefined && p.frameId !== this.mainFrameId) return;
      this.setUrl(p.url as string);
    });
    on('Inspector.targetCrashed', () => this.markDisconnected('renderer crashed'));
    on('Page.javascriptDialogOpening', (p) => {
      const info: DialogInfo = {
        type: p.type as DialogInfo['type'],
        message: String(p.message ?? ''),
        url: String(p.url ?? ''),
        defaultPrompt: String(p.defaultPrompt ?? ''),
        handled: dialogs === 'manual' ? 'pending' : dialogs === 'accept' ? 'accepted' : 'dismissed',
      };
      this.log.info(
        { type: info.type, message: info.message.slice(0, 200), handled: info.handled },
        'javascript dialog',
      );
      if (dialogs !== 'manual') {
        this.handleDialog(dialogs === 'accept', info.defaultPrompt).catch((err: unknown) =>
          this.log.warn({ err }, 'answering javascript dialog failed'),
        );
      }
      this.emit('dialog', info);
    });
    on('Inspector.detached', (p) => this.markDisconnected(`inspector detached: ${String(p.reason)}`));
    this.unsubscribe.push(
      conn.onEvent('Target.detachedFromTarget', (p) => {
        if (p.sessionId === sessionId) this.markDisconnected('target detached');
      }),
      conn.onEvent('Target.targetCrashed', (p) => {
        if (p.targetId === targetId) this.markDisconnected(`renderer crashed (${String(p.status)})`);
      }),
      conn.onEvent('Target.targetDestroyed', (p) => {
        if (p.targetId === targetId) this.markDisconnected('target closed');
        this.pendingPopups.delete(p.targetId as string);
      }),
      conn.onEvent('Target.targetCreated', (p) => this.onTargetInfo(p.targetInfo as TargetInfo, popups)),
      conn.onEvent('Target.targetInfoChanged', (p) => this.onTargetInfo(p.targetInfo as TargetInfo, popups)),
    );
    conn.on('disconnected', ({ reason }) => this.markDisconnected(`connection lost: ${reason}`));
  }

  private async init(): Promise<void> {
    // Browser-level target events (targetCrashed/targetDestroyed) need discovery on.
    await this.connection.send('Target.setDiscoverTargets', { discover: true });
    await Promise.all([
      this.send('Page.enable'),
      this.send('Runtime.enable'),
      this.send('Inspector.enable'),
      this.send('Page.setLifecycleEventsEnabled', { enabled: true }),
    ]);
    const { frameTree } = await this.send<{ frameTree: { frame: FrameInfo } }>('Page.getFrameTree');
    this.mainFrameId = frameTree.frame.id;
    this.currentUrl = frameTree.frame.unreachableUrl ?? frameTree.frame.url + (frameTree.frame.urlFragment ?? '');
  }

  /** Current main-frame URL as last reported by Chromium. */
  get url(): string {
    return this.currentUrl;
  }

  get disconnected(): boolean {
    return this.disconnectedReason !== undefined;
  }

  /** Send a raw CDP command to this page's session. */
  send<T = CdpParams>(method: string, params: CdpParams = {}, opts: SendOptions = {}): Promise<T> {
    if (this.disconnectedReason !== undefined) {
      return Promise.reject(new CdpError(method, 'closed', `page disconnected (${this.disconnectedReason})`));
    }
    return this.connection.send<T>(method, params, this.sessionId, opts);
  }

  // ---- input queue ----
  // All input goes out in call order, one at a time (Chromium acks a mouse move only after the next
  // frame, ~16 ms). While one event is in flight, queued moves coalesce (latest position wins) and
  // queued wheel events merge their deltas, so a fast input stream cannot pile up calls.

  private input(kind: QueuedInput['kind'], method: string, params: CdpParams): Promise<void> {
    if (this.disconnectedReason !== undefined) {
      return Promise.reject(new CdpError(method, 'closed', `page disconnected (${this.disconnectedReason})`));
    }
    return new Promise<void>((resolve, reject) => {
      const last = this.inputQueue[this.inputQueue.length - 1];
      if (last && kind === 'move' && last.kind === 'move') {
        last.params = params;
        last.waiters.push({ resolve, reject });
        return;
      }
      if (last && kind === 'wheel' && last.kind === 'wheel' && last.params.modifiers === params.modifiers) {
        params.deltaX = (last.params.deltaX as number) + (params.deltaX as number);
        params.deltaY = (last.params.deltaY as number) + (params.deltaY as number);
        last.params = params;
        last.waiters.push({ resolve, reject });
        return;
      }
      this.inputQueue.push({ kind, method, params, waiters: [{ resolve, reject }] });
      if (!this.inputBusy) void this.pumpInput();
    });
  }

  private async pumpInput(): Promise<void> {
    this.inputBusy = true;
    try {
      for (let item = this.inputQueue.shift(); item; item = this.inputQueue.shift()) {
        try {
          await this.send(item.method, item.params);
          for (const w of item.waiters) w.resolve();
        } catch (err) {
          for (const w of item.waiters) w.reject(err as Error);
        }
      }
    } finally {
      this.inputBusy = false;
    }
  }

  /** Events waiting behind the one in flight (after coalescing). */
  get queuedInput(): number {
    return this.inputQueue.length;
  }

  // ---- mouse ----

  /** `buttons` defaults to the buttons held through mouseDown/mouseUp, so drags work without it. */
  async mouseMove(x: number, y: number, opts: { buttons?: number; modifiers?: number } = {}): Promise<void> {
    const buttons = opts.buttons ?? this.clicks.buttons;
    await this.input('move', 'Input.dispatchMouseEvent', {
      type: 'mouseMoved',
      x,
      y,
      modifiers: opts.modifiers ?? 0,
      button: heldButtonName(buttons),
      buttons,
    });
  }

  /**
   * Press a button. Without clickCount the driver counts clicks like a desktop: a press of the same
   * button within 500 ms and 4 px of the previous one continues the series (2 = double, 3 = triple).
   */
  async mouseDown(
    x: number,
    y: number,
    opts: { button?: MouseButton; clickCount?: number; modifiers?: number } = {},
  ): Promise<void> {
    const button = opts.button ?? 'left';
    const clickCount = this.clicks.press(button, x, y, performance.now(), opts.clickCount);
    await this.input('other', 'Input.dispatchMouseEvent', {
      type: 'mousePressed',
      x,
      y,
      modifiers: opts.modifiers ?? 0,
      button,
      buttons: this.clicks.buttons,
      clickCount,
    });
  }

  /** Release a button; clickCount defaults to that of the matching press. */
  async mouseUp(
    x: number,
    y: number,
    opts: { button?: MouseButton; clickCount?: number; modifiers?: number } = {},
  ): Promise<void> {
    const button = opts.button ?? 'left';
    const clickCount = this.clicks.release(button, opts.clickCount);
    await this.input('other', 'Input.dispatchMouseEvent', {
      type: 'mouseReleased',
      x,
      y,
      modifiers: opts.modifiers ?? 0,
      button,
      buttons: this.clicks.buttons,
      clickCount,
    });
  }

  /** DOM sign: deltaY > 0 scrolls down, deltaX > 0 scrolls right (CSS pixels). */
  async wheel(x: number, y: number, deltaX: number, deltaY: number, opts: { modifiers?: number } = {}): Promise<void> {
    await this.input('wheel', 'Input.dispatchMouseEvent', {
      type: 'mouseWheel',
      x,
      y,
      deltaX,
      deltaY,
      modifiers: opts.modifiers ?? 0,
      button: 'none',
      buttons: this.clicks.buttons,
    });
  }

  /** The pointer left the view: move it outside so hover state and mouseleave/mouseout fire. */
  async mouseLeave(): Promise<void> {
    await this.input('other', 'Input.dispatchMouseEvent', {
      type: 'mouseMoved',
      x: -1,
      y: -1,
      modifiers: 0,
      button: 'none',
      buttons: 0,
    });
    this.clicks.buttons = 0;
  }

  // ---- keyboard ----

  /**
   * Dispatch one key event with CDP semantics: rawKeyDown = keydown only (no text), keyDown = keydown
   * plus the text it types (filled from the US table when missing: Enter → '\r'), keyUp, char = text
   * only. Missing key/code come from the virtual-key table; Ctrl/Meta shortcuts carry the editing
   * `commands` (selectAll, copy, cut, paste, undo, redo).
   */
  async key(ev: KeyEventInit): Promise<void> {
    const modifiers = ev.modifiers ?? 0;
    let resolved = resolveKey(ev.windowsVirtualKeyCode, modifiers);
    if (ev.text !== undefined && ev.text !== '' && ev.text !== resolved.text && ev.text !== resolved.unmodifiedText) {
      // The text does not come from this key on a US layout (IME/non-US char, or a CEF-style char
      // event whose key code is the char code): describe the key by its text, not by the table.
      resolved = { key: ev.text, code: '', text: ev.text, unmodifiedText: ev.text, location: undefined };
    }
    const params: CdpParams = {
      type: ev.type,
      modifiers,
      windowsVirtualKeyCode: ev.windowsVirtualKeyCode,
      nativeVirtualKeyCode: ev.nativeVirtualKeyCode ?? ev.windowsVirtualKeyCode,
      key: ev.key ?? resolved.key,
      code: ev.code ?? resolved.code,
      autoRepeat: ev.autoRepeat ?? false,
    };
    if (resolved.location !== undefined) params.location = resolved.location;
    if (resolved.location === 3) params.isKeypad = true;
    if (ev.type === 'keyDown' || ev.type === 'char') {
      const text = ev.text ?? resolved.text;
      if (text !== '') {
        params.text = text;
        params.unmodifiedText = ev.text !== undefined ? ev.text : resolved.unmodifiedText || text;
      } else if (ev.type === 'char') {
        return; // a char event without text types nothing
      }
    }
    if (ev.type === 'keyDown' || ev.type === 'rawKeyDown') {
      const commands = editingCommands(ev.windowsVirtualKeyCode, modifiers);
      if (commands.length > 0) params.commands = commands;
    }
    await this.input('other', 'Input.dispatchKeyEvent', params);
  }

  /** Insert text at the focus as an IME commit would (any Unicode). */
  async insertText(text: string): Promise<void> {
    await this.input('other', 'Input.insertText', { text });
  }

  // ---- navigation ----

  async navigate(url: string, opts: NavigateOptions = {}): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const waitLoad = opts.waitUntil === 'load';
    const loaded = new Set<string>();
    let wake: (() => void) | undefined;
    const off = waitLoad
      ? this.connection.onEvent(
          'Page.lifecycleEvent',
          (p) => {
            if (p.name === 'load' && typeof p.loaderId === 'string') {
              loaded.add(p.loaderId);
              wake?.();
            }
          },
          this.sessionId,
        )
      : undefined;
    try {
      const res = await this.send<{ frameId: string; loaderId?: string; errorText?: string }>(
        'Page.navigate',
        { url },
        { timeoutMs },
      );
      if (res.errorText) throw new Error(`navigation to ${url} failed: ${res.errorText}`);
      const loaderId = res.loaderId;
      if (!waitLoad || loaderId === undefined) return; // same-document navigations have no loader
      if (loaded.has(loaderId)) return;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          offDisc();
          reject(new Error(`navigation to ${url}: load event not seen within ${timeoutMs} ms`));
        }, timeoutMs);
        const onDisc = ({ reason }: { reason: string }): void => {
          clearTimeout(timer);
          reject(new Error(`navigation to ${url} aborted: ${reason}`));
        };
        const offDisc = (): void => {
          this.off('disconnected', onDisc);
        };
        this.once('disconnected', onDisc);
        wake = () => {
          if (!loaded.has(loaderId)) return;
          clearTimeout(timer);
          offDisc();
          resolve();
        };
      });
    } finally {
      off?.();
    }
  }

  /** Go one history entry back; false when there is none. */
  goBack(): Promise<boolean> {
    return this.goHistory(-1);
  }

  /** Go one history entry forward; false when there is none. */
  goForward(): Promise<boolean> {
    return this.goHistory(1);
  }

  private async goHistory(delta: number): Promise<boolean> {
    const { currentIndex, entries } = await this.send<{ currentIndex: number; entries: { id: number; url: string }[] }>(
      'Page.getNavigationHistory',
    );
    const entry = entries[currentIndex + delta];
    if (!entry) return false;
    await this.send('Page.navigateToHistoryEntry', { entryId: entry.id });
    return true;
  }

  async reload(): Promise<void> {
    await this.send('Page.reload', {});
  }

  // ---- focus, evaluation, cursor ----

  /**
   * Page focus independent of the X window's focus. setFocus(true) brings the target to front and
   * enables focus emulation, so the page behaves as focused (document.hasFocus() true, focus event,
   * caret shown) even when another window holds X focus. setFocus(false) ends the emulation: the page
   * then follows its real window focus (headless Chromium: always focused). Key events sent with
   * key() reach the focused element either way (measured headful under Xvfb with another window
   * active, and headless).
   */
  async setFocus(focused: boolean): Promise<void> {
    if (focused) {
      await this.send('Page.bringToFront');
      await this.send('Emulation.setFocusEmulationEnabled', { enabled: true });
    } else {
      await this.send('Emulation.setFocusEmulationEnabled', { enabled: false });
    }
  }

  /** Answer the open JavaScript dialog (accept with optional prompt text, or dismiss). */
  async handleDialog(accept: boolean, promptText?: string): Promise<void> {
    const params: CdpParams = { accept };
    if (promptText !== undefined) params.promptText = promptText;
    await this.send('Page.handleJavaScriptDialog', params);
  }

  /** Evaluate a JS expression (awaiting promises) and return its value; throws with the exception text. */
  async evaluate<T = unknown>(expression: string, opts: SendOptions = {}): Promise<T> {
    const res = await this.send<EvaluateResult>(
      'Runtime.evaluate',
      { expression, returnByValue: true, awaitPromise: true, userGesture: true },
      opts,
    );
    if (res.exceptionDetails) {
      const d = res.exceptionDetails;
      const msg = d.exception?.description ?? (d.exception?.value !== undefined ? String(d.exception.value) : d.text);
      throw new Error(`evaluate failed: ${msg ?? 'unknown exception'}`);
    }
    return res.result?.value as T;
  }

  /** CSS cursor Chromium shows at (x, y): 'pointer' over links, 'text' over text and text fields, etc. */
  async cursorAt(x: number, y: number): Promise<string> {
    const value = await this.evaluate<string>(`(${CURSOR_FN})(${Number(x)}, ${Number(y)})`);
    return typeof value === 'string' && value !== '' ? value : 'default';
  }

  /** Detach and close the connection (no 'disconnected' event). Later calls reject. The page itself stays open. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const wasConnected = this.disconnectedReason === undefined;
    this.markDisconnected('closed by client');
    if (wasConnected) {
      try {
        await this.connection.send('Target.detachFromTarget', { sessionId: this.sessionId }, undefined, {
          timeoutMs: 2000,
        });
      } catch (err) {
        this.log.debug({ err }, 'detach on close failed');
      }
    }
    this.connection.close();
  }

  private onTargetInfo(info: TargetInfo, popups: 'same-tab' | 'allow'): void {
    if (info.type !== 'page' || info.openerId !== this.targetId || this.handledPopups.has(info.targetId)) return;
    const url = info.url;
    if (url === '' || url === 'about:blank') {
      this.pendingPopups.add(info.targetId); // URL not known yet (or a script-filled blank window)
      return;
    }
    this.pendingPopups.delete(info.targetId);
    this.handledPopups.add(info.targetId);
    if (popups === 'allow') {
      this.log.info({ url, popup: info.targetId }, 'page opened a popup');
      this.emit('popup', { url, targetId: info.targetId, action: 'allowed' });
      return;
    }
    this.log.info({ url, popup: info.targetId }, 'popup opened in the same tab');
    this.connection
      .send('Target.closeTarget', { targetId: info.targetId })
      .catch((err: unknown) => this.log.warn({ err, popup: info.targetId }, 'closing popup failed'));
    this.navigate(url).catch((err: unknown) => this.log.warn({ err, url }, 'navigating to popup URL failed'));
    this.emit('popup', { url, targetId: info.targetId, action: 'same-tab' });
  }

  private setUrl(url: string): void {
    if (url === this.currentUrl) return;
    this.currentUrl = url;
    this.emit('url_changed', url);
  }

  private markDisconnected(reason: string): void {
    if (this.disconnectedReason !== undefined) return;
    this.disconnectedReason = reason;
    for (const u of this.unsubscribe) u();
    this.unsubscribe.length = 0;
    this.connection.failSession(this.sessionId, `page disconnected (${reason})`);
    if (this.closing) return; // an explicit close() is not reported as a disconnect
    this.log.info({ reason }, 'page disconnected');
    this.emit('disconnected', { reason });
  }
}
