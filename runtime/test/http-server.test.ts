// The status server: Host header check (DNS-rebinding defence) and /status without the URL's query string.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { hostHeaderAllowed, redactUrl, startStatusServer } from '../src/http-server.ts';
import { RuntimeMetrics } from '../src/metrics.ts';
import type { BrowserStatus } from '@lkbrowser/protocol';
import { testLogger } from './helpers.ts';

test('hostHeaderAllowed: IP literals and localhost only', () => {
  for (const h of [
    '127.0.0.1',
    '127.0.0.1:9090',
    '10.244.1.7:9090',
    '[::1]:9090',
    '[fd00::1]',
    'localhost',
    'localhost:9090',
  ]) {
    assert.equal(hostHeaderAllowed(h), true, h);
  }
  for (const h of [
    undefined,
    '',
    'evil.example',
    'evil.example:9090',
    '127.0.0.1.nip.io',
    'localhost.evil',
    '[::1',
    '1.2.3.4:99999999',
    'a'.repeat(100),
  ]) {
    assert.equal(hostHeaderAllowed(h), false, String(h));
  }
});

test('redactUrl drops query and fragment', () => {
  assert.equal(redactUrl('https://app.example/x/y?token=secret#frag'), 'https://app.example/x/y');
  assert.equal(redactUrl('http://a.example:8080/?q=1'), 'http://a.example:8080/');
  assert.equal(redactUrl('about:blank'), 'about:blank');
  assert.equal(redactUrl('data:text/html,secret'), 'data:');
  assert.equal(redactUrl('not a url'), '');
});

function get(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a name in Host is refused (421); /status reports the URL without its query', async () => {
  const status: BrowserStatus = {
    url: 'https://app.example/p?session=abc123',
    focusHolder: null,
    width: 640,
    height: 480,
    fps: 30,
    publishing: true,
    restarts: 0,
  };
  const srv = await startStatusServer({
    host: '127.0.0.1',
    port: 0,
    metrics: new RuntimeMetrics(),
    logger: testLogger,
    source: { status: () => status },
  });
  try {
    const bad = await get(srv.port, '/status', 'rebound.evil.example');
    assert.equal(bad.status, 421);
    assert.ok(!bad.body.includes('abc123'));
    assert.equal((await get(srv.port, '/metrics', 'evil.example')).status, 421);
    const good = await get(srv.port, '/status', `127.0.0.1:${srv.port}`);
    assert.equal(good.status, 200);
    assert.equal(JSON.parse(good.body).url, 'https://app.example/p');
    assert.ok(!good.body.includes('abc123'));
  } finally {
    await srv.close();
  }
});

test("/status carries Chromium's sandbox state once the engine reported it (for the operator)", async () => {
  let sandbox: { enabled: boolean; detail: string } | undefined;
  const srv = await startStatusServer({
    host: '127.0.0.1',
    port: 0,
    metrics: new RuntimeMetrics(),
    logger: testLogger,
    source: { status: () => undefined, sandbox: () => sandbox },
  });
  try {
    const host = `127.0.0.1:${srv.port}`;
    assert.equal(JSON.parse((await get(srv.port, '/status', host)).body).sandbox, undefined, 'not yet known');
    sandbox = { enabled: false, detail: 'off: unshare(CLONE_NEWUSER): Operation not permitted' };
    const body = JSON.parse((await get(srv.port, '/status', host)).body);
    assert.deepEqual(body.sandbox, sandbox);
    assert.equal(body.publishing, false);
  } finally {
    await srv.close();
  }
});
