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
  /** ext: byte streams carrying `browser/screenshot` images to the caller. */
  screenshot: 'browser-screenshot',
  /** ext: agent state broadcast by agents (idle/thinking/acting/paused); the runtime does not interpret it. */
  agentStatus: 'browser-agent-status',
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
  /** ext: a batch of high-level actions, answered when applied (docs/room-protocol.md, "Actions"). */
  actions: 'browser/actions',
  /** ext: a lossless PNG of the last captured frame, sent as a byte stream; answers with page metadata. */
  screenshot: 'browser/screenshot',
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
  /** Not allowed for this caller (browser/revoke-focus by a non-admin; browser/screenshot by a participant that
   *  neither holds focus nor is allowlisted). */
  Forbidden: 2006,
  /** ext: a wait of the actions API (load, settle) ran out. */
  Timeout: 2007,
  /** ext: an action not run because an earlier one of its batch failed. */
  Skipped: 2008,
} as const;
