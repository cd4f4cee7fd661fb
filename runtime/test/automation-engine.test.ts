// Automation access through the REAL engine and a REAL Playwright client: playwright-core connectOverCDP through the
// runtime's CDP proxy (AutomationServer) to Chromium under Xvfb, behind the egress proxy. Playwright drives the
// session's page (fill, click, evaluate); what must be refused is refused: no token or a wrong one, other targets
// (a second page opened behind the client's back is neither listed nor attachable), new pages, the browser target,
// Browser.close, navigation the policy refuses (Page.navigate) or the egress proxy refuses (a script's
// location.href), local files, and downloads to disk (with a control: the same download over Chromium's own
// DevTools port, unproxied, does write the file).
// "Public" is emulated as in egress-engine.test.ts: public.test:80 → a 127.0.0.1 server classed public.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createContext, type EngineContext, type EnginePage } from '@lkbrowser/native';
import { waitFor, withTimeout } from '@lkbrowser/testkit';
import { chromium } from 'playwright-core';
import { WebSocket } from 'ws';
import { AutomationServer } from '../src/automation/cdp-proxy.ts';
import { EgressProxy } from '../src/egress/egress-proxy.ts';
import { RuntimeMetrics } from '../src/metrics.ts';
import { testLogger } from './helpers.ts';

const TOKEN = 'test-automation-token-0123456789abcdef';
const auth = { Authorization: `Bearer ${TOKEN}` };

interface Served {
  server: http.Server;
  port: number;
  hits: string[];
}
async function serve(handler: (path: string, res: http.ServerResponse) => void): Promise<Served> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').replace(/^http:\/\/[^/]+/, '');
    hits.push(path);
    handler(path, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, hits };
}
const html = (res: http.ServerResponse, body: string): void =>
  void res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' }).end(`<!doctype html>${body}`);

let pub: Served;
let priv: Served;
let egress: EgressProxy;
let metrics: RuntimeMetrics;
let ctx: EngineContext;
let page: EnginePage;
let server: AutomationServer;
let endpoint: string;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lkb-automation-'));
  await writeFile(join(dir, 'token'), `${TOKEN}\n`);
  priv = await serve((_p, res) => html(res, '<title>PRIVATE</title>secret'));
  pub = await serve((path, res) => {
    switch (path.split('?')[0]) {
      case '/form':
        return html(
          res,
          `<title>form</title><form action="/done"><input id="name" name="name"><button id="go">Go</button></form>
           <a id="dl" href="/file.bin" download="file.bin">download</a>`,
        );
      case '/done':
        return html(res, `<title>done</title><p id="r">${new URL(path, 'http://x').searchParams.get('name')}</p>`);
      case '/file.bin':
        return void res
          .writeHead(200, { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment' })
          .end('payload');
      default:
        res.writeHead(404).end();
    }
  });
  metrics = new RuntimeMetrics();
  egress = new EgressProxy({
    allowPrivate: false,
    denyCidrs: [],
    logger: testLogger,
    metrics,
    unsafeTestTargets: new Map([['public.test:80', { address: '127.0.0.1', port: pub.port, public: true }]]),
  });
  const proxyServer = await egress.listen(0);
  ctx = await createContext({ startTimeoutMs: 60_000, logger: testLogger, proxyServer });
  page = (await ctx.newPage({
    url: 'http://public.test/form',
    width: 800,
    height: 600,
    framerate: 30,
    audio: false,
  })) as EnginePage;
  server = new AutomationServer({
    host: '127.0.0.1',
    port: 0,
    tokenFile: join(dir, 'token'),
    target: () => ({
      targetId: page.cdpTargetId,
      open: () => page.openCdpClient(),
      version: () => page.browserVersion(),
    }),
    nav: { allowPrivate: false, allowedOrigins: [] },
    resolve: async () => [], // public.test is not in DNS (Chromium reaches it through the egress proxy's test map)
    logger: testLogger,
    metrics,
  });
  endpoint = `http://127.0.0.1:${await server.listen()}`;
});

after(async () => {
  await server?.close();
  await ctx?.close();
  await egress?.close();
  for (const s of [pub, priv]) await new Promise<void>((r) => (s ? s.server.close(() => r()) : r()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A raw DevTools client through the proxy: send() resolves with the reply (result or error), events are kept. */
async function rawClient(
  headers: Record<string, string> = auth,
  url = `${endpoint.replace('http', 'ws')}/devtools/browser`,
): Promise<{
  send: (method: string, params?: object, sessionId?: string) => Promise<Record<string, unknown>>;
  events: Array<{ method: string; params: Record<string, unknown> }>;
  close: () => void;
}> {
  const ws = new WebSocket(url, { headers });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const waiting = new Map<number, (m: Record<string, unknown>) => void>();
  const events: Array<{ method: string; params: Record<string, unknown> }> = [];
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString()) as Record<string, unknown>;
    if (typeof m.id === 'number') waiting.get(m.id)?.(m);
    else events.push(m as { method: string; params: Record<string, unknown> });
  });
  let id = 0;
  return {
    send: (method, params = {}, sessionId) =>
      withTimeout(
        method,
        new Promise((resolve) => {
          const n = ++id;
          waiting.set(n, resolve);
          ws.send(JSON.stringify(sessionId ? { id: n, method, params, sessionId } : { id: n, method, params }));
        }),
        20_000,
      ),
    events,
    close: () => ws.close(),
  };
}

const errorOf = (reply: Record<string, unknown>): string => String((reply.error as { message?: string })?.message);

test('no token, a wrong token: refused (HTTP and WebSocket)', { timeout: 60_000 }, async () => {
  assert.equal((await fetch(`${endpoint}/json/version`)).status, 401);
  assert.equal(
    (await fetch(`${endpoint}/json/version`, { headers: { Authorization: 'Bearer wrong-token-0123456789abcdef' } }))
      .status,
    401,
  );
  const v = await fetch(`${endpoint}/json/version`, { headers: auth });
  assert.equal(v.status, 200);
  assert.match(String(((await v.json()) as { webSocketDebuggerUrl: string }).webSocketDebuggerUrl), /^ws:\/\/127/);
  await assert.rejects(rawClient({}), /401/);
  await assert.rejects(rawClient({ Authorization: `Bearer ${TOKEN}x` }), /401/);
  await assert.rejects(chromium.connectOverCDP(endpoint, { timeout: 15_000 }), /401|Unexpected status|unauthorized/i);
});

test('Playwright drives the one page: fill, click, read the result', { timeout: 120_000 }, async () => {
  const browser = await chromium.connectOverCDP(endpoint, { headers: auth, timeout: 30_000 });
  try {
    const contexts = browser.contexts();
    assert.equal(contexts.length, 1);
    const pages = contexts[0]?.pages() ?? [];
    assert.equal(pages.length, 1, `pages: ${pages.map((p) => p.url()).join(', ')}`);
    const p = pages[0];
    assert.ok(p);
    assert.equal(p.url(), 'http://public.test/form');
    await p.fill('#name', 'Ada');
    await p.click('#go');
    await p.waitForURL('http://public.test/done?name=Ada', { timeout: 30_000 });
    assert.equal(await p.textContent('#r'), 'Ada');
    // The runtime's own view of the page followed (it is the same page the room sees).
    await waitFor('runtime sees the new URL', () => page.url === 'http://public.test/done?name=Ada', 10_000, 50);

    await assert.rejects(contexts[0]?.newPage() ?? Promise.reject(new Error('no context')), /not allowed|lkbrowser/);
    await assert.rejects(browser.newBrowserCDPSession(), /not allowed|lkbrowser/);
    await assert.rejects(p.goto(`http://127.0.0.1:${priv.port}/secret`), /navigation refused/);
    assert.deepEqual(priv.hits, []);
  } finally {
    await browser.close(); // for a connected browser: disconnects, the page stays
  }
  assert.equal(page.crashed, false);
  await waitFor('page still answers', async () => (await page.evaluate<number>('1 + 1')) === 2, 10_000, 100);
});

/** A DevTools session on the engine's pipe, unscoped: what the runtime (and only the runtime) can reach. */
async function directClient(): Promise<Awaited<ReturnType<typeof rawClient>>> {
  const ch = await page.openCdpClient();
  const waiting = new Map<number, (m: Record<string, unknown>) => void>();
  const events: Array<{ method: string; params: Record<string, unknown> }> = [];
  ch.on('message', (m) => {
    if (typeof m.id === 'number') waiting.get(m.id)?.(m as Record<string, unknown>);
    else events.push(m as { method: string; params: Record<string, unknown> });
  });
  let id = 0;
  return {
    send: (method, params = {}, sessionId) =>
      withTimeout(
        method,
        new Promise((resolve) => {
          const n = ++id;
          waiting.set(n, resolve);
          ch.send(
            sessionId ? { id: n, method, params: { ...params }, sessionId } : { id: n, method, params: { ...params } },
          );
        }),
        20_000,
      ),
    events,
    close: () => ch.close(),
  };
}

test('other targets are invisible; the browser and the page cannot be closed', { timeout: 120_000 }, async () => {
  const direct = await directClient();
  const other = (await direct.send('Target.createTarget', { url: 'about:blank' })).result as { targetId: string };
  const c = await rawClient();
  try {
    const listed = (await c.send('Target.getTargets')).result as { targetInfos: Array<{ targetId: string }> };
    assert.deepEqual(
      listed.targetInfos.map((t) => t.targetId),
      [page.cdpTargetId],
    );
    assert.match(
      errorOf(await c.send('Target.attachToTarget', { targetId: other.targetId, flatten: true })),
      /not in scope/,
    );
    assert.match(errorOf(await c.send('Target.closeTarget', { targetId: page.cdpTargetId })), /not allowed/);
    assert.match(errorOf(await c.send('Target.createBrowserContext')), /not allowed/);
    assert.match(errorOf(await c.send('Browser.close')), /not allowed/);
    assert.match(errorOf(await c.send('Browser.crash')), /not allowed/);
    assert.match(errorOf(await c.send('Tethering.bind', { port: 9999 })), /not allowed/);
    // Auto-attach at the browser level announces the page only (Chromium attaches to both; the other is released).
    await c.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: true });
    await waitFor('page announced', () => c.events.some((e) => e.method === 'Target.attachedToTarget'), 10_000, 20);
    const attached = c.events.filter((e) => e.method === 'Target.attachedToTarget');
    assert.deepEqual(
      attached.map((e) => (e.params.targetInfo as { targetId: string }).targetId),
      [page.cdpTargetId],
    );
    const sessionId = String(attached[0]?.params.sessionId);
    // The page session: its own domains work; closing it, crashing it, local files do not.
    const r = (await c.send('Runtime.evaluate', { expression: '6 * 7', returnByValue: true }, sessionId)).result as {
      result: { value: number };
    };
    assert.equal(r.result.value, 42);
    assert.match(errorOf(await c.send('Page.close', {}, sessionId)), /cannot be closed/);
    assert.match(errorOf(await c.send('Page.crash', {}, sessionId)), /cannot be crashed/);
    assert.match(
      errorOf(await c.send('DOM.setFileInputFiles', { files: ['/etc/passwd'], nodeId: 1 }, sessionId)),
      /local files/,
    );
    assert.match(
      errorOf(await c.send('Network.loadNetworkResource', { url: 'file:///etc/passwd', options: {} }, sessionId)),
      /file/,
    );
    assert.match(errorOf(await c.send('Runtime.evaluate', { expression: '1' }, 'not-a-session')), /not in scope/);
    const browserInfo = (await c.send('Browser.getVersion')).result as { product: string };
    assert.match(browserInfo.product, /Chrom/);
  } finally {
    c.close();
    await direct.send('Target.closeTarget', { targetId: other.targetId });
    direct.close();
  }
  assert.equal(page.crashed, false);
  assert.ok((await metrics.value('lkb_automation_refused_total', { kind: 'method' })) >= 9);
});

test('navigation outside the policy: Page.navigate refused, a script navigation stopped by the egress proxy', {
  timeout: 120_000,
}, async () => {
  const c = await rawClient();
  try {
    const { sessionId } = (await c.send('Target.attachToTarget', { targetId: page.cdpTargetId, flatten: true }))
      .result as { sessionId: string };
    for (const url of [`http://127.0.0.1:${priv.port}/`, 'file:///etc/passwd', 'chrome://settings', 'javascript:1']) {
      assert.match(errorOf(await c.send('Page.navigate', { url }, sessionId)), /navigation refused/, url);
    }
    const before = await metrics.value('lkb_egress_refused_total');
    await c.send(
      'Runtime.evaluate',
      { expression: `location.href = 'http://127.0.0.1:${priv.port}/secret'` },
      sessionId,
    );
    await waitFor(
      'egress proxy refused it',
      async () => (await metrics.value('lkb_egress_refused_total')) > before,
      30_000,
      50,
    );
    assert.deepEqual(priv.hits, []);
  } finally {
    c.close();
  }
});

test('downloads never reach the disk (control: the same download unproxied does)', { timeout: 120_000 }, async () => {
  const direct = await directClient();
  const allowed = await mkdtemp(join(dir, 'direct-'));
  const proxied = await mkdtemp(join(dir, 'proxied-'));
  const download = async (): Promise<void> => {
    await waitFor(
      'the form page with its download link',
      async () => {
        if (await page.evaluate<boolean>("!!document.getElementById('dl')").catch(() => false)) return true;
        await page.navigate('http://public.test/form').catch(() => undefined);
        return false;
      },
      30_000,
      100,
    );
    await page.evaluate("document.getElementById('dl').click(), 1");
  };
  try {
    await direct.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: allowed, eventsEnabled: true });
    await download();
    await waitFor('control download written', async () => (await readdir(allowed)).includes('file.bin'), 30_000, 50);

    const c = await rawClient();
    try {
      await c.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: proxied, eventsEnabled: true });
      const served = pub.hits.filter((h) => h === '/file.bin').length;
      await download();
      await waitFor('download requested', () => pub.hits.filter((h) => h === '/file.bin').length > served, 30_000, 50);
      await waitFor(
        'download cancelled',
        () => c.events.some((e) => e.method === 'Browser.downloadProgress' && e.params.state === 'canceled'),
        30_000,
        50,
      );
      assert.deepEqual(await readdir(proxied), []);
    } finally {
      c.close();
    }
  } finally {
    await direct.send('Browser.setDownloadBehavior', { behavior: 'default' });
    direct.close();
  }
});
