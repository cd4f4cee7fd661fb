// The room protocol's one definition (@lkbrowser/protocol) against the runtime that serves it and the document
// that describes it: what a client encodes, the runtime accepts (a pasted text longer than maxTextChars was dropped
// whole before this test); every name is documented.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  ACTION_DEFAULTS,
  ACTION_LIMITS,
  ACTION_TYPES,
  AUDIO_TRACK,
  encodeInput,
  INPUT_LIMITS,
  type InputEvent,
  RPC,
  RpcCode,
  SCREENSHOT_LIMITS,
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

test('docs/room-protocol.md lists every action type, its limits and its defaults', () => {
  const doc = readFileSync(new URL('../../docs/room-protocol.md', import.meta.url), 'utf8');
  const actions = doc.slice(doc.indexOf('## Actions (ext)'), doc.indexOf('## Screenshots (ext)'));
  for (const t of ACTION_TYPES) assert.ok(actions.includes(`\`${t}\``), `action ${t} is documented`);
  const d = ACTION_DEFAULTS;
  for (const v of [d.scrollAmount, d.holdKeyMs, d.waitMs, d.loadTimeoutMs, d.settleQuietMs, d.settleTimeoutMs]) {
    assert.ok(actions.includes(`(default ${v})`), `default ${v} is documented`);
  }
  assert.ok(actions.includes(`default ${d.frameTimeoutMs}`));
  assert.ok(actions.includes(`default ${d.scrollDirection}`));
  const L = ACTION_LIMITS;
  assert.ok(actions.includes(`at most ${L.maxActions} actions`));
  assert.ok(actions.includes(`${L.maxPayloadBytes / 1024} KiB`));
  assert.ok(actions.includes(`at most ${L.maxBatchWaitMs / 1000} s`));
  assert.ok(actions.includes(`2..${L.maxDragPoints}`));
  assert.ok(actions.includes(`1..${L.maxScrollAmount}`));
  assert.ok(actions.includes(`1..${L.maxTextChars} chars`));
  assert.ok(actions.includes(`${L.scrollStepPx} px`));
  const shots = doc.slice(doc.indexOf('## Screenshots (ext)'));
  assert.ok(shots.includes(`${SCREENSHOT_LIMITS.minScale}..${SCREENSHOT_LIMITS.maxScale}`));
});
