// The operator's GET /status against hostile runtimes (a pod a page may have compromised): oversized bodies, with
// or without Content-Length, are refused without being read whole; oversized strings are dropped.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fetchRuntimeStatus, MAX_STATUS_BYTES } from '../../src/browsersession/runtime-status.ts';

let server: Server;
let port = 0;
let sentBytes = 0;
let answer: (res: import('node:http').ServerResponse) => void = (res) => res.end('{}');

before(async () => {
  server = createServer((_req, res) => answer(res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

/** Streams `total` bytes of a JSON string in 64 KiB chunks, counting what the client accepted. */
function stream(total: number, declare: boolean) {
  return (res: import('node:http').ServerResponse) => {
    sentBytes = 0;
    res.writeHead(200, declare ? { 'Content-Length': String(total) } : {});
    const chunk = Buffer.alloc(64 * 1024, 'a');
    res.write('{"url":"');
    const pump = () => {
      while (sentBytes < total) {
        sentBytes += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end('"}');
    };
    pump();
  };
}

describe('fetchRuntimeStatus', () => {
  it('reads a normal status', async () => {
    answer = (res) => res.end(JSON.stringify({ url: 'https://a.example/', focusHolder: 'alice', fps: 30 }));
    assert.deepEqual(await fetchRuntimeStatus('127.0.0.1', port, 5000), {
      url: 'https://a.example/',
      focusHolder: 'alice',
      fps: 30,
    });
  });
  it('refuses a 400 MiB body announced by Content-Length without reading it', async () => {
    answer = stream(400 * 1024 * 1024, true);
    await assert.rejects(fetchRuntimeStatus('127.0.0.1', port, 5000), /larger than 65536 bytes/);
  });
  it('refuses a chunked body once it passes the cap (a few chunks read, not 400 MiB)', async () => {
    answer = stream(400 * 1024 * 1024, false);
    await assert.rejects(fetchRuntimeStatus('127.0.0.1', port, 10_000), /larger than 65536 bytes/);
    assert.ok(sentBytes < 64 * MAX_STATUS_BYTES, `the server could push only ${sentBytes} bytes before the cut`);
  });
  it('drops oversized strings and non-finite numbers', async () => {
    answer = (res) =>
      res.end(JSON.stringify({ url: `https://a.example/${'x'.repeat(9000)}`, focusHolder: 'h'.repeat(129), fps: 30 }));
    assert.deepEqual(await fetchRuntimeStatus('127.0.0.1', port, 5000), { fps: 30 });
  });
  it("copies Chromium's sandbox state only when well-formed and bounded", async () => {
    const sandbox = { enabled: false, detail: 'off: unshare(CLONE_NEWUSER): Operation not permitted' };
    answer = (res) => res.end(JSON.stringify({ fps: 30, sandbox }));
    assert.deepEqual(await fetchRuntimeStatus('127.0.0.1', port, 5000), { fps: 30, sandbox });
    for (const bad of [
      { enabled: 'yes', detail: 'x' },
      { enabled: true },
      { enabled: true, detail: 'd'.repeat(513) },
    ]) {
      answer = (res) => res.end(JSON.stringify({ fps: 30, sandbox: bad }));
      assert.deepEqual(await fetchRuntimeStatus('127.0.0.1', port, 5000), { fps: 30 }, JSON.stringify(bad));
    }
  });
});
