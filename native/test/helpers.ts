// Shared test helpers: fixture pages on 127.0.0.1:0 and scans for processes/shm/temp dirs of one host.
import { readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { processes, withTimeout } from '@lkbrowser/testkit';
import type { CdpChannel, CdpMessage } from '../src/cdp/channel.ts';
import { type BrowserPage, ENGINE_KINDS, type EngineKind, type PaintEvent, resolveEngine } from '../src/index.ts';

export const PAGES: Record<string, string> = {
  solid: '<!doctype html><html><body style="margin:0;background:#1e90ff"></body></html>',
  anim: `<!doctype html><html><body style="margin:0;background:#fff">
<div id=b style="position:absolute;left:100px;top:100px;width:120px;height:120px;background:#c00;animation:m 1s linear infinite alternate"></div>
<style>@keyframes m{to{transform:translateX(600px) rotate(180deg)}}</style></body></html>`,
  button: `<!doctype html><html><body style="margin:0;background:#fff">
<button id=b style="position:absolute;left:100px;top:100px;width:200px;height:100px;border:0;background:rgb(0,0,255)"
 onclick="this.style.background='rgb(0,255,0)'">go</button></body></html>`,
  input: `<!doctype html><html><body style="margin:0"><input id=i style="position:absolute;left:50px;top:50px;width:300px;height:40px;font-size:20px"></body></html>`,
  cursor: `<!doctype html><html><body style="margin:0;font:40px sans-serif">
<a id=l href="/solid" style="position:absolute;left:50px;top:50px">a link here</a>
<p id=t style="position:absolute;left:50px;top:300px;margin:0">Some plain text to select</p>
<div id=g style="position:absolute;left:600px;top:400px;width:100px;height:100px;cursor:grab;background:#eee"></div></body></html>`,
  audio: `<!doctype html><html><body><script>
const ctx = new AudioContext({ sampleRate: 48000 });
const o = ctx.createOscillator(); o.frequency.value = 440; const g = ctx.createGain(); g.gain.value = 0.5;
o.connect(g).connect(ctx.destination); o.start(); window.audioState = () => ctx.state;
</script></body></html>`,
  events: `<!doctype html><html><body style="margin:0;height:4000px">
<input id=i style="position:absolute;left:50px;top:50px;width:300px;height:40px;font-size:20px"><script>
window.log = [];
for (const t of ['mousedown', 'mouseup', 'click', 'dblclick', 'keydown', 'keyup'])
  addEventListener(t, (e) => log.push(e.key !== undefined ? \`\${t}:\${e.key}:\${e.code}\` : \`\${t}:\${e.button}:\${e.detail}\`), true);
</script></body></html>`,
  a: '<!doctype html><html><body style="background:#fee">A</body></html>',
  b: '<!doctype html><html><body style="background:#efe">B</body></html>',
};

/** The fixture pages on `host`:0 (another 127.x address is another site: a navigation there changes renderers). */
export async function startServer(host = '127.0.0.1'): Promise<{ base: string; close: () => Promise<void> }> {
  const srv = http.createServer((req, res) => {
    const name = (req.url ?? '/').slice(1).split(/[?#]/)[0] ?? '';
    const body = PAGES[name];
    if (body === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(body);
  });
  await new Promise<void>((r) => srv.listen(0, host, r));
  const port = (srv.address() as AddressInfo).port;
  return {
    base: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

/** Live processes that belong to the host with this pid: its session, or anything naming its temp dir. */
export function leftovers(hostPid: number): string[] {
  const tag = `lkb-host-${hostPid}-`;
  const found = processes()
    .filter((p) => p.state !== 'Z') // zombies hold no resources and are being reaped
    .filter((p) => p.pid === hostPid || p.sid === hostPid || p.cmd.includes(tag))
    .map((p) => `${p.pid} ${p.cmd.slice(0, 100)}`);
  for (const f of readdirSync('/dev/shm')) if (f.startsWith(`lkb-${hostPid}-`)) found.push(`/dev/shm/${f}`);
  for (const f of readdirSync('/tmp')) if (f.startsWith(tag)) found.push(`/tmp/${f}`);
  return found;
}

/** BGRA pixel of a frame as [b, g, r]. */
export function pixel(ev: { frame: Uint8Array; width: number }, x: number, y: number): [number, number, number] {
  const i = (y * ev.width + x) * 4;
  return [ev.frame[i] ?? -1, ev.frame[i + 1] ?? -1, ev.frame[i + 2] ?? -1];
}

/** Resolves with the first paint satisfying `pred` (evaluated synchronously on the live slot). */
export function waitPaint(
  page: BrowserPage,
  pred: (ev: PaintEvent) => boolean,
  timeoutMs: number,
  what: string,
): Promise<PaintEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      page.off('paint', on);
      reject(new Error(`no paint with ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (ev: PaintEvent): void => {
      if (!pred(ev)) return;
      clearTimeout(timer);
      page.off('paint', on);
      resolve({ ...ev, frame: Uint8Array.from(ev.frame) });
    };
    page.on('paint', on);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * The engines the engine suites run against: both (Chromium under Xvfb, CEF off-screen), or only the one
 * named by $LKB_ENGINE.
 */
export function testEngines(): EngineKind[] {
  const only = process.env.LKB_ENGINE;
  return only ? [resolveEngine(only, undefined)] : [...ENGINE_KINDS];
}

/** A tiny CDP client over a channel: send() resolves with the reply (20 s bound); events are kept. */
export function cdpClient(ch: CdpChannel): {
  send: (method: string, params?: Record<string, unknown>, sessionId?: string) => Promise<CdpMessage>;
  events: CdpMessage[];
} {
  let id = 0;
  const waiting = new Map<number, (m: CdpMessage) => void>();
  const events: CdpMessage[] = [];
  ch.on('message', (m) => {
    if (typeof m.id === 'number') waiting.get(m.id)?.(m);
    else events.push(m);
  });
  return {
    events,
    send: (method, params = {}, sessionId) =>
      withTimeout(
        method,
        new Promise((resolve) => {
          const n = ++id;
          waiting.set(n, resolve);
          ch.send(sessionId === undefined ? { id: n, method, params } : { id: n, method, params, sessionId });
        }),
        20_000,
      ),
  };
}
