// A browser participant: livekit-client (bundled with esbuild) in Debian's headless Chromium joins,
// subscribes to an rtc-node publisher's video, decodes it and the pixels are checked via a canvas.
// livekit-client first tries /rtc/v1 (single PC); the 404 from /rtc/v1/validate makes it fall back to v0.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { dispose, type RemoteParticipant, RoomEvent, TrackKind, type TrackPublication } from '@livekit/rtc-node';
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import { startTestServer, type TestServer } from '../src/index.ts';
import {
  colourClose,
  connect,
  nextTrack,
  type Publisher,
  pixel,
  publishSynthetic,
  QUADRANTS,
  quadrantCentres,
  readFrames,
  type Room,
  token,
} from './support.ts';
import { withTimeout } from '@lkbrowser/testkit';

interface BrowserResult {
  ok: boolean;
  width?: number;
  height?: number;
  pixels?: number[][];
  error?: string;
  rpc?: string;
  data?: { text: string; from: string; topic: string } | null;
  rpcIn?: string | null;
  log: string[];
}
type LkRun = (url: string, token: string, points: Array<[number, number]>) => Promise<BrowserResult>;

let server: TestServer;
let page: http.Server;
let browser: Browser | undefined;
let publisher: Room | undefined;
let pub: Publisher | undefined;
const subscribers: Room[] = [];

before(async () => {
  server = await startTestServer();
  const bundle = await build({
    entryPoints: [new URL('./browser/page.mjs', import.meta.url).pathname],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: ['chrome110'],
    logLevel: 'warning',
  });
  const js = bundle.outputFiles[0]?.text ?? '';
  page = http.createServer((req, res) => {
    if (req.url === '/page.js') res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(js);
    else
      res
        .writeHead(200, { 'Content-Type': 'text/html' })
        .end('<!doctype html><body><script src="/page.js"></script></body>');
  });
  await new Promise<void>((r) => page.listen(0, '127.0.0.1', r));
});

after(async () => {
  pub?.stop();
  await publisher?.disconnect();
  for (const r of subscribers) await r.disconnect();
  await browser?.close();
  await new Promise<void>((r) => page?.close(() => r()));
  await server?.close();
  await dispose();
});

test('livekit-client in headless Chromium joins, decodes the video, and does data + RPC both ways', {
  timeout: 120_000,
}, async () => {
  publisher = await connect(server, 'rtc-node-publisher', 'browser');
  pub = await publishSynthetic(publisher, { width: 320, height: 240 });
  // playwright gives the browser a fresh temporary profile (--user-data-dir) and removes it on close
  browser = await chromium.launch({
    executablePath: '/usr/lib/chromium/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  const tab = await browser.newPage();
  const consoleLines: string[] = [];
  tab.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  const addr = page.address();
  assert.ok(addr && typeof addr === 'object');
  await tab.goto(`http://127.0.0.1:${addr.port}/`);
  // the rtc-node side of the data/RPC exchange the page runs after checking the video
  const local = publisher.localParticipant;
  assert.ok(local);
  local.registerRpcMethod('node-echo', async (d) => `node:${d.payload}:${d.callerIdentity}`);
  const fromBrowser: Array<{ text: string; from: string | undefined; topic: string | undefined }> = [];
  let rpcToBrowser: Promise<string> | undefined;
  publisher.on(RoomEvent.DataReceived, (payload: Uint8Array, p?: RemoteParticipant, _k?: unknown, topic?: string) => {
    fromBrowser.push({ text: new TextDecoder().decode(payload), from: p?.identity, topic });
    if (topic !== 'from-browser' || !p) return;
    void local.publishData(new TextEncoder().encode('pong'), {
      reliable: true,
      topic: 'to-browser',
      destination_identities: [p.identity],
    });
    rpcToBrowser = local.performRpc({ destinationIdentity: p.identity, method: 'browser-echo', payload: 'yo' });
  });
  const jwt = await token(server, 'chromium', 'browser');
  const points = quadrantCentres(320, 240);
  const result = await tab.evaluate(([url, t, pts]) => (globalThis as unknown as { lkRun: LkRun }).lkRun(url, t, pts), [
    server.url,
    jwt,
    points,
  ] as [string, string, Array<[number, number]>]);
  if (!result.ok) console.log(consoleLines.slice(-40).join('\n'));
  assert.ok(result.ok, `browser failed: ${result.error}\n${result.log.join('\n')}`);
  console.log(result.log.join('\n'));
  assert.equal(result.width, 320);
  assert.equal(result.height, 240);
  result.pixels?.forEach((px, i) => {
    const want = QUADRANTS[i] ?? [0, 0, 0];
    assert.ok(colourClose(px, want), `quadrant ${i}: got ${px.join(',')} want ${want.join(',')}`);
  });
  // data and RPC between livekit-client and rtc-node, both ways
  assert.equal(result.rpc, 'node:hi:chromium');
  assert.deepEqual(fromBrowser, [{ text: 'ping', from: 'chromium', topic: 'from-browser' }]);
  assert.deepEqual(result.data, { text: 'pong', from: 'rtc-node-publisher', topic: 'to-browser' });
  assert.equal(result.rpcIn, 'yo');
  assert.ok(rpcToBrowser);
  assert.equal(await rpcToBrowser, 'browser:yo:rtc-node-publisher');
});

test('a browser publishes VP8 to rtc-node; mute and unpublish reach the subscriber', { timeout: 120_000 }, async () => {
  assert.ok(browser);
  const subscriber = await connect(server, 'rtc-node-subscriber', 'browser-pub');
  subscribers.push(subscriber);
  const video = nextTrack(subscriber, TrackKind.KIND_VIDEO, 'chromium-pub');
  const tab = await browser.newPage();
  const consoleLines: string[] = [];
  tab.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  const addr = page.address();
  assert.ok(addr && typeof addr === 'object');
  await tab.goto(`http://127.0.0.1:${addr.port}/`);
  const jwt = await token(server, 'chromium-pub', 'browser-pub');
  type LkPublish = (
    url: string,
    token: string,
  ) => Promise<{ ok: boolean; trackSid?: string; error?: string; log: string[] }>;
  const res = await tab.evaluate(([url, t]) => (globalThis as unknown as { lkPublish: LkPublish }).lkPublish(url, t), [
    server.url,
    jwt,
  ] as [string, string]);
  if (!res.ok) console.log(consoleLines.slice(-60).join('\n'));
  assert.ok(res.ok, `browser publish failed: ${res.error}`);
  const track = await withTimeout('rtc-node subscribes to the browser video', video, 30_000);
  const frame = await withTimeout('frames from the browser', readFrames(track, 10), 45_000);
  assert.equal(frame.width, 320);
  assert.equal(frame.height, 240);
  quadrantCentres(320, 240).forEach(([x, y], i) => {
    const px = pixel(frame, x, y);
    const want = QUADRANTS[i] ?? [0, 0, 0];
    assert.ok(colourClose(px, want), `quadrant ${i}: got ${px.join(',')} want ${want.join(',')}`);
  });
  type LkControl = (what: string) => Promise<string>;
  const control = (what: string) =>
    tab.evaluate((w) => (globalThis as unknown as { lkControl: LkControl }).lkControl(w), what);
  const muted = new Promise<string>((resolve) =>
    subscriber.once(RoomEvent.TrackMuted, (p: TrackPublication) => resolve(p.sid ?? '')),
  );
  await control('mute');
  assert.equal(await withTimeout('TrackMuted at rtc-node', muted, 20_000), res.trackSid);
  const unpublished = new Promise<string>((resolve) =>
    subscriber.once(RoomEvent.TrackUnpublished, (p: TrackPublication) => resolve(p.sid ?? '')),
  );
  await control('unpublish');
  assert.equal(await withTimeout('TrackUnpublished at rtc-node', unpublished, 20_000), res.trackSid);
  await control('disconnect');
  await tab.close();
});

test('livekit-client surfaces a refused token as a connection error', { timeout: 60_000 }, async () => {
  assert.ok(browser);
  const tab = await browser.newPage();
  const addr = page.address();
  assert.ok(addr && typeof addr === 'object');
  await tab.goto(`http://127.0.0.1:${addr.port}/`);
  const bad = await token(server, 'chromium-bad', 'browser', { secret: 'wrong-secret' });
  const result = await tab.evaluate(([url, t, pts]) => (globalThis as unknown as { lkRun: LkRun }).lkRun(url, t, pts), [
    server.url,
    bad,
    [],
  ] as [string, string, Array<[number, number]>]);
  assert.equal(result.ok, false);
  assert.match(result.error ?? '', /ConnectionError.*invalid token/);
  await tab.close();
});
