// The room protocol's one definition (@lkbrowser/protocol) against the runtime that serves it and the document
// that describes it: what a client encodes, the runtime accepts (a pasted text longer than maxTextChars was dropped
// whole before this test); every name is documented.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  AUDIO_TRACK,
  encodeInput,
  INPUT_LIMITS,
  type InputEvent,
  RPC,
  RpcCode,
  TOPIC,
  VIDEO_TRACK,
} from '@lkbrowser/protocol';
import { parseInputPacket } from '../src/input-validation.ts';

const viewport = { width: 1280, height: 720 };

test('every event a client encodes passes the runtime validation, packet limits included', () => {
  const events: InputEvent[] = [
    { type: 'mousemove', x: 1, y: 2 },
    { type: 'mousemove', x: 1279, y: 719, modifiers: 16 },
    { type: 'mousedown', x: 10, y: 20, button: 0, clickCount: 1 },
    { type: 'mouseup', x: 10, y: 20, button: 2, clickCount: 2, modifiers: 2 },
    { type: 'wheel', x: 5, y: 5, deltaX: 0, deltaY: -120 },
    { type: 'keydown', keyCode: 65, modifiers: 4, key: 'a', code: 'KeyA' },
    { type: 'keyup', keyCode: 65 },
    { type: 'char', keyCode: 97, charCode: 97 },
    { type: 'text', text: 'héllo 👋' },
    { type: 'mouseleave' },
  ];
  // Many of them, plus a text longer than one packet: encodeInput must split within the limits.
  const all = [
    ...Array.from({ length: 20 }, () => events).flat(),
    { type: 'text', text: 'x'.repeat(40_000) } as InputEvent,
  ];
  const packets = encodeInput(all);
  assert.ok(packets.length > 1);
  let accepted = 0;
  for (const p of packets) {
    assert.ok(p.byteLength <= INPUT_LIMITS.maxPacketBytes);
    const r = parseInputPacket(p, viewport);
    assert.equal(r.rejected, undefined);
    assert.deepEqual(r.dropped, {});
    accepted += r.events.length;
  }
  assert.equal(accepted, 20 * events.length + Math.ceil(40_000 / INPUT_LIMITS.maxTextChars));
});

test('docs/room-protocol.md names every track, topic, RPC and error code', () => {
  const doc = readFileSync(new URL('../../docs/room-protocol.md', import.meta.url), 'utf8');
  for (const name of [VIDEO_TRACK, AUDIO_TRACK, ...Object.values(TOPIC), ...Object.values(RPC)]) {
    assert.ok(doc.includes(name), `${name} is documented`);
  }
  for (const code of Object.values(RpcCode)) assert.ok(doc.includes(String(code)), `error code ${code} is documented`);
});
