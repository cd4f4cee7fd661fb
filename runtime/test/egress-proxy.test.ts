// The egress proxy over real sockets (no browser): CONNECT and absolute-URI requests, refusals and their metric,
// header caps, and that it connects to exactly the address it checked (a resolver that "rebinds" is asked once).
import assert from 'node:assert/strict';
import http from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { EgressProxy, type Resolver } from '../src/egress/egress-proxy.ts';
import { RuntimeMetrics } from '../src/metrics.ts';
import { testLogger } from './helpers.ts';

let upstream: http.Server;
let upPort: number;
const seen: string[] = [];

before(async () => {
  upstream = http.createServer((req, res) => {
    seen.push(`${req.headers.host} ${req.url} auth=${req.headers['proxy-authorization'] ?? '-'}`);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('upstream-ok');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upPort = (upstream.address() as AddressInfo).port;
});
after(() => new Promise<void>((r) => upstream.close(() => r())));

async function withProxy(
  opts: { resolve?: Resolver; allowPrivate?: boolean; denyCidrs?: string[]; public?: boolean },
  fn: (port: number, m: RuntimeMetrics) => Promise<void>,
): Promise<void> {
  const metrics = new RuntimeMetrics();
  const proxy = new EgressProxy({
    allowPrivate: opts.allowPrivate ?? false,
    denyCidrs: opts.denyCidrs ?? [],
    logger: testLogger,
    metrics,
    resolve: opts.resolve,
    unsafeTestTargets: opts.public
      ? new Map([['site.test:80', { address: '127.0.0.1', port: upPort, public: true }]])
      : undefined,
  });
  const url = await proxy.listen(0);
  try {
    await fn(Number(new URL(url).port), metrics);
  } finally {
    await proxy.close();
  }
}

/** Sends raw bytes, returns everything the proxy answered until it closed or `until` matched. */
function raw(port: number, text: string, until?: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const s: Socket = connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (b) => {
      out += b.toString('latin1');
      if (until?.test(out)) {
        s.destroy();
        resolve(out);
      }
    });
    s.on('close', () => resolve(out));
    s.on('error', reject);
    s.write(text);
  });
}

test('CONNECT to a public target tunnels; to loopback is refused 403 and counted', async () => {
  await withProxy({ public: true }, async (port, m) => {
    const ok = await raw(
      port,
      'CONNECT site.test:80 HTTP/1.1\r\nhost: site.test:80\r\n\r\nGET /t HTTP/1.1\r\nhost: site.test\r\nconnection: close\r\n\r\n',
      /upstream-ok/,
    );
    assert.match(ok, /^HTTP\/1\.1 200 Connection Established\r\n\r\nHTTP\/1\.1 200 OK/);
    const no = await raw(port, `CONNECT 127.0.0.1:${upPort} HTTP/1.1\r\nhost: x\r\n\r\n`);
    assert.match(no, /^HTTP\/1\.1 403 Forbidden\r\nx-lkb-egress: refused loopback/);
    const no6 = await raw(port, `CONNECT [::ffff:127.0.0.1]:${upPort} HTTP/1.1\r\nhost: x\r\n\r\n`);
    assert.match(no6, /^HTTP\/1\.1 403/);
    assert.equal(await m.value('lkb_egress_refused_total', { reason: 'loopback' }), 2);
    assert.equal(await m.value('lkb_egress_connections_total', { kind: 'connect' }), 1);
  });
});

test('absolute-URI GET: forwarded with the client Host and without proxy headers; loopback refused', async () => {
  await withProxy({ public: true }, async (port, m) => {
    seen.length = 0;
    const ok = await raw(
      port,
      'GET http://site.test/path?q=1 HTTP/1.1\r\nhost: site.test\r\nproxy-authorization: Basic eA==\r\nconnection: close\r\n\r\n',
      /upstream-ok/,
    );
    assert.match(ok, /^HTTP\/1\.1 200/);
    assert.deepEqual(seen, ['site.test /path?q=1 auth=-']);
    const no = await raw(
      port,
      `GET http://localhost:${upPort}/ HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n`,
    );
    assert.match(no, /^HTTP\/1\.1 403 Forbidden/);
    assert.match(no, /cache-control: no-store/);
    assert.equal(seen.length, 1, 'the loopback upstream was not contacted');
    assert.equal(await m.value('lkb_egress_refused_total', { reason: 'loopback' }), 1);
  });
});

test('a name with any private address is refused; DNS failure is 502', async () => {
  const resolve: Resolver = async (h) => {
    if (h === 'mixed.example')
      return [
        { address: '93.184.216.34', family: 4 },
        { address: '10.0.0.5', family: 4 },
      ];
    throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
  };
  await withProxy({ resolve }, async (port, m) => {
    assert.match(
      await raw(port, 'CONNECT mixed.example:443 HTTP/1.1\r\nhost: x\r\n\r\n'),
      /^HTTP\/1\.1 403[^]*refused private/,
    );
    assert.match(await raw(port, 'CONNECT nowhere.example:443 HTTP/1.1\r\nhost: x\r\n\r\n'), /^HTTP\/1\.1 502/);
    assert.equal(await m.value('lkb_egress_refused_total', { reason: 'private' }), 1);
    assert.equal(await m.value('lkb_egress_refused_total', { reason: 'dns' }), 1);
  });
});

test('no DNS rebinding: the name is resolved once and the connection goes to the checked address', async () => {
  // The "attacker's" resolver answers an allowed address first and a cluster address afterwards.
  let calls = 0;
  const resolve: Resolver = async () =>
    calls++ === 0 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.96.0.1', family: 4 }];
  await withProxy({ resolve, allowPrivate: true, denyCidrs: ['10.96.0.0/12'] }, async (port) => {
    const ok = await raw(
      port,
      `CONNECT rebind.example:${upPort} HTTP/1.1\r\nhost: x\r\n\r\nGET / HTTP/1.1\r\nhost: rebind.example\r\nconnection: close\r\n\r\n`,
      /upstream-ok/,
    );
    assert.match(ok, /200 Connection Established[^]*upstream-ok/);
    assert.equal(calls, 1);
    // The next request sees the rebound answer and is refused.
    assert.match(
      await raw(port, `CONNECT rebind.example:${upPort} HTTP/1.1\r\nhost: x\r\n\r\n`),
      /^HTTP\/1\.1 403[^]*refused cluster/,
    );
  });
});

test('oversized request headers are refused (431) and never forwarded', async () => {
  await withProxy({ public: true }, async (port, m) => {
    seen.length = 0;
    const big = `GET http://site.test/ HTTP/1.1\r\nhost: site.test\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`;
    assert.match(await raw(port, big), /^HTTP\/1\.1 431/);
    assert.deepEqual(seen, []);
    assert.equal(await m.value('lkb_egress_refused_total', { reason: 'bad-request' }), 1);
  });
});

test('malformed targets and https absolute URIs are refused', async () => {
  await withProxy({}, async (port) => {
    assert.match(await raw(port, 'CONNECT nonsense HTTP/1.1\r\nhost: x\r\n\r\n'), /^HTTP\/1\.1 400/);
    assert.match(await raw(port, 'GET /relative HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'), /^HTTP\/1\.1 400/);
    assert.match(
      await raw(port, 'GET https://example.com/ HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'),
      /^HTTP\/1\.1 400/,
    );
  });
});

test('test targets are confined to the .test TLD', () => {
  assert.throws(
    () =>
      new EgressProxy({
        allowPrivate: false,
        denyCidrs: [],
        logger: testLogger,
        metrics: new RuntimeMetrics(),
        unsafeTestTargets: new Map([['example.com:80', { address: '127.0.0.1', port: 1, public: true }]]),
      }),
    /\.test/,
  );
});
