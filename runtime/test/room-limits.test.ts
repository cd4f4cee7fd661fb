import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROOM_LIMITS } from '@lkbrowser/protocol';
import { checkDataPayload, checkRpcReply, reportedUrl } from '../src/room-limits.ts';

const max = ROOM_LIMITS.maxReportedUrlBytes;
const utf8 = (s: string): number => new TextEncoder().encode(s).length;

test('reportedUrl: short URLs pass, long ones are cut to the byte limit and flagged, surrogate pairs stay whole', () => {
  const base = 'https://example.com/?q=';
  const rows: Array<[string, string, { url: string; truncated?: true }]> = [
    ['short', `${base}x`, { url: `${base}x` }],
    ['exactly the limit', base.padEnd(max, 'a'), { url: base.padEnd(max, 'a') }],
    ['one over', base.padEnd(max + 1, 'a'), { url: base.padEnd(max, 'a'), truncated: true }],
    ['megabyte', base.padEnd(1_000_000, 'b'), { url: base.padEnd(max, 'b'), truncated: true }],
    ['pair across the cut', `${base.padEnd(max - 1, 'c')}😀tail`, { url: base.padEnd(max - 1, 'c'), truncated: true }],
  ];
  for (const [name, url, want] of rows) assert.deepEqual(reportedUrl(url), want, name);
  const wide = reportedUrl(`${base}${'€'.repeat(10_000)}`); // 3 bytes each
  assert.equal(wide.truncated, true);
  assert.ok(utf8(wide.url) <= max && utf8(wide.url) > max - 3, `cut at the byte limit: ${utf8(wide.url)}`);
  // A truncated URL always fits a data packet and an RPC reply, even if every character needs 3 UTF-8 bytes.
  const worst = JSON.stringify(reportedUrl('€'.repeat(100_000)));
  assert.ok(checkDataPayload('browser-url', new TextEncoder().encode(worst).length).ok);
  assert.ok(checkRpcReply('browser/status', worst).ok);
});

test('size checks name the topic/method, the size and the limit', () => {
  assert.deepEqual(checkDataPayload('t', ROOM_LIMITS.maxDataPayloadBytes), {
    ok: true,
    bytes: ROOM_LIMITS.maxDataPayloadBytes,
  });
  const over = checkDataPayload('browser-url', 70_000);
  assert.equal(over.ok, false);
  assert.match(
    over.ok ? '' : over.reason,
    /^browser-url packet is 70000 bytes, over LiveKit's 15360-byte data packet limit$/,
  );
  const reply = checkRpcReply('browser/status', 'é'.repeat(8000)); // 16000 UTF-8 bytes
  assert.equal(reply.ok, false);
  assert.match(
    reply.ok ? '' : reply.reason,
    /browser\/status reply is 16000 bytes, over LiveKit's 15360-byte RPC payload limit/,
  );
});
