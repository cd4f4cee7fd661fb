// The client side of the room protocol: builds `browser-input` packets and RPC payloads, parses broadcasts and
// replies (never trusting the remote side: unknown cursors become 'default'). Pure, no DOM, no SDK.
import { RpcCode } from './names.ts';
import { type BrowserStatus, INPUT_LIMITS, type InputEvent, type RequestFocusReply } from './payloads.ts';

const MAX_EVENTS_PER_PACKET = INPUT_LIMITS.maxEvents;
const MAX_PACKET_BYTES = INPUT_LIMITS.maxPacketBytes;

const encoder = new TextEncoder();

/**
 * Splits events into `browser-input` packets (JSON arrays) within the protocol limits (≤ 64 events, ≤ 16 KiB).
 * A single `text` event longer than the byte limit is split into several text events.
 */
export function encodeInput(events: readonly InputEvent[]): Uint8Array<ArrayBuffer>[] {
  const flat: InputEvent[] = [];
  for (const e of events) {
    if (e.type === 'text') flat.push(...splitText(e.text));
    else flat.push(e);
  }
  const packets: Uint8Array<ArrayBuffer>[] = [];
  let batch: string[] = [];
  let bytes = 2; // "[" + "]"
  const flush = () => {
    if (batch.length > 0) packets.push(encoder.encode(`[${batch.join(',')}]`));
    batch = [];
    bytes = 2;
  };
  for (const e of flat) {
    const json = JSON.stringify(e);
    const size = encoder.encode(json).length + (batch.length > 0 ? 1 : 0);
    if (batch.length >= MAX_EVENTS_PER_PACKET || bytes + size > MAX_PACKET_BYTES) flush();
    batch.push(json);
    bytes += encoder.encode(json).length + (batch.length > 1 ? 1 : 0);
  }
  flush();
  return packets;
}

/** Splits text so that each `{"type":"text","text":...}` event stays well under the packet byte limit and within the
 *  runtime's text length limit (INPUT_LIMITS.maxTextChars UTF-16 units; longer events are dropped there). */
export function splitText(
  text: string,
  maxBytes = MAX_PACKET_BYTES - 64,
  maxChars: number = INPUT_LIMITS.maxTextChars,
): InputEvent[] {
  const out: InputEvent[] = [];
  let cur = '';
  let curBytes = 0;
  for (const ch of text) {
    // JSON escaping can grow a char up to 6 bytes ("\uXXXX"), UTF-8 up to 4: budget the worst case.
    const b = Math.max(encoder.encode(JSON.stringify(ch)).length - 2, 1);
    if ((curBytes + b > maxBytes || cur.length + ch.length > maxChars) && cur) {
      out.push({ type: 'text', text: cur });
      cur = '';
      curBytes = 0;
    }
    cur += ch;
    curBytes += b;
  }
  if (cur) out.push({ type: 'text', text: cur });
  return out;
}

function parseJson(payload: Uint8Array | string): unknown {
  const text = typeof payload === 'string' ? payload : new TextDecoder().decode(payload);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`bad JSON payload: ${String(err)}: ${text.slice(0, 200)}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `browser-focus` → identity of the holder or null. Throws on a malformed payload. */
export function parseFocus(payload: Uint8Array | string): string | null {
  const v = parseJson(payload);
  if (!isObject(v) || !('identity' in v)) throw new Error('browser-focus: missing identity');
  const id = v.identity;
  if (id === null) return null;
  if (typeof id !== 'string') throw new Error('browser-focus: identity must be string|null');
  return id;
}

/** `browser-url` → url. */
export function parseUrl(payload: Uint8Array | string): string {
  const v = parseJson(payload);
  if (!isObject(v) || typeof v.url !== 'string') throw new Error('browser-url: missing url');
  return v.url;
}

/** CSS cursor names the runtime may send (seed cursor map + a few common ones). Anything else → 'default'. */
const CURSORS = new Set([
  'default',
  'none',
  'auto',
  'crosshair',
  'pointer',
  'text',
  'vertical-text',
  'wait',
  'progress',
  'help',
  'move',
  'grab',
  'grabbing',
  'not-allowed',
  'no-drop',
  'copy',
  'alias',
  'cell',
  'context-menu',
  'all-scroll',
  'zoom-in',
  'zoom-out',
  'col-resize',
  'row-resize',
  'ew-resize',
  'ns-resize',
  'nesw-resize',
  'nwse-resize',
  'n-resize',
  's-resize',
  'e-resize',
  'w-resize',
  'ne-resize',
  'nw-resize',
  'se-resize',
  'sw-resize',
]);

/** `cursor_changed` → a safe CSS cursor keyword (never a url(...) from the remote side). */
export function parseCursor(payload: Uint8Array | string): string {
  const v = parseJson(payload);
  if (!isObject(v) || typeof v.cursor !== 'string') throw new Error('cursor_changed: missing cursor');
  return CURSORS.has(v.cursor) ? v.cursor : 'default';
}

export function parseRequestFocusResponse(payload: string): RequestFocusReply {
  const v = parseJson(payload);
  if (!isObject(v) || typeof v.granted !== 'boolean') throw new Error('request-focus: bad response');
  if (v.granted) return { granted: true };
  return { granted: false, holder: typeof v.holder === 'string' ? v.holder : null };
}

export function parseReleaseFocusResponse(payload: string): boolean {
  const v = parseJson(payload);
  if (!isObject(v) || typeof v.released !== 'boolean') throw new Error('release-focus: bad response');
  return v.released;
}

export function parseStatus(payload: string): BrowserStatus {
  const v = parseJson(payload);
  if (!isObject(v)) throw new Error('status: bad response');
  const num = (k: string) => (typeof v[k] === 'number' ? (v[k] as number) : 0);
  return {
    url: typeof v.url === 'string' ? v.url : '',
    focusHolder: typeof v.focusHolder === 'string' ? v.focusHolder : null,
    width: num('width'),
    height: num('height'),
    fps: num('fps'),
    publishing: v.publishing === true,
    restarts: num('restarts'),
  };
}

export function navigatePayload(url: string): string {
  return JSON.stringify({ url });
}

const ALLOWED_SCHEMES = new Set(['http:', 'https:', 'about:']);

/** What the user typed in the URL bar → an absolute URL. Bare hosts get https:// (http:// for localhost/IPs).
 * Only http(s) and about: are accepted (javascript:, file:, data: → null). */
export function normalizeUrlInput(input: string): string | null {
  const s = input.trim();
  if (!s) return null;
  if (/^[a-z][a-z0-9+.-]*:/i.test(s) && !/^[^/:]+:\d+(\/|$)/.test(s)) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      return null; // not a URL; the caller shows an error
    }
    return ALLOWED_SCHEMES.has(u.protocol) ? u.toString() : null;
  }
  if (/\s/.test(s)) return null;
  const local = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|\d+\.\d+\.\d+\.\d+)(:\d+)?(\/|$)/i.test(s);
  try {
    return new URL(`${local ? 'http' : 'https'}://${s}`).toString();
  } catch {
    return null; // not a URL; the caller shows an error
  }
}

/** Human-readable text for an RPC error code from the runtime. */
export function rpcErrorText(code: number | undefined, message: string): string {
  switch (code) {
    case RpcCode.NotFocused:
      return 'you do not hold focus — take control first';
    case RpcCode.UrlBlocked:
      return `URL blocked by the session's policy${message ? `: ${message}` : ''}`;
    case RpcCode.BadRequest:
      return `bad request${message ? `: ${message}` : ''}`;
    case RpcCode.RateLimited:
      return 'too many requests — slow down';
    case RpcCode.BrowserError:
      return `the browser failed${message ? `: ${message}` : ''}`;
    case RpcCode.Forbidden:
      return 'only an administrator may do that';
    default:
      return message || `RPC error ${code ?? ''}`.trim();
  }
}
