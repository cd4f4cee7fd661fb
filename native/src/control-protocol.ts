// Control protocol between Node and the engine host. MESSAGES is its one table; native/host/protocol.h declares
// the same ids and field lists (a test compares them).
// Frame = int32 LE length (4..MAX_MESSAGE) + payload; payload = int32 LE type + fields.
// Every integer is SIGNED little-endian (int32, or int64 for times); strings/bytes = int32 length + data.
import type { Rect } from './engine-api.ts';

export const PROTOCOL_VERSION = 1;
export const MAX_MESSAGE = 64 * 1024;
export const MAX_RECTS = 64;
/**
 * DevTools messages (`cdp`, `cdp_send`: CDP JSON relayed between Node and Chromium's --remote-debugging-pipe) are the
 * one exception to MAX_MESSAGE: a reply can carry a screenshot or a response body. The host drops longer ones.
 */
export const MAX_CDP_MESSAGE = 64 * 1024 * 1024;
const MAX_CDP_FRAME = MAX_CDP_MESSAGE + 16;

/** Field encodings: i32/i64 signed LE, bool = i32 0/1, str/bytes = i32 length + data, rects = i32 count + (x,y,w,h)*. */
export type FieldKind = 'i32' | 'i64' | 'bool' | 'str' | 'bytes' | 'rects';

export interface MessageSpec {
  id: number;
  from: 'host' | 'client';
  fields: ReadonlyArray<readonly [name: string, kind: FieldKind]>;
}

/**
 * THE message table: ids, direction and field order. encode/decode below are driven by it, and
 * test/control-protocol.test.ts checks it against the enum and its field comments in host/protocol.h.
 */
export const MESSAGES = {
  hello: { id: 1, from: 'host', fields: [['version', 'i32']] },
  ready: {
    id: 2,
    from: 'host',
    fields: [
      ['shmName', 'str'],
      ['slots', 'i32'],
      ['slotSize', 'i32'],
      ['maxWidth', 'i32'],
      ['maxHeight', 'i32'],
      ['width', 'i32'],
      ['height', 'i32'],
      ['display', 'i32'],
    ],
  },
  paint: {
    id: 3,
    from: 'host',
    fields: [
      ['slot', 'i32'],
      ['seq', 'i32'],
      ['width', 'i32'],
      ['height', 'i32'],
      ['captureTimeUs', 'i64'],
      ['grabUs', 'i32'],
      ['rects', 'rects'],
    ],
  },
  audio: {
    id: 4,
    from: 'host',
    fields: [
      ['ptsUs', 'i64'],
      ['sampleRate', 'i32'],
      ['channels', 'i32'],
      ['samplesPerChannel', 'i32'],
      ['pcm', 'bytes'],
    ],
  },
  cursor: {
    id: 5,
    from: 'host',
    fields: [
      ['serial', 'i32'],
      ['hash', 'i32'],
      ['width', 'i32'],
      ['height', 'i32'],
      ['xhot', 'i32'],
      ['yhot', 'i32'],
    ],
  },
  chromium_started: {
    id: 6,
    from: 'host',
    fields: [
      ['pid', 'i32'],
      ['cdpPort', 'i32'],
    ],
  },
  chromium_exited: {
    id: 7,
    from: 'host',
    fields: [
      ['pid', 'i32'],
      ['status', 'i32'],
      ['reason', 'str'],
    ],
  },
  error: {
    id: 8,
    from: 'host',
    fields: [
      ['fatal', 'bool'],
      ['message', 'str'],
    ],
  },
  /** One DevTools message from Chromium `pid` (a reply or an event, JSON text). */
  cdp: {
    id: 10,
    from: 'host',
    fields: [
      ['pid', 'i32'],
      ['message', 'str'],
    ],
  },
  /**
   * CEF host only: the input_* messages it has handled so far (sent to CEF's browser host, or refused), cumulative
   * and wrapping; a message held for a page that has not painted yet is acknowledged once it went out.
   */
  input_ack: { id: 11, from: 'host', fields: [['count', 'i32']] },
  sandbox: {
    id: 9,
    from: 'host',
    fields: [
      ['enabled', 'bool'],
      ['uid', 'i32'],
      ['detail', 'str'],
    ],
  },
  client_hello: { id: 101, from: 'client', fields: [['version', 'i32']] },
  mapped: { id: 102, from: 'client', fields: [] },
  release: { id: 103, from: 'client', fields: [['slot', 'i32']] },
  restart: { id: 104, from: 'client', fields: [['url', 'str']] },
  shutdown: { id: 105, from: 'client', fields: [] },
  refresh: { id: 106, from: 'client', fields: [] },
  resize: {
    id: 107,
    from: 'client',
    fields: [
      ['width', 'i32'],
      ['height', 'i32'],
    ],
  },
  /** One DevTools command for Chromium `pid` (dropped by the host when that Chromium is gone). */
  cdp_send: {
    id: 108,
    from: 'client',
    fields: [
      ['pid', 'i32'],
      ['message', 'str'],
    ],
  },
  // Input through CEF's browser host API (CEF host only; the Xvfb engine's input is CDP). CEF conventions: modifiers
  // are cef_event_flags_t bits (held buttons included), wheel deltas in CEF sign. The host refuses (drops, counts,
  // reports as a non-fatal `error`) anything out of range: a point outside the view, unknown kinds or bits.
  /** kind: 0 move, 1 down, 2 up, 3 leave; button: 0 left, 1 middle, 2 right; clickCount 1..3. */
  input_mouse: {
    id: 109,
    from: 'client',
    fields: [
      ['kind', 'i32'],
      ['x', 'i32'],
      ['y', 'i32'],
      ['button', 'i32'],
      ['clickCount', 'i32'],
      ['modifiers', 'i32'],
    ],
  },
  /** CEF sign: deltaY > 0 scrolls up, deltaX > 0 scrolls left (pixels). */
  input_wheel: {
    id: 110,
    from: 'client',
    fields: [
      ['x', 'i32'],
      ['y', 'i32'],
      ['deltaX', 'i32'],
      ['deltaY', 'i32'],
      ['modifiers', 'i32'],
    ],
  },
  /** kind: 0 RAWKEYDOWN, 2 KEYUP, 3 CHAR; nativeKeyCode: XKB keycode (0 unknown); characters: one UTF-16 unit. */
  input_key: {
    id: 111,
    from: 'client',
    fields: [
      ['kind', 'i32'],
      ['windowsKeyCode', 'i32'],
      ['nativeKeyCode', 'i32'],
      ['character', 'i32'],
      ['unmodifiedCharacter', 'i32'],
      ['modifiers', 'i32'],
    ],
  },
  /** The browser host's focus (SetFocus); the host re-applies it after every main-frame navigation. */
  input_focus: { id: 112, from: 'client', fields: [['focused', 'bool']] },
} as const satisfies Record<string, MessageSpec>;

export type MessageName = keyof typeof MESSAGES;

const BY_ID = new Map<number, MessageName>(
  Object.entries(MESSAGES).map(([name, spec]) => [spec.id, name as MessageName]),
);

export type HostMessage =
  | { type: 'hello'; version: number }
  | {
      type: 'ready';
      shmName: string;
      slots: number;
      slotSize: number;
      maxWidth: number;
      maxHeight: number;
      width: number;
      height: number;
      display: number;
    }
  | {
      type: 'paint';
      slot: number;
      seq: number;
      width: number;
      height: number;
      captureTimeUs: bigint;
      grabUs: number;
      rects: Rect[];
    }
  | { type: 'audio'; ptsUs: bigint; sampleRate: number; channels: number; samplesPerChannel: number; pcm: Uint8Array }
  | { type: 'cursor'; serial: number; hash: number; width: number; height: number; xhot: number; yhot: number }
  /** cdpPort 0: DevTools is relayed over this channel (`cdp` / `cdp_send`); > 0: a loopback TCP port (CEF). */
  | { type: 'chromium_started'; pid: number; cdpPort: number }
  | { type: 'chromium_exited'; pid: number; status: number; reason: string }
  | { type: 'error'; fatal: boolean; message: string }
  | { type: 'cdp'; pid: number; message: string }
  | { type: 'sandbox'; enabled: boolean; uid: number; detail: string }
  | { type: 'input_ack'; count: number };

export type ClientMessage =
  | { type: 'client_hello'; version: number }
  | { type: 'mapped' }
  | { type: 'release'; slot: number }
  | { type: 'restart'; url: string }
  | { type: 'shutdown' }
  | { type: 'refresh' }
  | { type: 'resize'; width: number; height: number }
  | { type: 'cdp_send'; pid: number; message: string }
  | {
      type: 'input_mouse';
      kind: number;
      x: number;
      y: number;
      button: number;
      clickCount: number;
      modifiers: number;
    }
  | { type: 'input_wheel'; x: number; y: number; deltaX: number; deltaY: number; modifiers: number }
  | {
      type: 'input_key';
      kind: number;
      windowsKeyCode: number;
      nativeKeyCode: number;
      character: number;
      unmodifiedCharacter: number;
      modifiers: number;
    }
  | { type: 'input_focus'; focused: boolean };

export type AnyMessage = HostMessage | ClientMessage;

export class ProtocolError extends Error {}

/** Largest payload a frame of this type may have. */
function maxPayload(id: number): number {
  return id === MESSAGES.cdp.id || id === MESSAGES.cdp_send.id ? MAX_CDP_FRAME : MAX_MESSAGE;
}

class Writer {
  private buf = Buffer.alloc(256);
  private off = 4;
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  private ensure(n: number): void {
    if (this.off + n > this.max + 4) throw new ProtocolError(`message exceeds ${this.max} bytes`);
    if (this.off + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.off + n));
    this.buf.copy(next, 0, 0, this.off);
    this.buf = next;
  }
  i32(v: number): this {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new ProtocolError(`not an int32: ${v}`);
    this.ensure(4);
    this.buf.writeInt32LE(v, this.off);
    this.off += 4;
    return this;
  }
  i64(v: bigint): this {
    this.ensure(8);
    this.buf.writeBigInt64LE(v, this.off);
    this.off += 8;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.i32(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.off);
    this.off += b.length;
    return this;
  }
  str(s: string): this {
    return this.bytes(Buffer.from(s, 'utf8'));
  }
  finish(): Buffer {
    this.buf.writeInt32LE(this.off - 4, 0);
    return this.buf.subarray(0, this.off);
  }
}

class Reader {
  private off = 0;
  private readonly b: Buffer;
  constructor(b: Buffer) {
    this.b = b;
  }
  i32(): number {
    if (this.off + 4 > this.b.length) throw new ProtocolError('truncated message');
    const v = this.b.readInt32LE(this.off);
    this.off += 4;
    return v;
  }
  i64(): bigint {
    if (this.off + 8 > this.b.length) throw new ProtocolError('truncated message');
    const v = this.b.readBigInt64LE(this.off);
    this.off += 8;
    return v;
  }
  bytes(): Uint8Array {
    const n = this.i32();
    if (n < 0 || this.off + n > this.b.length) throw new ProtocolError(`bad length ${n}`);
    const v = this.b.subarray(this.off, this.off + n);
    this.off += n;
    return v;
  }
  str(): string {
    return Buffer.from(this.bytes()).toString('utf8');
  }
  end(): void {
    if (this.off !== this.b.length) throw new ProtocolError(`${this.b.length - this.off} trailing bytes`);
  }
}

/** Encodes one message as a complete frame (length prefix included). */
export function encode(m: AnyMessage): Buffer {
  const spec: MessageSpec = MESSAGES[m.type];
  // The message's own fields, looked up by the names in the table.
  const values = m as unknown as Record<string, unknown>;
  const w = new Writer(maxPayload(spec.id)).i32(spec.id);
  for (const [name, kind] of spec.fields) {
    const v = values[name];
    switch (kind) {
      case 'i32':
        w.i32(v as number);
        break;
      case 'i64':
        w.i64(v as bigint);
        break;
      case 'bool':
        w.i32(v ? 1 : 0);
        break;
      case 'str':
        w.str(v as string);
        break;
      case 'bytes':
        w.bytes(v as Uint8Array);
        break;
      case 'rects': {
        const rects = v as Rect[];
        if (rects.length > MAX_RECTS) throw new ProtocolError(`too many rects: ${rects.length}`);
        w.i32(rects.length);
        for (const r of rects) w.i32(r.x).i32(r.y).i32(r.width).i32(r.height);
        break;
      }
    }
  }
  return w.finish();
}

/** Decodes one payload (without the length prefix). Throws ProtocolError on anything malformed. */
export function decode(payload: Buffer): AnyMessage {
  const r = new Reader(payload);
  const id = r.i32();
  const name = BY_ID.get(id);
  if (name === undefined) throw new ProtocolError(`unknown message type ${id}`);
  const m: Record<string, unknown> = { type: name };
  const spec: MessageSpec = MESSAGES[name];
  for (const [field, kind] of spec.fields) {
    switch (kind) {
      case 'i32':
        m[field] = r.i32();
        break;
      case 'i64':
        m[field] = r.i64();
        break;
      case 'bool':
        m[field] = r.i32() !== 0;
        break;
      case 'str':
        m[field] = r.str();
        break;
      case 'bytes':
        m[field] = r.bytes();
        break;
      case 'rects': {
        const n = r.i32();
        if (n < 0 || n > MAX_RECTS) throw new ProtocolError(`bad rect count ${n}`);
        const rects: Rect[] = [];
        for (let i = 0; i < n; i++) rects.push({ x: r.i32(), y: r.i32(), width: r.i32(), height: r.i32() });
        m[field] = rects;
        break;
      }
    }
  }
  r.end();
  // Built field by field from MESSAGES[name], which the round-trip test keeps equal to the AnyMessage types.
  return m as unknown as AnyMessage;
}

/**
 * Splits a byte stream into frames; rejects lengths outside 4..MAX_MESSAGE (MAX_CDP_MESSAGE + 16 for DevTools
 * messages) and the caller closes the channel. Chunks of a long frame are kept apart and joined once, when the
 * frame is complete (joining on every chunk would copy a 10 MB reply hundreds of times).
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private size = 0;

  push(chunk: Buffer): AnyMessage[] {
    this.chunks.push(chunk);
    this.size += chunk.length;
    const out: AnyMessage[] = [];
    for (;;) {
      if (this.size < 4) break;
      const len = this.peekI32(0);
      if (len < 4 || len > MAX_CDP_FRAME) throw new ProtocolError(`bad frame length ${len}`);
      if (len > MAX_MESSAGE) {
        if (this.size < 8) break;
        if (len > maxPayload(this.peekI32(4))) throw new ProtocolError(`bad frame length ${len}`);
      }
      if (this.size - 4 < len) break;
      const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.size);
      out.push(decode(all.subarray(4, 4 + len)));
      const rest = all.subarray(4 + len);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.size = rest.length;
    }
    return out;
  }

  /** The int32 at `off` of the buffered bytes (off + 4 <= size). */
  private peekI32(off: number): number {
    if ((this.chunks[0] as Buffer).length < off + 4) this.chunks = [Buffer.concat(this.chunks, this.size)];
    return (this.chunks[0] as Buffer).readInt32LE(off);
  }
}
