// Room protocol payloads (docs/room-protocol.md): what travels on the data topics and in RPC requests and replies,
// and the limits the runtime enforces. Types only and constants: the runtime validates (runtime/src/
// input-validation.ts), clients build and parse (client.ts).

/** CEF cef_event_flags_t bits carried in `modifiers` (seed convention). */
export const CefFlag = {
  CapsLock: 1 << 0,
  Shift: 1 << 1,
  Control: 1 << 2,
  Alt: 1 << 3,
  LeftMouse: 1 << 4,
  MiddleMouse: 1 << 5,
  RightMouse: 1 << 6,
  Command: 1 << 7,
} as const;

/** 0 left, 1 middle, 2 right. */
export type MouseButton = 0 | 1 | 2;

/** One event of a `browser-input` packet (a JSON array of these), as a client sends it. */
export type InputEvent =
  | { type: 'mousemove'; x: number; y: number; modifiers?: number }
  | {
      type: 'mousedown' | 'mouseup';
      x: number;
      y: number;
      button?: MouseButton;
      clickCount?: number;
      modifiers?: number;
    }
  | { type: 'wheel'; x: number; y: number; deltaX?: number; deltaY?: number; modifiers?: number }
  | { type: 'keydown' | 'keyup'; keyCode: number; modifiers?: number; key?: string; code?: string }
  | { type: 'char'; keyCode: number; charCode: number; modifiers?: number }
  | { type: 'text'; text: string }
  | { type: 'mouseleave' };

export const INPUT_LIMITS = {
  maxPacketBytes: 16 * 1024,
  maxEvents: 64,
  maxTextChars: 4096,
  maxKeyStringChars: 32,
  /** |deltaX|, |deltaY| larger than this are clamped (pixels). */
  maxWheelDelta: 10_000,
  /** CEF EVENTFLAG bits go up to 1<<13 (REPEAT); a little headroom for future flags. */
  maxModifiers: 0xffff,
} as const;

/** `browser-focus` broadcast: the holder, or null. */
export interface FocusPayload {
  identity: string | null;
}
/**
 * What LiveKit carries (docs: a reliable data packet holds up to 15 KiB of user data — the protocol's 16 KiB less
 * routing headers; RPC v1 payloads up to 15 KiB) and what the runtime reports within it.
 */
export const ROOM_LIMITS = {
  /** Largest payload the runtime hands to publishData; larger ones are refused (logged, counted). */
  maxDataPayloadBytes: 15 * 1024,
  /** Largest RPC reply the runtime sends (UTF-8 bytes); larger ones become a BrowserError. */
  maxRpcPayloadBytes: 15 * 1024,
  /** URLs on `browser-url` / `browser/status` longer than this (UTF-8 bytes) are cut and flagged `truncated`. */
  maxReportedUrlBytes: 8 * 1024,
} as const;

/** `browser-url` broadcast. `truncated` (ext): the page's URL is longer than ROOM_LIMITS.maxReportedUrlBytes. */
export interface UrlPayload {
  url: string;
  truncated?: true;
}
/** `cursor_changed` broadcast: a CSS cursor keyword. */
export interface CursorPayload {
  cursor: string;
}

/** `browser/request-focus` reply. */
export type RequestFocusReply = { granted: true } | { granted: false; holder: string | null };
/** `browser/release-focus` reply. */
export interface ReleaseFocusReply {
  released: boolean;
}
/** `browser/navigate` request. */
export interface NavigateRequest {
  url: string;
}
/** `browser/resize` request and (with status "ok") reply. */
export interface ResizeRequest {
  width: number;
  height: number;
}
/** `browser/status` reply. */
export interface BrowserStatus {
  /** cut to ROOM_LIMITS.maxReportedUrlBytes; `urlTruncated` says so */
  url: string;
  urlTruncated?: true;
  focusHolder: string | null;
  width: number;
  height: number;
  fps: number;
  publishing: boolean;
  /** browser restarts after crashes */
  restarts: number;
}

// ── browser/actions (ext; docs/room-protocol.md "Actions") ──────────────────────────────────────────────────────
// The wire form: what a client sends and gets back. The runtime parses it into its own normalized form
// (runtime/src/actions-parse.ts); @lkbrowser/client and the Python client build it.

export type ActionButton = 'left' | 'middle' | 'right';
export type ScrollDirection = 'up' | 'down' | 'left' | 'right';
export interface XY {
  x: number;
  y: number;
}

/** `modifiers` are "+"-joined names: "shift", "ctrl+shift", "cmd". */
export type Action =
  | ({ type: 'left_click' | 'right_click' | 'middle_click' | 'double_click' | 'triple_click'; modifiers?: string } & XY)
  | ({ type: 'click'; button?: ActionButton; count?: 1 | 2 | 3; modifiers?: string } & XY)
  | ({ type: 'mouse_move'; modifiers?: string } & XY)
  | { type: 'mouse_down' | 'mouse_up'; x?: number; y?: number; button?: ActionButton; modifiers?: string }
  | { type: 'left_mouse_down' | 'left_mouse_up'; x?: number; y?: number }
  | { type: 'drag'; path: XY[]; button?: ActionButton; modifiers?: string }
  | { type: 'cursor_position' }
  | ({ type: 'scroll'; direction?: ScrollDirection; amount?: number; modifiers?: string } & XY)
  | { type: 'type'; text: string }
  | { type: 'key'; keys: string }
  | { type: 'hold_key'; keys: string; durationMs?: number }
  | { type: 'wait'; ms?: number }
  | { type: 'navigate'; url: string }
  | { type: 'back' | 'forward' | 'reload' }
  | { type: 'wait_for_load'; timeoutMs?: number }
  | { type: 'wait_for_settle'; quietMs?: number; timeoutMs?: number };

export type ActionType = Action['type'];

/** Every action type, in the order docs/room-protocol.md lists them. */
export const ACTION_TYPES = [
  'left_click',
  'right_click',
  'middle_click',
  'double_click',
  'triple_click',
  'click',
  'mouse_move',
  'mouse_down',
  'mouse_up',
  'left_mouse_down',
  'left_mouse_up',
  'drag',
  'cursor_position',
  'scroll',
  'type',
  'key',
  'hold_key',
  'wait',
  'navigate',
  'back',
  'forward',
  'reload',
  'wait_for_load',
  'wait_for_settle',
] as const satisfies readonly ActionType[];
// Compile-time: every member of Action is listed (a new action type without an entry fails typecheck).
const _everyActionListed: readonly (typeof ACTION_TYPES)[number][] = [] as ActionType[];
void _everyActionListed;

/** `browser/actions` request. */
export interface ActionsRequest {
  actions: Action[];
  /** Answer only after a frame captured after the last action was published (or frameTimeoutMs passed). */
  waitFrame?: boolean;
  frameTimeoutMs?: number;
}

/** One action's outcome: `ok` with its data (cursor_position: x, y), or the error with an RpcCode. */
export type ActionResult = ({ ok: true } & Record<string, unknown>) | { ok: false; code: number; error: string };

export interface FrameRef {
  seq: number;
  width: number;
  height: number;
  /** µs, as a decimal string (a 64-bit value) */
  captureTimeUs: string;
}

/** `browser/actions` reply. */
export interface BatchResult {
  results: ActionResult[];
  cursor: XY;
  url: string;
  /** With waitFrame: the first frame captured after the batch (null: none within frameTimeoutMs). */
  frame?: FrameRef | null;
}

export const ACTION_LIMITS = {
  maxActions: 100,
  maxPayloadBytes: 64 * 1024,
  maxTextChars: 4096,
  maxWaitMs: 10_000,
  /** Sum of every wait, hold and load/settle timeout in one batch. */
  maxBatchWaitMs: 30_000,
  maxDragPoints: 64,
  maxScrollAmount: 50,
  /** Pixels per scroll unit (one wheel notch). */
  scrollStepPx: 100,
  maxUrlChars: 8192,
} as const;

/** What the runtime assumes for an optional field left out. */
export const ACTION_DEFAULTS = {
  scrollAmount: 3,
  scrollDirection: 'down',
  holdKeyMs: 500,
  waitMs: 1000,
  loadTimeoutMs: 10_000,
  settleQuietMs: 300,
  settleTimeoutMs: 5000,
  frameTimeoutMs: 2000,
  /** A navigation action's own wait for the load, for a client's RPC timeout. */
  navigationMs: 7000,
} as const;

// ── browser/screenshot (ext; docs/room-protocol.md "Screenshots") ─────────────────────────────────────────────

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** `browser/screenshot` request (empty payload = the whole frame at scale 1). */
export interface ScreenshotRequest {
  format?: 'png';
  region?: Rect;
  /** SCREENSHOT_LIMITS.minScale..maxScale */
  scale?: number;
}

export const SCREENSHOT_LIMITS = {
  minScale: 0.05,
  maxScale: 1,
  maxPayloadBytes: 1024,
} as const;

/** `browser/screenshot` reply; the image follows as a byte stream on TOPIC.screenshot with this streamId. */
export interface ScreenshotReply {
  streamId: string;
  mimeType: 'image/png';
  bytes: number;
  width: number;
  height: number;
  region: Rect;
  scale: number;
  seq: number;
  captureTimeUs: string;
  encodeMs: number;
  url: string;
  title: string;
  viewport: { width: number; height: number };
  devicePixelRatio: number;
}

// ── browser-agent-status (ext) ───────────────────────────────────────────────────────────────────────────────

export const AGENT_STATUSES = ['idle', 'thinking', 'acting', 'paused'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];
/** `browser-agent-status` broadcast by an agent. */
export interface AgentStatusPayload {
  status: AgentStatus;
}
