// PageDriver against headful Chromium under Xvfb (the engine's setup): key input and focus when
// another window holds the X focus, clicks, url events.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { PageDriver } from '../src/cdp/index.ts';
import { waitFor } from '@lkbrowser/testkit';

const log = pino({ level: process.env.LOG_LEVEL ?? 'warn' });

const PAGE = `<!doctype html><html><body style="margin:0">
  <input id="i" style="position:absolute;left:20px;top:20px;width:300px;height:30px">
  <button id="b" style="position:absolute;left:20px;top:100px;width:200px;height:60px;background:rgb(0,0,255)"
    onclick="this.style.background='rgb(0, 255, 0)'">b</button>
  <script>window.ev = []; addEventListener('focus', () => ev.push('focus')); addEventListener('blur', () => ev.push('blur'));
  i.focus();</script></body></html>`;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function killGroup(p: ChildProcess | undefined): void {
  if (p && p.exitCode === null && p.signalCode === null && p.pid !== undefined) {
    try {
      process.kill(-p.pid, 'SIGKILL');
    } catch (err) {
      log.warn({ err }, 'kill failed');
    }
  }
}

describe('cdp PageDriver (headful chromium under Xvfb)', { timeout: 90_000 }, () => {
  let xvfb: ChildProcess | undefined;
  let chromium: ChildProcess | undefined;
  let dir: string | undefined;
  let server: Server | undefined;
  let page: PageDriver | undefined;
  let origin = '';

  before(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(PAGE);
    });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    // Xvfb picks a free display and writes its number to fd 3.
    xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1024x768x24', '-nolisten', 'tcp'], {
      stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
      detached: true,
    });
    const fd3 = xvfb.stdio[3] as Readable;
    const display = await new Promise<string>((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => reject(new Error('Xvfb did not report a display')), 15_000);
      fd3.on('data', (d: Buffer) => {
        buf += d.toString();
        if (buf.includes('\n')) {
          clearTimeout(timer);
          resolve(`:${buf.trim()}`);
        }
      });
      xvfb?.once('exit', (code) => reject(new Error(`Xvfb exited ${code}`)));
    });

    dir = mkdtempSync(join(tmpdir(), 'cdp-headful-'));
    chromium = spawn(
      '/usr/lib/chromium/chromium',
      [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
        '--disable-dev-shm-usage',
        '--window-position=0,0',
        '--window-size=800,600',
        '--remote-debugging-port=0',
        '--remote-debugging-address=127.0.0.1',
        `--user-data-dir=${dir}`,
        'about:blank',
      ],
      { stdio: 'ignore', detached: true, env: { ...process.env, DISPLAY: display } },
    );
    let port = '';
    const deadline = Date.now() + 30_000;
    while (!port && Date.now() < deadline) {
      if (chromium.exitCode !== null) throw new Error(`chromium exited ${chromium.exitCode}`);
      try {
        port = readFileSync(join(dir, 'DevToolsActivePort'), 'utf8').split('\n')[0] ?? '';
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      if (!port) await sleep(50);
    }
    assert.ok(port, 'DevToolsActivePort');
    page = await PageDriver.connect(`http://127.0.0.1:${port}`, { logger: log, timeoutMs: 15_000 });
  });

  after(async () => {
    await page?.close();
    killGroup(chromium);
    killGroup(xvfb);
    if (dir) rmSync(dir, { recursive: true, force: true });
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  test('keys reach the page while another window holds focus; setFocus(true) restores page focus', async () => {
    const p = page as PageDriver;
    const urls: string[] = [];
    p.on('url_changed', (u) => urls.push(u));
    await p.navigate(`${origin}/`, { waitUntil: 'load' });
    assert.deepEqual(urls, [`${origin}/`]);
    // A second window takes the focus.
    const { targetId } = await p.connection.send<{ targetId: string }>('Target.createTarget', {
      url: 'about:blank',
      newWindow: true,
    });
    await p.connection.send('Target.activateTarget', { targetId });
    await waitFor('page lost focus', async () => (await p.evaluate<boolean>('document.hasFocus()')) === false);

    await p.key({ type: 'keyDown', windowsVirtualKeyCode: 72, modifiers: 8 });
    await p.key({ type: 'keyUp', windowsVirtualKeyCode: 72, modifiers: 8 });
    await p.key({ type: 'keyDown', windowsVirtualKeyCode: 73 });
    await p.key({ type: 'keyUp', windowsVirtualKeyCode: 73 });
    assert.equal(await p.evaluate('i.value'), 'Hi');

    await p.setFocus(true);
    await waitFor('page focused', async () => p.evaluate<boolean>('document.hasFocus()'));
    await p.insertText(' 日本');
    assert.equal(await p.evaluate('i.value'), 'Hi 日本');

    await p.mouseMove(120, 130);
    await p.mouseDown(120, 130);
    await p.mouseUp(120, 130);
    assert.equal(await p.evaluate('getComputedStyle(b).backgroundColor'), 'rgb(0, 255, 0)');
    assert.equal(await p.cursorAt(120, 130), 'default');
    assert.equal(await p.cursorAt(100, 35), 'text');
    await p.connection.send('Target.closeTarget', { targetId });
  });
});
