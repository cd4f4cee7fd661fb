import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  encodeInput,
  INPUT_LIMITS,
  type InputEvent,
  normalizeUrlInput,
  parseCursor,
  parseFocus,
  parseReleaseFocusResponse,
  parseRequestFocusResponse,
  parseStatus,
  parseUrl,
  RPC,
  rpcErrorText,
  splitText,
  TOPIC,
} from '../src/index.ts';

const dec = new TextDecoder();

test('names match docs/room-protocol.md', () => {
  assert.equal(RPC.requestFocus, 'browser/request-focus');
  assert.equal(RPC.releaseFocus, 'browser/release-focus');
  assert.equal(RPC.navigate, 'browser/navigate');
  assert.equal(RPC.goBack, 'browser/go-back');
  assert.equal(RPC.goForward, 'browser/go-forward');
  assert.equal(RPC.reload, 'browser/reload');
  assert.equal(RPC.status, 'browser/status');
  assert.deepEqual(TOPIC, {
    input: 'browser-input',
    focus: 'browser-focus',
    url: 'browser-url',
    cursor: 'cursor_changed',
    screenshot: 'browser-screenshot',
    agentStatus: 'browser-agent-status',
  });
});

test('encodeInput: JSON arrays within 64 events and 16 KiB', () => {
  const one = encodeInput([{ type: 'mousemove', x: 1, y: 2, modifiers: 0 }]);
  assert.equal(one.length, 1);
  assert.deepEqual(JSON.parse(dec.decode(one[0])), [{ type: 'mousemove', x: 1, y: 2, modifiers: 0 }]);
  assert.deepEqual(encodeInput([]), []);

  const many: InputEvent[] = Array.from({ length: 150 }, (_, i) => ({
    type: 'keydown',
    keyCode: 65,
    modifiers: 0,
    key: 'a',
    code: `K${i}`,
  }));
  const packets = encodeInput(many);
  assert.equal(packets.length, 3);
  const back = packets.flatMap((p) => JSON.parse(dec.decode(p)) as InputEvent[]);
  assert.deepEqual(back, many, 'order and content kept');
  for (const p of packets) {
    assert.ok((JSON.parse(dec.decode(p)) as unknown[]).length <= 64);
    assert.ok(p.length <= INPUT_LIMITS.maxPacketBytes);
  }

  const big = 'x'.repeat(40_000) + 'é😀'.repeat(3000) + '"\\\n';
  const tp = encodeInput([{ type: 'text', text: big }]);
  assert.ok(tp.length >= 3);
  let joined = '';
  for (const p of tp) {
    assert.ok(p.length <= INPUT_LIMITS.maxPacketBytes, `packet ${p.length} bytes`);
    for (const e of JSON.parse(dec.decode(p)) as InputEvent[]) {
      assert.equal(e.type, 'text');
      if (e.type === 'text') joined += e.text;
    }
  }
  assert.equal(joined, big, 'text reassembles exactly, surrogate pairs not split');
});

test('splitText never splits a surrogate pair', () => {
  const parts = splitText('😀😀😀😀', 9);
  for (const p of parts) if (p.type === 'text') assert.ok(!/[\ud800-\udbff]$/.test(p.text));
  assert.equal(parts.map((p) => (p.type === 'text' ? p.text : '')).join(''), '😀😀😀😀');
});

test('parsers', () => {
  assert.equal(parseFocus('{"identity":"alice"}'), 'alice');
  assert.equal(parseFocus(new TextEncoder().encode('{"identity":null}')), null);
  assert.throws(() => parseFocus('{}'));
  assert.throws(() => parseFocus('{"identity":3}'));
  assert.throws(() => parseFocus('not json'));
  assert.equal(parseUrl('{"url":"https://example.com/"}'), 'https://example.com/');
  assert.throws(() => parseUrl('{"href":"x"}'));
  assert.equal(parseCursor('{"cursor":"pointer"}'), 'pointer');
  assert.equal(parseCursor('{"cursor":"ew-resize"}'), 'ew-resize');
  assert.equal(parseCursor('{"cursor":"url(http://evil/x.png), auto"}'), 'default');
  assert.deepEqual(parseRequestFocusResponse('{"granted":true}'), { granted: true });
  assert.deepEqual(parseRequestFocusResponse('{"granted":false,"holder":"bob"}'), { granted: false, holder: 'bob' });
  assert.equal(parseReleaseFocusResponse('{"released":true}'), true);
  assert.equal(parseReleaseFocusResponse('{"released":false}'), false);
  assert.deepEqual(
    parseStatus('{"url":"u","focusHolder":null,"width":1280,"height":720,"fps":30,"publishing":true,"restarts":2}'),
    {
      url: 'u',
      focusHolder: null,
      width: 1280,
      height: 720,
      fps: 30,
      publishing: true,
      restarts: 2,
    },
  );
  // A seed runtime without `restarts` (or a hostile one with a string there): 0.
  assert.equal(parseStatus('{"url":"u","restarts":"9"}').restarts, 0);
});

test('normalizeUrlInput', () => {
  const cases: Array<[string, string | null]> = [
    ['example.com', 'https://example.com/'],
    ['  example.com/a?b=1 ', 'https://example.com/a?b=1'],
    ['https://example.com', 'https://example.com/'],
    ['http://127.0.0.1:8080/x', 'http://127.0.0.1:8080/x'],
    ['127.0.0.1:8080/x', 'http://127.0.0.1:8080/x'],
    ['localhost:3000', 'http://localhost:3000/'],
    ['about:blank', 'about:blank'],
    ['javascript:alert(1)', null],
    ['file:///etc/passwd', null],
    ['two words', null],
    ['', null],
  ];
  for (const [input, want] of cases) assert.equal(normalizeUrlInput(input), want, input);
});

test('rpcErrorText', () => {
  assert.match(rpcErrorText(2001, 'x'), /take control/);
  assert.match(rpcErrorText(2002, 'private address'), /blocked.*private address/);
  assert.match(rpcErrorText(2003, ''), /bad request/);
  assert.match(rpcErrorText(2004, ''), /too many/);
  assert.match(rpcErrorText(2005, 'crashed'), /browser failed: crashed/);
  assert.equal(rpcErrorText(1500, 'Response timeout'), 'Response timeout');
});
