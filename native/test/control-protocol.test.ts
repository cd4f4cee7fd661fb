// Control protocol encode/decode tables (TS side) and the host's own checks (bad version, oversize frames).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import {
  type AnyMessage,
  decode,
  encode,
  FrameDecoder,
  MAX_CDP_MESSAGE,
  MAX_MESSAGE,
  MAX_RECTS,
  MESSAGES,
  type MessageSpec,
  PROTOCOL_VERSION,
  ProtocolError,
} from '../src/control-protocol.ts';
import { HOST_PATH } from '../src/shm.ts';
import { leftovers } from './helpers.ts';
import { waitFor } from '@lkbrowser/testkit';

const table: AnyMessage[] = [
  { type: 'hello', version: 1 },
  {
    type: 'ready',
    shmName: '/lkb-1-2',
    slots: 3,
    slotSize: 8294400,
    maxWidth: 1920,
    maxHeight: 1080,
    width: 1280,
    height: 720,
    display: 7,
  },
  {
    type: 'paint',
    slot: 2,
    seq: 2147483647,
    width: 1280,
    height: 720,
    captureTimeUs: 123456789012345n,
    grabUs: 280,
    rects: [
      { x: -5, y: -1, width: 10, height: 20 },
      { x: 0, y: 700, width: 1280, height: 20 },
    ],
  },
  { type: 'paint', slot: 0, seq: -2147483648, width: 16, height: 16, captureTimeUs: -1n, grabUs: 0, rects: [] },
  {
    type: 'audio',
    ptsUs: 42n,
    sampleRate: 48000,
    channels: 2,
    samplesPerChannel: 480,
    pcm: new Uint8Array(1920).fill(7),
  },
  { type: 'cursor', serial: 9, hash: -123456789, width: 24, height: 24, xhot: 4, yhot: 4 },
  { type: 'chromium_started', pid: 4242, cdpPort: 40000 },
  { type: 'chromium_exited', pid: 4242, status: -1, reason: 'killed by signal 9 — ünïcödé' },
  { type: 'error', fatal: true, message: 'X connection lost' },
  { type: 'sandbox', enabled: false, uid: 1000, detail: 'off: unshare(CLONE_NEWUSER): Operation not permitted' },
  { type: 'client_hello', version: 1 },
  { type: 'mapped' },
  { type: 'release', slot: 1 },
  { type: 'restart', url: 'http://127.0.0.1:1/x?y=1#z' },
  { type: 'shutdown' },
  { type: 'refresh' },
  { type: 'resize', width: 640, height: 360 },
  { type: 'cdp', pid: 4242, message: '{"id":1,"result":{"v":"ü"}}' },
  { type: 'cdp_send', pid: 4242, message: '{"id":1,"method":"Browser.getVersion"}' },
  { type: 'input_mouse', kind: 1, x: 640, y: -1, button: 2, clickCount: 3, modifiers: 16 | 4 },
  { type: 'input_wheel', x: 1, y: 2, deltaX: -40, deltaY: 120, modifiers: 0 },
  {
    type: 'input_key',
    kind: 3,
    windowsKeyCode: 65,
    nativeKeyCode: 38,
    character: 0x41,
    unmodifiedCharacter: 0x61,
    modifiers: 2,
  },
  { type: 'input_focus', focused: true },
  { type: 'input_ack', count: -2147483648 },
];

function norm(m: AnyMessage): unknown {
  return m.type === 'audio' ? { ...m, pcm: Array.from(m.pcm) } : m;
}

// kPaint → paint, kChromiumStarted → chromium_started, kClientHello → client_hello.
const snake = (k: string): string =>
  k
    .slice(1)
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();

describe('host protocol table: native/host/protocol.h agrees with MESSAGES', () => {
  const header = readFileSync(new URL('../host/protocol.h', import.meta.url), 'utf8');
  const constant = (name: string): number => {
    const m = new RegExp(`constexpr int32_t ${name} = ([^;]+);`).exec(header);
    assert.ok(m?.[1], `${name} in protocol.h`);
    return Number(Function(`return (${m[1]})`)()); // "64 * 1024": arithmetic on integer literals only
  };
  it('constants', () => {
    assert.equal(constant('kProtocolVersion'), PROTOCOL_VERSION);
    assert.equal(constant('kMaxMessage'), MAX_MESSAGE);
    assert.equal(constant('kMaxRects'), MAX_RECTS);
    assert.equal(constant('kMaxCdpMessage'), MAX_CDP_MESSAGE);
  });
  it('every message: id, direction and fields (name and encoding, in order)', () => {
    const body = /enum MsgType : int32_t \{([\s\S]*?)\};/.exec(header)?.[1] ?? '';
    const parsed: Record<string, MessageSpec> = {};
    let from: 'host' | 'client' | undefined;
    for (const line of body.split('\n')) {
      if (/\/\/ host -> TS/.test(line)) from = 'host';
      if (/\/\/ TS -> host/.test(line)) from = 'client';
      const m = /^\s*(k\w+) = (\d+),\s*\/\/ (.*)$/.exec(line);
      if (!m || !from) continue;
      const [, key = '', id = '', comment = ''] = m;
      const fields = comment.startsWith('(none)')
        ? []
        : comment
            .replace(/ \(.*$/, '')
            .split(',')
            .map((f) => {
              const [name = '', kind = 'i32'] = f.trim().split(':');
              return [name, kind] as const;
            });
      parsed[snake(key)] = { id: Number(id), from, fields } as MessageSpec;
    }
    const ts = Object.fromEntries(
      Object.entries(MESSAGES).map(([k, v]) => [k, { id: v.id, from: v.from, fields: v.fields.map((f) => [...f]) }]),
    );
    const h = Object.fromEntries(
      Object.entries(parsed).map(([k, v]) => [k, { id: v.id, from: v.from, fields: v.fields.map((f) => [...f]) }]),
    );
    assert.deepEqual(h, ts);
  });
});

describe('CEF host protocol: native/cef-host/src/protocol.rs agrees with MESSAGES', () => {
  const rs = readFileSync(new URL('../cef-host/src/protocol.rs', import.meta.url), 'utf8');
  const consts = new Map(
    [...rs.matchAll(/^pub const (\w+): (?:i32|usize) = ([^;]+);$/gm)].map((m) => [
      m[1] ?? '',
      Number(Function(`return (${m[2]})`)()), // "64 * 1024": arithmetic on integer literals only
    ]),
  );
  it('constants', () => {
    assert.equal(consts.get('PROTOCOL_VERSION'), PROTOCOL_VERSION);
    assert.equal(consts.get('MAX_MESSAGE'), MAX_MESSAGE);
    assert.equal(consts.get('MAX_RECTS'), MAX_RECTS);
  });
  it('every message id, and no other', () => {
    const ids = Object.fromEntries(
      [...consts]
        .filter(([k]) => !['PROTOCOL_VERSION', 'MAX_MESSAGE', 'MAX_RECTS'].includes(k))
        .map(([k, v]) => [k.toLowerCase(), v]),
    );
    assert.deepEqual(ids, Object.fromEntries(Object.entries(MESSAGES).map(([k, v]) => [k, v.id])));
  });
  it('every client message: the fields decode_client reads (CLIENT_FIELDS, name and encoding, in order)', () => {
    const table = /pub const CLIENT_FIELDS: &\[\(&str, &str\)\] = &\[([\s\S]*?)\];/.exec(rs)?.[1] ?? '';
    const parsed = Object.fromEntries(
      [...table.matchAll(/\("(\w+)", "([^"]*)"\)/g)].map(([, name = '', fields = '']) => [
        name,
        fields === ''
          ? []
          : fields.split(', ').map((f) => {
              const [n = '', kind = 'i32'] = f.split(':');
              return [n, kind];
            }),
      ]),
    );
    const ts = Object.fromEntries(
      Object.entries(MESSAGES)
        .filter(([, v]) => v.from === 'client')
        .map(([k, v]) => [k, v.fields.map((f) => [...f])]),
    );
    assert.deepEqual(parsed, ts);
  });
});

describe('control protocol', () => {
  it('the round-trip table covers every message', () => {
    assert.deepEqual(new Set(table.map((m) => m.type)), new Set(Object.keys(MESSAGES)));
  });
  for (const m of table) {
    it(`round-trips ${m.type}`, () => {
      const frame = encode(m);
      assert.equal(frame.readInt32LE(0), frame.length - 4, 'length prefix');
      assert.deepEqual(norm(decode(frame.subarray(4))), norm(m));
      const dec = new FrameDecoder();
      // Fed byte by byte: no message until the frame is complete.
      const out: AnyMessage[] = [];
      for (let i = 0; i < frame.length; i++) out.push(...dec.push(frame.subarray(i, i + 1)));
      assert.equal(out.length, 1);
      assert.deepEqual(norm(out[0] as AnyMessage), norm(m));
    });
  }

  it('encodes integers as signed little-endian', () => {
    const f = encode({ type: 'release', slot: -2 });
    assert.deepEqual([...f], [8, 0, 0, 0, 103, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff]);
  });

  it('decodes several frames from one chunk', () => {
    const dec = new FrameDecoder();
    const chunk = Buffer.concat([
      encode({ type: 'mapped' }),
      encode({ type: 'release', slot: 3 }),
      encode({ type: 'shutdown' }).subarray(0, 5),
    ]);
    assert.deepEqual(
      dec.push(chunk).map((m) => m.type),
      ['mapped', 'release'],
    );
    assert.deepEqual(
      dec.push(encode({ type: 'shutdown' }).subarray(5)).map((m) => m.type),
      ['shutdown'],
    );
  });

  it('a DevTools message may exceed MAX_MESSAGE (up to MAX_CDP_MESSAGE); no other message may', () => {
    const big = `{"id":7,"result":{"data":"${'A'.repeat(3 * MAX_MESSAGE)}"}}`;
    const frame = encode({ type: 'cdp', pid: 1, message: big });
    const dec = new FrameDecoder();
    const out: AnyMessage[] = [];
    for (let i = 0; i < frame.length; i += 1000) out.push(...dec.push(frame.subarray(i, i + 1000)));
    assert.deepEqual(out, [{ type: 'cdp', pid: 1, message: big }]);
    const head = (len: number, type: number): Buffer => {
      const b = Buffer.alloc(8);
      b.writeInt32LE(len, 0);
      b.writeInt32LE(type, 4);
      return b;
    };
    assert.throws(() => new FrameDecoder().push(head(MAX_MESSAGE + 1, MESSAGES.audio.id)), /bad frame length/);
    assert.throws(() => new FrameDecoder().push(head(MAX_CDP_MESSAGE + 17, MESSAGES.cdp.id)), /bad frame length/);
    assert.deepEqual(new FrameDecoder().push(head(MAX_CDP_MESSAGE, MESSAGES.cdp.id)), [], 'waits for the rest');
    assert.throws(() => encode({ type: 'cdp_send', pid: 1, message: 'x'.repeat(MAX_CDP_MESSAGE + 16) }), /exceeds/);
  });

  it('rejects bad frames and payloads', () => {
    const bad = (len: number): Buffer => {
      const b = Buffer.alloc(8);
      b.writeInt32LE(len, 0);
      return b;
    };
    assert.throws(() => new FrameDecoder().push(bad(-1)), ProtocolError, 'negative length');
    assert.throws(() => new FrameDecoder().push(bad(0)), ProtocolError, 'empty frame');
    assert.throws(() => new FrameDecoder().push(bad(MAX_MESSAGE + 1)), ProtocolError, 'oversize frame');
    const unknown = Buffer.alloc(4);
    unknown.writeInt32LE(9999, 0);
    assert.throws(() => decode(unknown), /unknown message type/);
    assert.throws(() => decode(encode({ type: 'release', slot: 1 }).subarray(4, 10)), /truncated/);
    const trailing = Buffer.concat([encode({ type: 'mapped' }).subarray(4), Buffer.alloc(4)]);
    assert.throws(() => decode(trailing), /trailing/);
    const rects = Array.from({ length: MAX_RECTS + 1 }, () => ({ x: 0, y: 0, width: 1, height: 1 }));
    assert.throws(
      () => encode({ type: 'paint', slot: 0, seq: 0, width: 1, height: 1, captureTimeUs: 0n, grabUs: 0, rects }),
      ProtocolError,
    );
    assert.throws(() => encode({ type: 'release', slot: 2 ** 31 }), /not an int32/);
    assert.throws(() => encode({ type: 'restart', url: 'x'.repeat(MAX_MESSAGE) }), /exceeds/);
  });
});

// The host validates the first frame itself: wrong version or a malformed frame → error message and exit.
function runHost(first: Buffer): Promise<{ code: number | null; messages: AnyMessage[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(HOST_PATH, ['--width', '320', '--height', '240', '--audio', '0'], {
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    });
    const sock = child.stdio[3] as Socket;
    const dec = new FrameDecoder();
    const messages: AnyMessage[] = [];
    sock.on('data', (c: Buffer) => messages.push(...dec.push(c)));
    sock.on('error', () => undefined); // EPIPE after the host exits is expected here
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('host did not exit on a bad handshake'));
    }, 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, messages });
    });
    sock.write(first);
  });
}

describe('engine host handshake', () => {
  it('rejects a wrong protocol version and exits', async () => {
    const r = await runHost(encode({ type: 'client_hello', version: 99 }));
    assert.notEqual(r.code, 0);
    assert.equal(r.messages[0]?.type, 'error');
    assert.match((r.messages[0] as { message: string }).message, /version/);
  });

  it('rejects an oversize first frame and exits', async () => {
    const b = Buffer.alloc(12);
    b.writeInt32LE(MAX_MESSAGE + 1, 0);
    const r = await runHost(b);
    assert.notEqual(r.code, 0);
    assert.equal(r.messages[0]?.type, 'error');
  });

  it('closes on a protocol violation after the handshake and cleans up everything it started', async () => {
    const child = spawn(HOST_PATH, ['--width', '320', '--height', '240', '--audio', '1', '--url', 'about:blank'], {
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    });
    const pid = child.pid ?? -1;
    try {
      const sock = child.stdio[3] as Socket;
      sock.on('error', () => undefined); // EPIPE after the host exits is expected here
      const dec = new FrameDecoder();
      const messages: AnyMessage[] = [];
      sock.on('data', (c: Buffer) => messages.push(...dec.push(c)));
      const exited = new Promise<number | null>((r) => child.on('exit', r));
      sock.write(encode({ type: 'client_hello', version: 1 }));
      await waitFor('chromium_started', () => messages.some((m) => m.type === 'chromium_started'), 60_000);
      const ready = messages.find((m) => m.type === 'ready');
      assert.ok(ready && ready.type === 'ready' && ready.slots >= 3);
      assert.ok(leftovers(pid).length >= 4, 'host, Xvfb, pulseaudio and chromium are running');
      const b = Buffer.alloc(8);
      b.writeInt32LE(-7, 0);
      sock.write(b);
      await exited;
      const err = messages.find((m) => m.type === 'error');
      assert.ok(err && err.type === 'error' && /length -7/.test(err.message), 'error names the bad length');
      await waitFor(`cleanup (left: ${leftovers(pid).join('; ')})`, () => leftovers(pid).length === 0, 10_000);
    } finally {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone (the expected case)
      }
    }
  });

  it('refuses a size above the maximum on its command line', async () => {
    const child = spawn(HOST_PATH, ['--width', '4000', '--height', '240', '--max-width', '1920'], { stdio: 'ignore' });
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    assert.equal(code, 64);
  });
});
