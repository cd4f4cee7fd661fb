// Screenshots arrive as byte streams on one topic; a Room allows one handler per topic, so one dispatcher per
// room hands each stream to the screenshot() call waiting for its id (answers and streams may arrive in either
// order). Streams nobody claims are dropped after a while.
import { BrowserError } from './errors.ts';
import { type ByteStreamReaderLike, type RoomLike, streamIdOf } from './room-adapter.ts';

const UNCLAIMED_TTL_MS = 30_000;

interface Arrived {
  from: string;
  bytes: Promise<Uint8Array>;
  at: number;
}

class Dispatcher {
  readonly #room: RoomLike;
  readonly #topic: string;
  readonly #waiting = new Map<string, (a: Arrived) => void>();
  readonly #arrived = new Map<string, Arrived>();
  users = 0;

  constructor(room: RoomLike, topic: string) {
    this.#room = room;
    this.#topic = topic;
    room.registerByteStreamHandler(topic, (reader, info) => this.#onStream(reader, info.identity));
  }

  #onStream(reader: ByteStreamReaderLike, from: string): void {
    const id = streamIdOf(reader);
    const bytes = reader.readAll().then((chunks) => {
      const total = chunks.reduce((n, c) => n + c.byteLength, 0);
      const out = new Uint8Array(total);
      let o = 0;
      for (const c of chunks) {
        out.set(c, o);
        o += c.byteLength;
      }
      return out;
    });
    // Read errors are reported to the claimer; unclaimed streams must not raise an unhandled rejection.
    bytes.catch(() => undefined);
    const a: Arrived = { from, bytes, at: Date.now() };
    const w = this.#waiting.get(id);
    if (w) {
      this.#waiting.delete(id);
      w(a);
      return;
    }
    this.#sweep();
    this.#arrived.set(id, a);
  }

  #sweep(): void {
    const now = Date.now();
    for (const [id, a] of this.#arrived) if (now - a.at > UNCLAIMED_TTL_MS) this.#arrived.delete(id);
  }

  /** The bytes of stream `id` from `from`, waiting up to `timeoutMs` for it to start. */
  claim(id: string, from: string, timeoutMs: number): Promise<Uint8Array> {
    const check = (a: Arrived): Promise<Uint8Array> => {
      if (a.from !== from)
        throw new BrowserError('stream_lost', `screenshot stream ${id} came from ${a.from}, not ${from}`);
      return a.bytes;
    };
    const got = this.#arrived.get(id);
    if (got) {
      this.#arrived.delete(id);
      return check(got);
    }
    return new Promise<Arrived>((resolve, reject) => {
      const t = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new BrowserError('stream_lost', `screenshot stream ${id} did not arrive within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiting.set(id, (a) => {
        clearTimeout(t);
        resolve(a);
      });
    }).then(check);
  }

  close(): void {
    this.#room.unregisterByteStreamHandler(this.#topic);
  }
}

const dispatchers = new WeakMap<RoomLike, Dispatcher>();

export function acquireStreams(room: RoomLike, topic: string): Dispatcher {
  let d = dispatchers.get(room);
  if (!d) {
    d = new Dispatcher(room, topic);
    dispatchers.set(room, d);
  }
  d.users++;
  return d;
}

export function releaseStreams(room: RoomLike): void {
  const d = dispatchers.get(room);
  if (!d) return;
  if (--d.users > 0) return;
  d.close();
  dispatchers.delete(room);
}

export type StreamDispatcher = Dispatcher;
