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
