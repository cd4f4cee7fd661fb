// Room protocol names (docs/room-protocol.md): tracks, data topics, RPC methods and error codes. Seed names are
// unchanged. To add an RPC: name it here, add its payload types to payloads.ts, its handler to
// runtime/src/rpc-handlers.ts, and document it.

export const VIDEO_TRACK = 'browser-video';
export const AUDIO_TRACK = 'browser-audio';

export const TOPIC = {
  input: 'browser-input',
  focus: 'browser-focus',
  url: 'browser-url',
  cursor: 'cursor_changed',
} as const;

export const RPC = {
  requestFocus: 'browser/request-focus',
  releaseFocus: 'browser/release-focus',
  navigate: 'browser/navigate',
  goBack: 'browser/go-back',
  goForward: 'browser/go-forward',
  reload: 'browser/reload',
  status: 'browser/status',
  resize: 'browser/resize',
  /** Admin only (LKB_FOCUS_ADMIN_IDENTITIES): clears the focus holder. */
  revokeFocus: 'browser/revoke-focus',
} as const;

/** Application RPC error codes. */
export const RpcCode = {
  NotFocused: 2001,
  UrlBlocked: 2002,
  BadRequest: 2003,
  RateLimited: 2004,
  BrowserError: 2005,
  Forbidden: 2006,
} as const;
