// The egress proxy through the REAL engine (Chromium under Xvfb): a page on a "public" origin tries every way a
// page can make Chromium connect to a loopback/"private" service — window.location, meta refresh, a 302 redirect,
// window.open, an iframe, fetch, WebSocket, a reload of a refused URL — and the private service never receives one
// request and never appears in a frame, while public content (page, fetch, WebSocket) loads.
// Only loopback is a real target here, so "public" is emulated: the proxy's test-only targets map the name
// public.test:80 to a 127.0.0.1 server classed as public. Every other 127.0.0.1 target is judged by the real
// policy (loopback → refused). Chromium resolves nothing itself: with --proxy-server every name goes to the proxy.
// Control case: without the proxy (today's main), the same redirect page DOES reach the private service.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createContext, type EngineContext, type EnginePage, type PaintEvent } from '@lkbrowser/native';
import { waitFor, withTimeout } from '@lkbrowser/testkit';
import { EgressProxy } from '../src/egress/egress-proxy.ts';
import { RuntimeMetrics } from '../src/metrics.ts';
import { testLogger } from './helpers.ts';

const RED = 'rgb(255, 0, 0)';
const GREEN = 'rgb(0, 200, 0)';

interface Served {
  server: http.Server;
  port: number;
  hits: string[];
}

async function serve(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  upgrade = false,
): Promise<Served> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  if (upgrade) {
    // Minimal RFC 6455 handshake + one text frame "hello": enough for a browser WebSocket to open and get a message.
    server.on('upgrade', (req, sock) => {
      hits.push(`UPGRADE ${req.url}`);
      const accept = createHash('sha1')
        .update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
        .digest('base64');
      sock.write(
        `HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\n\r\n`,
      );
      sock.write(Buffer.from([0x81, 5, ...Buffer.from('hello')]));
      sock.on('error', () => sock.destroy());
    });
  } else {
    server.on('upgrade', (req, sock) => {
      hits.push(`UPGRADE ${req.url}`);
      sock.destroy();
    });
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, hits };
}

const html = (res: http.ServerResponse, body: string, extra: Record<string, string> = {}): void => {
  res
    .writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store', ...extra })
    .end(`<!doctype html><html>${body}</html>`);
};
const bg = (color: string, text: string): string =>
  `<body style="margin:0;background:${color};font:40px sans-serif">${text}</body>`;

let priv: Served;
let pub: Served;
let proxy: EgressProxy;
let metrics: RuntimeMetrics;
let ctx: EngineContext;
let page: EnginePage;
const redFrames: number[] = [];
let frames = 0;

// The private targets a page tries: a loopback IP, the localhost name, and a name that resolves to loopback.
const privUrls = (): string[] => [
  `http://127.0.0.1:${priv.port}/secret`,
  `http://localhost:${priv.port}/secret`,
  'http://private.test/secret',
];

function onPaint(ev: PaintEvent): void {
  frames++;
  // Sample a grid; the private page is solid red, nothing public is.
  for (let y = 10; y < ev.height; y += 60) {
    for (let x = 10; x < ev.width; x += 60) {
      const i = (y * ev.width + x) * 4;
      if ((ev.frame[i + 2] as number) > 230 && (ev.frame[i + 1] as number) < 30 && (ev.frame[i] as number) < 30) {
        redFrames.push(ev.seq);
        return;
      }
    }
  }
}

before(async () => {
  priv = await serve((_req, res) => html(res, bg(RED, 'PRIVATE SECRET')), false);
  pub = await serve((req, res) => {
    const p = (req.url ?? '/').replace(/^http:\/\/[^/]+/, '');
    const target = new URL(req.url ?? '/', 'http://public.test').searchParams.get('to') ?? '';
    switch (p.split('?')[0]) {
      case '/ok':
        return html(res, bg(GREEN, 'public'));
      case '/data':
        return void res
          .writeHead(200, { 'content-type': 'text/plain', 'access-control-allow-origin': '*' })
          .end('public-data');
      case '/location':
        return html(res, `${bg(GREEN, 'leaving')}<script>location.href = ${JSON.stringify(target)};</script>`);
      case '/meta':
        return html(res, `<head><meta http-equiv="refresh" content="0;url=${target}"></head>${bg(GREEN, 'meta')}`);
      case '/redirect':
        return void res.writeHead(302, { location: target, 'cache-control': 'no-store' }).end();
      case '/popup':
        // Chromium blocks popups without a user gesture: the test clicks the page.
        return html(
          res,
          `${bg(GREEN, 'popup')}<script>document.onmousedown = () => window.open(${JSON.stringify(target)}, '_blank');</script>`,
        );
      case '/iframe':
        return html(
          res,
          `${bg(GREEN, 'iframe')}<iframe src="${target}" style="position:fixed;inset:0;width:100%;height:100%;border:0"></iframe>`,
        );
      case '/probe':
        // Subresource, fetch and WebSocket to the private target, then the same to public ones; results in the title.
        return html(
          res,
          `${bg(GREEN, 'probe')}<img src="${target}"><script>
            const out = [];
            const ws = (u) => new Promise((r) => { const s = new WebSocket(u); s.onmessage = (e) => { r('ws:' + e.data); s.close(); }; s.onerror = () => r('ws:error'); });
            (async () => {
              out.push(await fetch(${JSON.stringify(target)}).then((x) => x.text()).then((t) => 'fetch:' + t, () => 'fetch:error'));
              out.push(await ws(${JSON.stringify(target.replace(/^http/, 'ws'))}));
              out.push(await fetch('http://public.test/data').then((x) => x.text()).then((t) => 'fetch:' + t, () => 'fetch:error'));
              out.push(await ws('ws://public.test/ws'));
              document.title = 'done ' + out.join(' ');
            })();
          </script>`,
        );
      default:
        res.writeHead(404).end();
    }
  }, true);
  metrics = new RuntimeMetrics();
  proxy = new EgressProxy({
    allowPrivate: false,
    denyCidrs: [],
    logger: testLogger,
    metrics,
    unsafeTestTargets: new Map([
      ['public.test:80', { address: '127.0.0.1', port: pub.port, public: true }],
      ['private.test:80', { address: '127.0.0.1', port: priv.port, public: false }],
    ]),
  });
  const proxyServer = await proxy.listen(0);
  ctx = await createContext({ startTimeoutMs: 60_000, logger: testLogger, proxyServer });
  page = (await ctx.newPage({
    url: 'http://public.test/ok',
    width: 640,
    height: 480,
    framerate: 30,
    audio: false,
  })) as EnginePage;
  page.on('paint', onPaint);
});

after(async () => {
  await ctx?.close();
  await proxy?.close();
  for (const s of [priv, pub]) await new Promise<void>((r) => (s ? s.server.close(() => r()) : r()));
});

const refused = (): Promise<number> => metrics.value('lkb_egress_refused_total');
// '' while a navigation replaces the document (evaluate then fails with "Inspected target navigated or closed").
const bodyColor = (): Promise<string> =>
  page.evaluate<string>("document.body ? getComputedStyle(document.body).backgroundColor : ''").catch(() => '');
/**
 * Puts the page on the public /ok page and waits until it shows, so each case starts from a settled page. An earlier
 * page's own navigation (a popup re-issued in the same tab, a meta refresh) may still override ours: navigate again.
 */
async function settle(): Promise<void> {
  await waitFor(
    'public page rendered',
    async () => {
      if ((await bodyColor()) === GREEN) return true;
      await page.navigate('http://public.test/ok').catch(() => undefined);
      return (await bodyColor()) === GREEN;
    },
    60_000,
    200,
  );
}

test('public content loads through the proxy', { timeout: 90_000 }, async () => {
  await waitFor('public page rendered', async () => (await bodyColor()) === GREEN, 30_000, 100);
  assert.ok(pub.hits.includes('GET /ok'), `public server hits: ${pub.hits.join(', ')}`);
  assert.ok((await metrics.value('lkb_egress_connections_total')) > 0);
});

for (const kind of ['location', 'meta', 'redirect', 'popup', 'iframe'] as const) {
  test(`page-initiated ${kind} to loopback/private targets is refused`, { timeout: 120_000 }, async () => {
    for (const target of privUrls()) {
      await settle();
      const before = await refused();
      // The page's own navigation can abort the CDP navigate's bookkeeping: the refusal counter is the signal.
      await page.navigate(`http://public.test/${kind}?to=${encodeURIComponent(target)}`).catch(() => undefined);
      if (kind === 'popup') {
        // A popup re-issued in the same tab by the previous round may still override our navigation: retry it.
        const popupUrl = `http://public.test/popup?to=${encodeURIComponent(target)}`;
        await waitFor(
          'popup page loaded',
          async () => {
            const where = await page.evaluate<string>("location.pathname + ' ' + document.readyState").catch(() => '');
            if (where === '/popup complete') return true;
            if (!where.startsWith('/popup')) await page.navigate(popupUrl).catch(() => undefined);
            return false;
          },
          60_000,
          250,
        );
        await page.mouseDown(100, 100, { button: 'left', clickCount: 1 });
        await page.mouseUp(100, 100, { button: 'left', clickCount: 1 });
      }
      await waitFor(`${kind} → ${target} refused by the proxy`, async () => (await refused()) > before, 30_000, 100);
      assert.deepEqual(priv.hits, [], `the private service was reached via ${kind} → ${target}`);
      assert.notEqual(await bodyColor(), RED);
    }
  });
}

test('subresource, fetch and WebSocket to a private target are refused; public fetch/WebSocket work', {
  timeout: 120_000,
}, async () => {
  for (const target of privUrls()) {
    await settle();
    await page.navigate(`http://public.test/probe?to=${encodeURIComponent(target)}`);
    const title = await waitFor(
      'probe results',
      async () => {
        const t = await page.evaluate<string>('document.title');
        return t.startsWith('done') ? t : undefined;
      },
      30_000,
      100,
    );
    assert.equal(title, 'done fetch:error ws:error fetch:public-data ws:hello', target);
    assert.deepEqual(priv.hits, [], `the private service was reached by the probe of ${target}`);
  }
  assert.ok(pub.hits.includes('UPGRADE /ws'), 'public WebSocket went through the proxy');
});

test('reload and history of a refused URL stay refused', { timeout: 90_000 }, async () => {
  const target = `http://127.0.0.1:${priv.port}/secret`;
  await settle();
  let before = await refused();
  await page.navigate(target).catch(() => undefined); // the proxy's refusal page, or a navigation error
  await waitFor('direct navigation refused', async () => (await refused()) > before, 30_000, 100);
  before = await refused();
  await page.reload().catch(() => undefined);
  await waitFor('reload refused', async () => (await refused()) > before, 30_000, 100);
  await page.goBack();
  await waitFor('back on the public page', async () => (await bodyColor()) === GREEN, 30_000, 100);
  before = await refused();
  await page.goForward();
  await waitFor('forward to the refused URL refused again', async () => (await refused()) > before, 30_000, 100);
  assert.deepEqual(priv.hits, []);
});

test('the video never showed the private page', async () => {
  assert.ok(frames > 0, 'frames were captured');
  assert.deepEqual(redFrames, [], 'frames with the private page');
  assert.deepEqual(priv.hits, []);
});

test('control: without the proxy (the engine as it was) the same redirect reaches the private service', {
  timeout: 120_000,
}, async () => {
  const bare = await createContext({ startTimeoutMs: 60_000, logger: testLogger });
  try {
    const target = `http://127.0.0.1:${priv.port}/secret`;
    const p = await bare.newPage({
      url: `http://127.0.0.1:${pub.port}/redirect?to=${encodeURIComponent(target)}`,
      width: 320,
      height: 240,
      framerate: 5,
      audio: false,
    });
    await withTimeout(
      'private page rendered without the proxy',
      waitFor(
        'red body',
        async () => (await p.evaluate<string>('getComputedStyle(document.body).backgroundColor')) === RED,
        30_000,
        100,
      ),
      40_000,
    );
    assert.ok(priv.hits.includes('GET /secret'));
  } finally {
    await bare.close();
    priv.hits.length = 0;
  }
});
