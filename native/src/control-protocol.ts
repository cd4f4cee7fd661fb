// Control protocol between Node and the engine host (mirror of native/host/protocol.h).
// Frame = int32 LE length (4..MAX_MESSAGE) + payload; payload = int32 LE type + fields.
// Every integer is SIGNED little-endian (int32, or int64 for times); strings/bytes = int32 length + data.
import type { Rect } from './engine-api.ts';

export const PROTOCOL_VERSION = 1;
export const MAX_MESSAGE = 64 * 1024;
export const MAX_RECTS = 64;

export const MsgType = {
  Hello: 1,
  Ready: 2,
  Paint: 3,
  Audio: 4,
  Cursor: 5,
  ChromiumStarted: 6,
  ChromiumExited: 7,
  Error: 8,
  ClientHello: 101,
  Mapped: 102,
  Release: 103,
  Restart: 104,
  Shutdown: 105,
  Refresh: 106,
  Resize: 107,
} as const;

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
  | { type: 'chromium_started'; pid: number; cdpPort: number }
  | { type: 'chromium_exited'; pid: number; status: number; reason: string }
  | { type: 'error'; fatal: boolean; message: string };

export type ClientMessage =
  | { type: 'client_hello'; version: number }
  | { type: 'mapped' }
  | { type: 'release'; slot: number }
  | { type: 'restart'; url: string }
  | { type: 'shutdown' }
  | { type: 'refresh' }
  | { type: 'resize'; width: number; height: number };

export type AnyMessage = HostMessage | ClientMessage;

export class ProtocolError extends Error {}

class Writer {
  private buf = Buffer.alloc(256);
  private off = 4;
  private ensure(n: number): void {
    if (this.off + n > MAX_MESSAGE + 4) throw new ProtocolError(`message exceeds ${MAX_MESSAGE} bytes`);
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
  switch (m.type) {
    case 'hello':
      return new Writer().i32(MsgType.Hello).i32(m.version).finish();
    case 'ready':
      return new Writer()
        .i32(MsgType.Ready)
        .str(m.shmName)
        .i32(m.slots)
        .i32(m.slotSize)
        .i32(m.maxWidth)
        .i32(m.maxHeight)
        .i32(m.width)
        .i32(m.height)
        .i32(m.display)
        .finish();
    case 'paint': {
      if (m.rects.length > MAX_RECTS) throw new ProtocolError(`too many rects: ${m.rects.length}`);
      const w = new Writer().i32(MsgType.Paint).i32(m.slot).i32(m.seq).i32(m.width).i32(m.height);
      w.i64(m.captureTimeUs).i32(m.grabUs).i32(m.rects.length);
      for (const r of m.rects) w.i32(r.x).i32(r.y).i32(r.width).i32(r.height);
      return w.finish();
    }
    case 'audio':
      return new Writer()
        .i32(MsgType.Audio)
        .i64(m.ptsUs)
        .i32(m.sampleRate)
        .i32(m.channels)
        .i32(m.samplesPerChannel)
        .bytes(m.pcm)
        .finish();
    case 'cursor':
      return new Writer()
        .i32(MsgType.Cursor)
        .i32(m.serial)
        .i32(m.hash)
        .i32(m.width)
        .i32(m.height)
        .i32(m.xhot)
        .i32(m.yhot)
        .finish();
    case 'chromium_started':
      return new Writer().i32(MsgType.ChromiumStarted).i32(m.pid).i32(m.cdpPort).finish();
    case 'chromium_exited':
      return new Writer().i32(MsgType.ChromiumExited).i32(m.pid).i32(m.status).str(m.reason).finish();
    case 'error':
      return new Writer()
        .i32(MsgType.Error)
        .i32(m.fatal ? 1 : 0)
        .str(m.message)
        .finish();
    case 'client_hello':
      return new Writer().i32(MsgType.ClientHello).i32(m.version).finish();
    case 'mapped':
      return new Writer().i32(MsgType.Mapped).finish();
    case 'release':
      return new Writer().i32(MsgType.Release).i32(m.slot).finish();
    case 'restart':
      return new Writer().i32(MsgType.Restart).str(m.url).finish();
    case 'shutdown':
      return new Writer().i32(MsgType.Shutdown).finish();
    case 'refresh':
      return new Writer().i32(MsgType.Refresh).finish();
    case 'resize':
      return new Writer().i32(MsgType.Resize).i32(m.width).i32(m.height).finish();
  }
}

/** Decodes one payload (without the length prefix). Throws ProtocolError on anything malformed. */
export function decode(payload: Buffer): AnyMessage {
  const r = new Reader(payload);
  const type = r.i32();
  let m: AnyMessage;
  switch (type) {
    case MsgType.Hello:
      m = { type: 'hello', version: r.i32() };
      break;
    case MsgType.Ready:
      m = {
        type: 'ready',
        shmName: r.str(),
        slots: r.i32(),
        slotSize: r.i32(),
        maxWidth: r.i32(),
        maxHeight: r.i32(),
        width: r.i32(),
        height: r.i32(),
        display: r.i32(),
      };
      break;
    case MsgType.Paint: {
      const slot = r.i32();
      const seq = r.i32();
      const width = r.i32();
      const height = r.i32();
      const captureTimeUs = r.i64();
      const grabUs = r.i32();
      const n = r.i32();
      if (n < 0 || n > MAX_RECTS) throw new ProtocolError(`bad rect count ${n}`);
      const rects: Rect[] = [];
      for (let i = 0; i < n; i++) rects.push({ x: r.i32(), y: r.i32(), width: r.i32(), height: r.i32() });
      m = { type: 'paint', slot, seq, width, height, captureTimeUs, grabUs, rects };
      break;
    }
    case MsgType.Audio:
      m = {
        type: 'audio',
        ptsUs: r.i64(),
        sampleRate: r.i32(),
        channels: r.i32(),
        samplesPerChannel: r.i32(),
        pcm: r.bytes(),
      };
      break;
    case MsgType.Cursor:
      m = { type: 'cursor', serial: r.i32(), hash: r.i32(), width: r.i32(), height: r.i32(), xhot: r.i32(), yhot: r.i32() };
      break;
    case MsgType.ChromiumStarted:
      m = { type: 'chromium_started', pid: r.i32(), cdpPort: r.i32() };
      break;
    case MsgType.ChromiumExited:
      m = { type: 'chromium_exited', pid: r.i32(), status: r.i32(), reason: r.str() };
      break;
    case MsgType.Error:
      m = { type: 'error', fatal: r.i32() !== 0, message: r.str() };
      break;
    case MsgType.ClientHello:
      m = { type: 'client_hello', version: r.i32() };
      break;
    case MsgType.Mapped:
      m = { type: 'mapped' };
      break;
    case MsgType.Release:
      m = { type: 'release', slot: r.i32() };
      break;
    case MsgType.Restart:
      m = { type: 'restart', url: r.str() };
      break;
    case MsgType.Shutdown:
      m = { type: 'shutdown' };
      break;
    case MsgType.Refresh:
      m = { type: 'refresh' };
      break;
    case MsgType.Resize:
      m = { type: 'resize', width: r.i32(), height: r.i32() };
      break;
    default:
      throw new ProtocolError(`unknown message type ${type}`);
  }
  r.end();
  return m;
}

/** Splits a byte stream into frames; rejects lengths outside 4..MAX_MESSAGE (the caller closes the channel). */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): AnyMessage[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: AnyMessage[] = [];
    let off = 0;
    while (this.pending.length - off >= 4) {
      const len = this.pending.readInt32LE(off);
      if (len < 4 || len > MAX_MESSAGE) throw new ProtocolError(`bad frame length ${len}`);
      if (this.pending.length - off - 4 < len) break;
      out.push(decode(this.pending.subarray(off + 4, off + 4 + len)));
      off += 4 + len;
    }
    this.pending = this.pending.subarray(off);
    return out;
  }
}
