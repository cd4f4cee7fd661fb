// The contract between the engine (native/) and its users (runtime/, bench/, e2e/).
// Shaped like the seed's BrowserContext/BrowserPage (CEF off-screen rendering), implemented over
// Debian's Chromium under Xvfb. Conventions here are CDP's, not CEF's: the runtime maps the seed's
// room protocol (CEF flags, CEF wheel sign) onto these.
import type { EventEmitter } from 'node:events';
import type { CdpChannel } from './cdp/channel.ts';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PageOptions {
  url: string;
  width: number;
  height: number;
  /** Upper bound on paints per second (1..60). */
  framerate: number;
  /** Capture page audio (PulseAudio null sink). Default true. */
  audio?: boolean;
}

export interface ContextOptions {
  /** Largest page the context accepts; bigger sizes are refused up front. Default 1920x1080. */
  maxWidth?: number;
  maxHeight?: number;
  /** Timeouts in ms for start/create/close. */
  startTimeoutMs?: number;
  closeTimeoutMs?: number;
  /** Path of the Chromium binary (engine 'chromium'). Default /usr/lib/chromium/chromium. */
  chromiumPath?: string;
  /**
   * Egress proxy (http://127.0.0.1:<port>) for every connection Chromium makes, loopback included
   * (--proxy-server, --proxy-bypass-list=<-loopback>, WebRTC without non-proxied UDP). Default: none.
   */
  proxyServer?: string;
  /**
   * Run Chromium (and PulseAudio) as this uid, apart from Node and the engine host. Needs a process running as
   * root (tests, a root container); a non-root runtime cannot switch uids. Chromium's own sandbox is used whenever
   * Chromium is not root and user namespaces work for it. Default: Chromium runs as the host's uid.
   */
  chromiumUid?: number;
  /**
   * Which engine renders the pages: 'chromium' (Debian's Chromium under Xvfb, XDamage/MIT-SHM capture) or
   * 'cef' (CEF off-screen rendering, native/cef-host). Default: $LKB_ENGINE, else 'chromium'.
   */
  engine?: EngineKind;
}

export type EngineKind = 'chromium' | 'cef';

/**
 * One damage-driven frame. `frame` is BGRA (B,G,R,X bytes), stride = width*4, and starts at offset 0
 * of its own ArrayBuffer (rtc-node's VideoFrame ignores byteOffset). The slot is valid only during the
 * synchronous 'paint' dispatch; call hold() to keep it longer and call the returned function to release it.
 * The host never rewrites a slot before it is released.
 */
export interface PaintEvent {
  seq: number;
  width: number;
  height: number;
  dirtyRects: Rect[];
  frame: Uint8Array;
  /** Monotonic capture time in microseconds (same clock as process.hrtime.bigint()/1000). */
  captureTimeUs: bigint;
  hold(): () => void;
}

/** 10 ms of 48 kHz stereo s16 interleaved PCM (480 samples per channel). */
export interface AudioEvent {
  samples: Int16Array;
  sampleRate: number;
  channels: number;
  samplesPerChannel: number;
  ptsUs: bigint;
}

export type MouseButton = 'left' | 'middle' | 'right';
/** CDP modifier bits. */
export const Modifier = { Alt: 1, Ctrl: 2, Meta: 4, Shift: 8 } as const;
/** CDP `buttons` bits for buttons held during a move. */
export const ButtonsMask = { left: 1, right: 2, middle: 4 } as const;

export interface KeyEventInit {
  /** CDP semantics: rawKeyDown (no text), keyDown (with text), keyUp, char (text only). */
  type: 'rawKeyDown' | 'keyDown' | 'keyUp' | 'char';
  windowsVirtualKeyCode: number;
  modifiers?: number;
  /** DOM `key` and `code` when known (e.g. 'a'/'KeyA', 'Enter'/'Enter'). */
  key?: string;
  code?: string;
  text?: string;
  nativeVirtualKeyCode?: number;
  autoRepeat?: boolean;
}

export interface PageEvents {
  paint: [PaintEvent];
  audio: [AudioEvent];
  /** CSS cursor name: 'default', 'pointer', 'text', 'none', ... */
  cursor_changed: [string];
  url_changed: [string];
  /** Chromium (or the host) died; the page stays usable after restart(). */
  crashed: [{ reason: string }];
  /** A restart after a crash completed; paints resume. */
  restarted: [];
  closed: [];
}

export interface BrowserVersion {
  protocolVersion: string;
  product: string;
  userAgent: string;
}

/**
 * Whether Chromium runs inside its own sandbox (user + pid + net namespaces, seccomp-bpf), as the engine host decided
 * before launching it; `detail` says why, e.g. "off: unshare(CLONE_NEWUSER): Operation not permitted" under a
 * seccomp profile that refuses user namespaces (README "Chromium's sandbox in the pod").
 */
export interface SandboxState {
  enabled: boolean;
  detail: string;
}

export interface BrowserPage extends EventEmitter<PageEvents> {
  readonly id: number;
  /** Chromium's own sandbox for this page (the host reports it once, before Chromium's first start). */
  readonly sandbox: SandboxState;
  readonly width: number;
  readonly height: number;
  readonly url: string;
  readonly crashed: boolean;
  /**
   * A DevTools connection of its own (the automation endpoint's upstream, one per client): a browser-target session
   * on the engine's one connection to Chromium, apart from the engine's own sessions and every other client's.
   */
  openCdpClient(): Promise<CdpChannel>;
  /** Browser.getVersion of the running browser (the automation endpoint's /json/version). */
  browserVersion(): Promise<BrowserVersion>;
  /** DevTools target id of the page (changes when Chromium is restarted; '' while none is attached). */
  readonly cdpTargetId: string;

  mouseMove(x: number, y: number, opts?: { buttons?: number; modifiers?: number }): Promise<void>;
  mouseDown(
    x: number,
    y: number,
    opts?: { button?: MouseButton; clickCount?: number; modifiers?: number },
  ): Promise<void>;
  mouseUp(
    x: number,
    y: number,
    opts?: { button?: MouseButton; clickCount?: number; modifiers?: number },
  ): Promise<void>;
  /** DOM sign convention: deltaY > 0 scrolls down, deltaX > 0 scrolls right (pixels). */
  wheel(x: number, y: number, deltaX: number, deltaY: number, opts?: { modifiers?: number }): Promise<void>;
  mouseLeave(): Promise<void>;
  key(ev: KeyEventInit): Promise<void>;
  insertText(text: string): Promise<void>;
  navigate(url: string): Promise<void>;
  goBack(): Promise<boolean>;
  goForward(): Promise<boolean>;
  reload(): Promise<void>;
  setFocus(focused: boolean): Promise<void>;
  resize(width: number, height: number): Promise<void>;
  /** Evaluate a JS expression in the page (returns by value). For tests and automation. */
  evaluate<T = unknown>(expression: string): Promise<T>;
  /**
   * Request one full paint of the current screen even if unchanged (paints are damage-driven; use this
   * for a late subscriber or a periodic keyframe). Optional so other implementations stay valid.
   */
  requestFrame?(): void;
  /** The first start's step times (optional so other implementations stay valid). */
  readonly startupMarks?: Readonly<StartupMarks>;
  /** Relaunch Chromium after a crash (same size and last URL). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * When each start-up step of a page finished, in performance.now() ms of this process (the host's steps converted
 * from its monotonic clock): host_spawn (spawn called), xvfb (display up, X set up), pulse (audio on only),
 * host_ready, chromium_started (DevTools port open), cdp_connected, first_paint. Steps an engine does not have are
 * absent (CEF: no xvfb/pulse).
 */
export type StartupMarks = Partial<
  Record<'host_spawn' | 'xvfb' | 'pulse' | 'host_ready' | 'chromium_started' | 'cdp_connected' | 'first_paint', number>
>;

export interface BrowserContext {
  newPage(opts: PageOptions): Promise<BrowserPage>;
  readonly pages: readonly BrowserPage[];
  close(): Promise<void>;
}
