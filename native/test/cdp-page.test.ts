// PageDriver against a real headless Chromium: input, navigation, URL events, cursor, evaluate, crash.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { CdpConnection, CdpError, type DialogInfo, PageDriver } from '../src/cdp/index.ts';
import { waitFor, withTimeout } from '@lkbrowser/testkit';

const CHROMIUM = '/usr/lib/chromium/chromium';
const log = pino({ level: process.env.LOG_LEVEL ?? 'warn' });

const PAGES: Record<string, string> = {
  '/button': `<!doctype html><html><body style="margin:0">
    <button id="b" style="position:absolute;left:50px;top:50px;width:200px;height:80px;background:rgb(0,0,255)"
      onclick="this.style.background='rgb(0, 255, 0)'">click</button></body></html>`,
  '/text': `<!doctype html><html><body style="margin:0;font:20px monospace">
    <p id="p" style="position:absolute;left:20px;top:20px;margin:0;width:700px">alpha bravo charlie delta echo foxtrot golf hotel</p>
    </body></html>`,
  '/form': `<!doctype html><html><body style="margin:0">
    <form id="f" action="/submitted" method="get">
      <input id="i" name="q" autofocus style="position:absolute;left:20px;top:20px;width:300px;height:30px">
    </form>
    <script>document.getElementById('i').focus()</script></body></html>`,
  '/events': `<!doctype html><html><body style="margin:0;height:100vh">
    <input id="i" style="position:absolute;left:20px;top:20px;width:300px;height:30px">
    <textarea id="t" style="position:absolute;left:20px;top:80px;width:300px;height:60px"></textarea>
    <script>
      window.ev = [];
      for (const type of ['mousedown', 'mouseup', 'mousemove', 'contextmenu', 'auxclick'])
        document.addEventListener(type, (e) => ev.push({ type, button: e.button, buttons: e.buttons, detail: e.detail,
          shift: e.shiftKey, ctrl: e.ctrlKey, alt: e.altKey, meta: e.metaKey, x: e.clientX, y: e.clientY }));
      document.documentElement.addEventListener('mouseleave', () => ev.push({ type: 'mouseleave' }));
      window.keys = [];
      for (const type of ['keydown', 'keypress', 'keyup'])
        document.addEventListener(type, (e) => keys.push({ type, key: e.key, code: e.code, keyCode: e.keyCode,
          shift: e.shiftKey, ctrl: e.ctrlKey, location: e.location, repeat: e.repeat }));
      document.addEventListener('contextmenu', (e) => e.preventDefault());
      i.focus();
    </script></body></html>`,
  '/submitted': '<!doctype html><title>submitted</title><p>ok</p>',
  '/long': `<!doctype html><html><body style="margin:0"><div style="height:5000px;width:3000px;background:linear-gradient(red,blue)">long</div></body></html>`,
  '/opener': `<!doctype html><html><body style="margin:0;font:30px sans-serif">
    <a href="/b" target="_blank" style="position:absolute;left:10px;top:10px">new tab link</a></body></html>`,
  '/a': '<!doctype html><title>a</title><p>page a</p>',
  '/b': '<!doctype html><title>b</title><p>page b</p>',
  '/c': '<!doctype html><title>c</title><p>page c</p>',
  '/cursor': `<!doctype html><html><body style="margin:0;font:20px sans-serif">
    <a id="l" href="/a" style="position:absolute;left:20px;top:20px">a link here</a>
    <p style="position:absolute;left:20px;top:100px;margin:0">some plain text here</p>
    <div style="position:absolute;left:20px;top:200px;width:100px;height:100px;cursor:move"></div>
    <input style="position:absolute;left:20px;top:350px;width:200px;height:30px">
    <div id="ce" contenteditable style="position:absolute;left:300px;top:200px;width:200px;height:60px"></div>
    <textarea style="position:absolute;left:300px;top:300px;width:200px;height:60px"></textarea>
    <p id="nosel" style="position:absolute;left:550px;top:220px;margin:0;user-select:none">not selectable text</p>
    <p id="wide" style="position:absolute;left:20px;top:410px;width:500px;margin:0">short</p>
    <p id="url" style="position:absolute;left:550px;top:300px;margin:0;cursor:url(data:image/png;base64,AAAA) 4 4, crosshair">custom</p>
    </body></html>`,
};

interface Browser {
  proc: ChildProcess;
  dir: string;
  endpoint: string;
}

async function launchChromium(): Promise<Browser> {
  const dir = mkdtempSync(join(tmpdir(), 'cdp-test-'));
  const proc = spawn(
    CHROMIUM,
    [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--disable-dev-shm-usage',
      '--window-size=800,600',
      '--remote-debugging-port=0',
      '--remote-debugging-address=127.0.0.1',
      `--user-data-dir=${dir}`,
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`chromium exited ${proc.exitCode}: ${stderr}`);
    try {
      const port = readFileSync(join(dir, 'DevToolsActivePort'), 'utf8').split('\n')[0];
      if (port) return { proc, dir, endpoint: `http://127.0.0.1:${port}` };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await sleep(50);
  }
  killBrowser({ proc, dir, endpoint: '' });
  throw new Error(`chromium did not write DevToolsActivePort within 30 s: ${stderr}`);
}

function killBrowser(b: Browser): void {
  if (b.proc.exitCode === null && b.proc.signalCode === null && b.proc.pid !== undefined) {
    try {
      process.kill(-b.proc.pid, 'SIGKILL'); // the whole process group (renderers, zygote)
    } catch (err) {
      log.warn({ err }, 'kill chromium failed');
    }
  }
  rmSync(b.dir, { recursive: true, force: true });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

describe('cdp PageDriver (headless chromium)', { timeout: 120_000 }, () => {
  let browser: Browser;
  let server: Server;
  let origin: string;
  let page: PageDriver;
  const urls: string[] = [];

  before(async () => {
    server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const body = PAGES[path];
      res.writeHead(body ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
      res.end(body ?? 'not found');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    page = await PageDriver.connect(browser.endpoint, { logger: log, timeoutMs: 15_000 });
    page.on('url_changed', (u) => urls.push(u));
  });

  after(async () => {
    if (page) await page.close();
    if (browser) killBrowser(browser);
    if (server) await new Promise<void>((r) => server.close(() => r()));
  });

  async function open(path: string): Promise<void> {
    await page.navigate(origin + path, { waitUntil: 'load' });
  }

  test('click changes the button colour', async () => {
    await open('/button');
    assert.equal(await page.evaluate('getComputedStyle(b).backgroundColor'), 'rgb(0, 0, 255)');
    await page.mouseMove(150, 90);
    await page.mouseDown(150, 90, { button: 'left', clickCount: 1 });
    await page.mouseUp(150, 90, { button: 'left', clickCount: 1 });
    assert.equal(await page.evaluate('getComputedStyle(b).backgroundColor'), 'rgb(0, 255, 0)');
  });

  test('press, move with buttons held, release selects text', async () => {
    await open('/text');
    await page.mouseMove(25, 30);
    await page.mouseDown(25, 30);
    for (const x of [100, 200, 300]) await page.mouseMove(x, 30, { buttons: 1 });
    await page.mouseUp(300, 30);
    const sel = await page.evaluate<string>('window.getSelection().toString()');
    assert.ok(sel.length >= 10, `selection: ${JSON.stringify(sel)}`);
    assert.ok(sel.startsWith('alpha'), sel);
  });

  test('double click selects a word', async () => {
    await open('/text');
    // "bravo" starts at column 6 of a 20px monospace line (~12px per char).
    const r = await page.evaluate<{ x: number; y: number }>(`(() => {
      const t = document.getElementById('p').firstChild; const rg = document.createRange();
      rg.setStart(t, 7); rg.setEnd(t, 8); const b = rg.getBoundingClientRect();
      return { x: b.left + b.width / 2, y: b.top + b.height / 2 }; })()`);
    await page.mouseMove(r.x, r.y);
    await page.mouseDown(r.x, r.y, { clickCount: 1 });
    await page.mouseUp(r.x, r.y, { clickCount: 1 });
    await page.mouseDown(r.x, r.y, { clickCount: 2 });
    await page.mouseUp(r.x, r.y, { clickCount: 2 });
    const sel = await page.evaluate<string>('window.getSelection().toString()');
    assert.equal(sel.trim(), 'bravo');
    // Without clickCount the driver counts: two quick presses are a double click, a third a triple.
    await page.evaluate(
      `window.getSelection().removeAllRanges(); window.dbl = 0; document.addEventListener('dblclick', () => dbl++)`,
    );
    await sleep(600); // end the explicit series above
    await page.mouseDown(r.x, r.y);
    await page.mouseUp(r.x, r.y);
    await page.mouseDown(r.x + 1, r.y);
    await page.mouseUp(r.x + 1, r.y);
    assert.equal(await page.evaluate('dbl'), 1);
    assert.equal((await page.evaluate<string>('window.getSelection().toString()')).trim(), 'bravo');
    await page.mouseDown(r.x, r.y);
    await page.mouseUp(r.x, r.y);
    assert.match(await page.evaluate<string>('window.getSelection().toString()'), /^alpha bravo charlie/);
    // Far apart (or slow) presses start a new series.
    await page.evaluate('window.getSelection().removeAllRanges()');
    await page.mouseDown(r.x + 200, r.y);
    await page.mouseUp(r.x + 200, r.y);
    await page.mouseDown(r.x, r.y);
    await page.mouseUp(r.x, r.y);
    assert.equal(await page.evaluate('dbl'), 1);
  });

  test('typing with key events reaches an input (shift handled), Backspace deletes, Enter submits', async () => {
    await open('/form');
    await page.setFocus(true);
    const type = async (text: string): Promise<void> => {
      for (const ch of text) {
        const { vk, shift } = vkFor(ch);
        const modifiers = shift ? 8 : 0;
        if (shift) await page.key({ type: 'rawKeyDown', windowsVirtualKeyCode: 16, modifiers });
        await page.key({ type: 'keyDown', windowsVirtualKeyCode: vk, modifiers });
        await page.key({ type: 'keyUp', windowsVirtualKeyCode: vk, modifiers });
        if (shift) await page.key({ type: 'keyUp', windowsVirtualKeyCode: 16 });
      }
    };
    await type('Hello, World!');
    assert.equal(await page.evaluate('i.value'), 'Hello, World!');
    await page.key({ type: 'rawKeyDown', windowsVirtualKeyCode: 8 });
    await page.key({ type: 'keyUp', windowsVirtualKeyCode: 8 });
    assert.equal(await page.evaluate('i.value'), 'Hello, World');
    urls.length = 0;
    await page.key({ type: 'keyDown', windowsVirtualKeyCode: 13 });
    await page.key({ type: 'keyUp', windowsVirtualKeyCode: 13 });
    const expected = `${origin}/submitted?q=Hello%2C+World`;
    await waitFor('form submission', async () => urls.includes(expected));
    assert.equal(page.url, expected);
  });

  test('rawKeyDown + char (CEF-style sequence) types text, non-ASCII chars, Enter submits', async () => {
    await open('/form');
    await page.setFocus(true);
    await page.key({ type: 'rawKeyDown', windowsVirtualKeyCode: 72, modifiers: 8 });
    await page.key({ type: 'char', windowsVirtualKeyCode: 72, text: 'H', modifiers: 8 });
    await page.key({ type: 'keyUp', windowsVirtualKeyCode: 72, modifiers: 8 });
    await page.key({ type: 'rawKeyDown', windowsVirtualKeyCode: 73 });
    await page.key({ type: 'char', windowsVirtualKeyCode: 73 });
    await page.key({ type: 'keyUp', windowsVirtualKeyCode: 73 });
    // Seed type_text style: char with the char code as key code (233 = é, no US key), no keydown.
    await page.key({ type: 'char', windowsVirtualKeyCode: 233, text: 'é' });
    await page.key({ type: 'char', windowsVirtualKeyCode: 0x65e5, text: '日' });
    assert.equal(await page.evaluate('i.value'), 'Hié日');
    // Enter as rawKeyDown + char submits too.
    urls.length = 0;
    await page.key({ type: 'rawKeyDown', windowsVirtualKeyCode: 13 });
    await page.key({ type: 'char', windowsVirtualKeyCode: 13 });
    await page.key({ type: 'keyUp', windowsVirtualKeyCode: 13 });
    const expected = `${origin}/submitted?q=Hi%C3%A9%E6%97%A5`;
    await waitFor('form submission', async () => urls.includes(expected));
  });

  test('Ctrl+A then typing replaces the content', async () => {
    await open('/form');
    await page.setFocus(true);
    await page.insertText('old text');
    await page.key({ type: 'rawKeyDown', windowsVirtualKeyCode: 17, modifiers: 2 });
    await page.key({ type: 'keyDown', windowsVirtualKeyCode: 65, modifiers: 2 });
    await page.key({ type: 'keyUp', windowsVirtualKeyCode: 65, modifiers: 2 });
    await page.key({ type: 'keyUp', windowsVirtualKeyCode: 17 });
    assert.equal(
      await page.evaluate('window.getSelection().toString() || i.value.substring(i.selectionStart, i.selectionEnd)'),
      'old text',
    );
    await page.key({ type: 'keyDown', windowsVirtualKeyCode: 78 });
    await page.key({ type: 'keyUp', windowsVirtualKeyCode: 78 });
    await page.key({ type: 'keyDown', windowsVirtualKeyCode: 69 });
    await page.key({ type: 'keyUp', windowsVirtualKeyCode: 69 });
    await page.key({ type: 'keyDown', windowsVirtualKeyCode: 87 });
    await page.key({ type: 'keyUp', windowsVirtualKeyCode: 87 });
    assert.equal(await page.evaluate('i.value'), 'new');
  });

  test('Ctrl+Z undoes exactly one step; Ctrl+C / Ctrl+V paste once', async () => {
    await open('/events');
    await page.setFocus(true);
    const chord = async (vk: number, modifiers: number): Promise<void> => {
      await page.key({ type: 'rawKeyDown', windowsVirtualKeyCode: 17, modifiers: 2 });
      await page.key({ type: 'keyDown', windowsVirtualKeyCode: vk, modifiers });
      await page.key({ type: 'keyUp', windowsVirtualKeyCode: vk, modifiers });
      await page.key({ type: 'keyUp', windowsVirtualKeyCode: 17 });
    };
    await page.insertText('one');
    await page.insertText(' two');
    await page.insertText(' three');
    await chord(90, 2);
    assert.equal(await page.evaluate('i.value'), 'one two');
    await chord(90, 2 | 8); // Ctrl+Shift+Z redoes
    assert.equal(await page.evaluate('i.value'), 'one two three');
    await chord(65, 2);
    await chord(67, 2);
    await page.evaluate('t.focus()');
    await chord(86, 2);
    assert.equal(await page.evaluate('t.value'), 'one two three');
  });

  test('mouse events carry button, buttons, clickCount and modifiers', async () => {
    await open('/events');
    await page.evaluate('ev.length = 0');
    await page.mouseMove(400, 300);
    await page.mouseDown(400, 300, { button: 'left', modifiers: 8 | 2 });
    await page.mouseMove(410, 305, { buttons: 1, modifiers: 8 });
    await page.mouseUp(410, 305, { button: 'left' });
    await page.mouseDown(410, 305, { button: 'right', modifiers: 1 });
    await page.mouseUp(410, 305, { button: 'right' });
    await page.mouseDown(410, 305, { button: 'middle', modifiers: 4 });
    await page.mouseUp(410, 305, { button: 'middle' });
    const ev = await page.evaluate<Record<string, unknown>[]>('ev');
    const pick = (type: string, n = 0): Record<string, unknown> | undefined => ev.filter((e) => e.type === type)[n];
    assert.deepEqual(pick('mousedown', 0), {
      type: 'mousedown',
      button: 0,
      buttons: 1,
      detail: 1,
      shift: true,
      ctrl: true,
      alt: false,
      meta: false,
      x: 400,
      y: 300,
    });
    const drag = ev.find((e) => e.type === 'mousemove' && e.x === 410);
    assert.equal(drag?.buttons, 1, JSON.stringify(ev));
    assert.equal(drag?.shift, true);
    assert.equal(pick('mouseup', 0)?.buttons, 0);
    assert.equal(pick('mousedown', 1)?.button, 2);
    assert.equal(pick('mousedown', 1)?.alt, true);
    assert.equal(pick('contextmenu', 0)?.button, 2);
    assert.equal(pick('mousedown', 2)?.button, 1);
    assert.equal(pick('mousedown', 2)?.buttons, 4);
    assert.equal(pick('mousedown', 2)?.meta, true);
    await page.mouseLeave();
    await waitFor('mouseleave', async () =>
      (await page.evaluate<Record<string, unknown>[]>('ev')).some((e) => e.type === 'mouseleave'),
    );
  });

  test('input bursts keep their order; moves coalesce, wheel deltas add up', async () => {
    await open('/events');
    await page.evaluate('ev.length = 0');
    const all: Promise<void>[] = [];
    for (let i = 0; i < 60; i++) all.push(page.mouseMove(100 + i, 200));
    all.push(page.mouseDown(159, 200));
    for (let i = 0; i < 20; i++) all.push(page.mouseMove(160 + i, 210, { buttons: 1 }));
    all.push(page.mouseUp(179, 210));
    assert.ok(page.queuedInput <= 4, `queued ${page.queuedInput}`);
    await Promise.all(all);
    const ev = await page.evaluate<{ type: string; x: number; y: number; buttons: number }[]>('ev');
    const moves = ev.filter((e) => e.type === 'mousemove');
    assert.ok(moves.length >= 2 && moves.length < 60, `mousemove events: ${moves.length}`);
    const order = ev.filter((e) => e.type !== 'mousemove').map((e) => `${e.type}@${e.x},${e.y}`);
    assert.deepEqual(order, ['mousedown@159,200', 'mouseup@179,210']);
    const down = ev.findIndex((e) => e.type === 'mousedown');
    assert.deepEqual(
      [ev[down - 1]?.x, ev[down - 1]?.y],
      [159, 200],
      'last move before the press is the latest position',
    );
    const lastMove = moves.at(-1);
    assert.deepEqual([lastMove?.x, lastMove?.y, lastMove?.buttons], [179, 210, 1]);

    await open('/long');
    const wheels: Promise<void>[] = [];
    for (let i = 0; i < 10; i++) wheels.push(page.wheel(200, 200, 0, 100));
    await Promise.all(wheels);
    await waitFor('scrolled by the sum of the deltas', async () => (await page.evaluate<number>('scrollY')) === 1000);
  });

  test('key events get DOM key/code/keyCode from the table', async () => {
    await open('/events');
    await page.setFocus(true);
    await page.evaluate('keys.length = 0');
    await page.key({ type: 'rawKeyDown', windowsVirtualKeyCode: 16, modifiers: 8 });
    await page.key({ type: 'keyDown', windowsVirtualKeyCode: 50, modifiers: 8 }); // Shift+2 = '@'
    await page.key({ type: 'keyUp', windowsVirtualKeyCode: 50, modifiers: 8 });
    await page.key({ type: 'keyUp', windowsVirtualKeyCode: 16 });
    await page.key({ type: 'keyDown', windowsVirtualKeyCode: 103 }); // Numpad7
    await page.key({ type: 'keyUp', windowsVirtualKeyCode: 103 });
    await page.key({ type: 'rawKeyDown', windowsVirtualKeyCode: 37, autoRepeat: true });
    await page.key({ type: 'keyUp', windowsVirtualKeyCode: 37 });
    const keys = await page.evaluate<Record<string, unknown>[]>('keys');
    const downs = keys.filter((k) => k.type === 'keydown');
    assert.deepEqual(downs[0], {
      type: 'keydown',
      key: 'Shift',
      code: 'ShiftLeft',
      keyCode: 16,
      shift: true,
      ctrl: false,
      location: 1,
      repeat: false,
    });
    assert.deepEqual(downs[1], {
      type: 'keydown',
      key: '@',
      code: 'Digit2',
      keyCode: 50,
      shift: true,
      ctrl: false,
      location: 0,
      repeat: false,
    });
    assert.deepEqual(downs[2], {
      type: 'keydown',
      key: '7',
      code: 'Numpad7',
      keyCode: 103,
      shift: false,
      ctrl: false,
      location: 3,
      repeat: false,
    });
    assert.deepEqual(downs[3], {
      type: 'keydown',
      key: 'ArrowLeft',
      code: 'ArrowLeft',
      keyCode: 37,
      shift: false,
      ctrl: false,
      location: 0,
      repeat: true,
    });
    assert.equal(keys.filter((k) => k.type === 'keypress').length, 2, 'keypress only for text-producing keys');
    assert.equal(await page.evaluate('i.value'), '@7');
  });

  test('editing keys: arrows, Home/End, Delete, Shift+arrow selection, Tab moves focus', async () => {
    await open('/events');
    await page.setFocus(true);
    const press = async (vk: number, modifiers = 0): Promise<void> => {
      await page.key({ type: 'rawKeyDown', windowsVirtualKeyCode: vk, modifiers });
      await page.key({ type: 'keyUp', windowsVirtualKeyCode: vk, modifiers });
    };
    await page.insertText('abcdef');
    await press(36); // Home
    await press(46); // Delete
    assert.equal(await page.evaluate('i.value'), 'bcdef');
    await press(35); // End
    await press(37); // ArrowLeft
    await press(8); // Backspace
    assert.equal(await page.evaluate('i.value'), 'bcdf');
    await press(36);
    await press(39); // ArrowRight
    await press(39, 8); // Shift+ArrowRight
    await press(39, 8);
    assert.deepEqual(await page.evaluate('[i.selectionStart, i.selectionEnd]'), [1, 3]);
    await page.key({ type: 'keyDown', windowsVirtualKeyCode: 88 }); // typing replaces the selection
    await page.key({ type: 'keyUp', windowsVirtualKeyCode: 88 });
    assert.equal(await page.evaluate('i.value'), 'bxf');
    await press(9); // Tab
    assert.equal(await page.evaluate('document.activeElement.id'), 't');
    await press(9, 8); // Shift+Tab
    assert.equal(await page.evaluate('document.activeElement.id'), 'i');
  });

  test('insertText delivers non-ASCII text', async () => {
    await open('/form');
    await page.setFocus(true);
    await page.insertText('héllo 日本');
    assert.equal(await page.evaluate('i.value'), 'héllo 日本');
  });

  test('wheel with positive deltaY scrolls down, positive deltaX right', async () => {
    await open('/long');
    assert.equal(await page.evaluate('scrollY'), 0);
    await page.mouseMove(200, 200);
    await page.wheel(200, 200, 0, 300);
    const y = await waitFor('scrollY > 0', async () => {
      const v = await page.evaluate<number>('scrollY');
      return v > 0 ? v : undefined;
    });
    assert.ok(y > 0);
    await page.wheel(200, 200, 200, 0);
    await waitFor('scrollX > 0', async () => (await page.evaluate<number>('scrollX')) > 0);
    await page.wheel(200, 200, 0, -10000);
    await waitFor('scrollY back to 0', async () => (await page.evaluate<number>('scrollY')) === 0);
  });

  test('navigate/back/forward emit url_changed; goBack at the start is false', async () => {
    // A fresh target so the history starts empty.
    const { targetId } = await page.connection.send<{ targetId: string }>('Target.createTarget', {
      url: 'about:blank',
    });
    const p2 = await PageDriver.connect(browser.endpoint, { logger: log, targetId });
    try {
      const seen: string[] = [];
      p2.on('url_changed', (u) => seen.push(u));
      assert.equal(await p2.goBack(), false);
      await p2.navigate(`${origin}/a`, { waitUntil: 'load' });
      await p2.navigate(`${origin}/b`, { waitUntil: 'load' });
      await p2.navigate(`${origin}/c`, { waitUntil: 'load' });
      assert.equal(await p2.goBack(), true);
      await waitFor('back to /b', async () => p2.url === `${origin}/b`);
      assert.equal(await p2.goBack(), true);
      await waitFor('back to /a', async () => p2.url === `${origin}/a`);
      assert.equal(await p2.goForward(), true);
      await waitFor('forward to /b', async () => p2.url === `${origin}/b`);
      assert.equal(await p2.goForward(), true);
      await waitFor('forward to /c', async () => p2.url === `${origin}/c`);
      assert.equal(await p2.goForward(), false);
      assert.deepEqual(seen, [
        `${origin}/a`,
        `${origin}/b`,
        `${origin}/c`,
        `${origin}/b`,
        `${origin}/a`,
        `${origin}/b`,
        `${origin}/c`,
      ]);
      // pushState and fragment changes are same-document navigations.
      await p2.evaluate(`history.pushState({}, '', '/pushed?x=1')`);
      await waitFor('pushState url', async () => seen.includes(`${origin}/pushed?x=1`));
      await p2.navigate(`${origin}/pushed?x=1#frag`);
      await waitFor('fragment url', async () => seen.includes(`${origin}/pushed?x=1#frag`));
      assert.equal(p2.url, `${origin}/pushed?x=1#frag`);
      // Reload of the same URL is not a change.
      const n = seen.length;
      await p2.reload();
      await waitFor('reloaded', async () => (await p2.evaluate<string>('document.readyState')) === 'complete');
      assert.equal(seen.length, n);
    } finally {
      await p2.close();
      await page.connection.send('Target.closeTarget', { targetId });
    }
  });

  test('popups open in the same tab by default; popups: allow leaves them', async () => {
    const pagesOpenedBy = async (opener: string): Promise<number> => {
      const { targetInfos } = await page.connection.send<{ targetInfos: { type: string; openerId?: string }[] }>(
        'Target.getTargets',
      );
      return targetInfos.filter((t) => t.type === 'page' && t.openerId === opener).length;
    };
    await open('/opener');
    const popups: string[] = [];
    const onPopup = (p: { url: string; action: string }): void => {
      popups.push(`${p.action} ${p.url}`);
    };
    page.on('popup', onPopup);
    try {
      await page.mouseDown(30, 25);
      await page.mouseUp(30, 25);
      await waitFor('same-tab navigation to /b', async () => page.url === `${origin}/b`);
      await page.evaluate(`window.open('/c'); 1`);
      await waitFor('same-tab navigation to /c', async () => page.url === `${origin}/c`);
      assert.deepEqual(popups, [`same-tab ${origin}/b`, `same-tab ${origin}/c`]);
      await waitFor('popups closed', async () => (await pagesOpenedBy(page.targetId)) === 0);
    } finally {
      page.off('popup', onPopup);
    }

    const { targetId } = await page.connection.send<{ targetId: string }>('Target.createTarget', {
      url: 'about:blank',
    });
    const p2 = await PageDriver.connect(browser.endpoint, { logger: log, targetId, popups: 'allow' });
    try {
      await p2.navigate(`${origin}/opener`, { waitUntil: 'load' });
      const allowed = new Promise<{ url: string; action: string; targetId: string }>((r) => p2.once('popup', r));
      await p2.evaluate(`window.open('/c'); 1`);
      const ev = await withTimeout('popup event', allowed, 10_000);
      assert.deepEqual([ev.url, ev.action], [`${origin}/c`, 'allowed']);
      assert.equal(p2.url, `${origin}/opener`);
      assert.equal(await pagesOpenedBy(targetId), 1);
    } finally {
      await p2.close();
      const { targetInfos } = await page.connection.send<{ targetInfos: { targetId: string; openerId?: string }[] }>(
        'Target.getTargets',
      );
      for (const t of targetInfos)
        if (t.openerId === targetId) await page.connection.send('Target.closeTarget', { targetId: t.targetId });
      await page.connection.send('Target.closeTarget', { targetId });
    }
  });

  test('navigate rejects with the network error', async () => {
    // A loopback port that was just freed: nothing listens there.
    const tmp = createServer();
    await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', r));
    const port = (tmp.address() as AddressInfo).port;
    await new Promise<void>((r) => tmp.close(() => r()));
    const url = `http://127.0.0.1:${port}/`;
    await assert.rejects(
      page.navigate(url),
      (err: Error) => err.message === `navigation to ${url} failed: net::ERR_CONNECTION_REFUSED`,
    );
    // The error page commits; url reports the URL that failed, not chrome-error://.
    await waitFor('url of the failed navigation', async () => page.url === url);
  });

  test('cursorAt: pointer over a link, text over text and inputs, move over cursor:move, default elsewhere', async () => {
    await open('/cursor');
    const center = async (sel: string): Promise<{ x: number; y: number }> =>
      page.evaluate(`(() => { const b = document.querySelector(${JSON.stringify(sel)}).getBoundingClientRect();
        return { x: b.left + b.width / 2, y: b.top + b.height / 2 }; })()`);
    const link = await center('a');
    assert.equal(await page.cursorAt(link.x, link.y), 'pointer');
    const text = await center('p');
    assert.equal(await page.cursorAt(text.x, text.y), 'text');
    const mv = await center('div');
    assert.equal(await page.cursorAt(mv.x, mv.y), 'move');
    const inp = await center('input');
    assert.equal(await page.cursorAt(inp.x, inp.y), 'text');
    assert.equal(await page.cursorAt(700, 420), 'default');
    for (const [sel, want] of [
      ['#ce', 'text'],
      ['textarea', 'text'],
      ['#nosel', 'default'],
      ['#url', 'crosshair'],
    ] as const) {
      const c = await center(sel);
      assert.equal(await page.cursorAt(c.x, c.y), want, sel);
    }
    // Inside a text element's box but beside its glyphs is not text.
    const wide = await center('#wide');
    assert.equal(await page.evaluate(`document.elementFromPoint(450, ${wide.y}).id`), 'wide');
    assert.equal(await page.cursorAt(450, wide.y), 'default');
    assert.equal(await page.cursorAt(30, wide.y), 'text');
  });

  test('evaluate: values, promises, and errors carry the message', async () => {
    assert.deepEqual(await page.evaluate('({ a: 1, b: [2, "x"] })'), { a: 1, b: [2, 'x'] });
    assert.equal(await page.evaluate('Promise.resolve(42)'), 42);
    await assert.rejects(page.evaluate('throw new Error("boom here")'), /boom here/);
    await assert.rejects(page.evaluate('Promise.reject(new TypeError("async bad"))'), /TypeError: async bad/);
    await assert.rejects(page.evaluate('(('), /SyntaxError/);
  });

  test('javascript dialogs are answered (accept by default, dismiss, manual)', async () => {
    await open('/a');
    const seen: DialogInfo[] = [];
    page.on('dialog', (d) => seen.push(d));
    assert.equal(await page.evaluate('alert("hello"), "after alert"'), 'after alert');
    assert.equal(await page.evaluate('confirm("sure?")'), true);
    assert.equal(await page.evaluate('prompt("name?", "bob")'), 'bob');
    assert.deepEqual(
      seen.map((d) => [d.type, d.message, d.handled]),
      [
        ['alert', 'hello', 'accepted'],
        ['confirm', 'sure?', 'accepted'],
        ['prompt', 'name?', 'accepted'],
      ],
    );
    const { targetId } = await page.connection.send<{ targetId: string }>('Target.createTarget', {
      url: `${origin}/a`,
    });
    const dismiss = await PageDriver.connect(browser.endpoint, { logger: log, targetId, dialogs: 'dismiss' });
    const manual = await PageDriver.connect(browser.endpoint, { logger: log, targetId, dialogs: 'manual' });
    try {
      // Two drivers on one target: the first answer wins; here only 'dismiss' answers.
      assert.equal(await dismiss.evaluate('confirm("ok?")'), false);
      await dismiss.close();
      const opened = new Promise<DialogInfo>((r) => manual.once('dialog', r));
      const answer = manual.evaluate('prompt("code?")');
      const d = await withTimeout('dialog event', opened, 10_000);
      assert.deepEqual([d.type, d.message, d.handled], ['prompt', 'code?', 'pending']);
      await manual.handleDialog(true, '1234');
      assert.equal(await answer, '1234');
    } finally {
      await dismiss.close();
      await manual.close();
      await page.connection.send('Target.closeTarget', { targetId });
    }
  });

  test('a command timeout rejects with the method name', async () => {
    await assert.rejects(
      page.send('Runtime.evaluate', { expression: 'new Promise(() => {})', awaitPromise: true }, { timeoutMs: 200 }),
      (err: unknown) => err instanceof CdpError && err.kind === 'timeout' && /Runtime\.evaluate/.test(err.message),
    );
    await assert.rejects(
      page.send('No.suchMethod'),
      (err: unknown) => err instanceof CdpError && err.kind === 'protocol' && /No\.suchMethod/.test(err.message),
    );
    // The connection stays usable.
    assert.equal(await page.evaluate('1 + 1'), 2);
  });

  test('renderer crash emits disconnected; calls afterwards reject', async () => {
    const { targetId } = await page.connection.send<{ targetId: string }>('Target.createTarget', {
      url: 'about:blank',
    });
    const p2 = await PageDriver.connect(browser.endpoint, { logger: log, targetId });
    try {
      // Crash only after the navigation committed in its final renderer process.
      await p2.navigate(`${origin}/a`, { waitUntil: 'load' });
      const disc = new Promise<{ reason: string }>((r) => p2.once('disconnected', r));
      const crashCall = p2.send('Page.crash');
      crashCall.catch(() => undefined); // Page.crash never answers; it rejects when the page goes away
      const { reason } = await withTimeout('disconnected after Page.crash', disc, 15_000);
      assert.match(reason, /crash/);
      assert.equal(p2.disconnected, true);
      await assert.rejects(p2.evaluate('1'), /page disconnected/);
      await assert.rejects(crashCall, CdpError);
      // Attaching to the crashed target reports the crash up front (Inspector.enable replays it).
      await assert.rejects(PageDriver.connect(browser.endpoint, { logger: log, targetId }), /renderer crashed/);
      // The browser itself is fine: other pages keep working.
      assert.equal(await page.evaluate('1 + 2'), 3);
    } finally {
      await p2.close();
      await page.connection.send('Target.closeTarget', { targetId });
    }
  });

  test('socket loss emits disconnected; calls after close reject', async () => {
    const p2 = await PageDriver.connect(browser.endpoint, { logger: log });
    const disc = new Promise<{ reason: string }>((r) => p2.once('disconnected', r));
    p2.connection.close();
    assert.match((await withTimeout('disconnected', disc, 5000)).reason, /connection lost/);
    const p3 = await PageDriver.connect(browser.endpoint, { logger: log });
    let emitted = false;
    p3.on('disconnected', () => {
      emitted = true;
    });
    await p3.close();
    assert.equal(emitted, false, 'close() is not reported as a disconnect');
    await assert.rejects(p3.evaluate('1'), /closed/);
    await assert.rejects(p3.mouseMove(1, 1), /Input\.dispatchMouseEvent/);
  });

  test('Chromium killed: disconnected with the socket reason, pending calls reject', async () => {
    const b2 = await launchChromium();
    try {
      const p2 = await PageDriver.connect(b2.endpoint, { logger: log, timeoutMs: 15_000 });
      const disc = new Promise<{ reason: string }>((r) => p2.once('disconnected', r));
      const pending = p2.evaluate('new Promise(() => {})');
      pending.catch(() => undefined);
      process.kill(-(b2.proc.pid as number), 'SIGKILL');
      assert.match((await withTimeout('disconnected', disc, 10_000)).reason, /connection lost: socket (closed|error)/);
      await assert.rejects(pending, (e: unknown) => e instanceof CdpError && e.method === 'Runtime.evaluate');
      await assert.rejects(p2.navigate('about:blank'), /Page\.navigate: page disconnected/);
      await p2.close();
    } finally {
      killBrowser(b2);
    }
  });

  test('CdpConnection: bad endpoint fails clearly, pending calls reject on close', async () => {
    await assert.rejects(
      PageDriver.connect('http://127.0.0.1:9', { timeoutMs: 2000, logger: log }),
      /CDP discovery at http:\/\/127\.0\.0\.1:9\/json\/version failed/,
    );
    const res = (await (await fetch(`${browser.endpoint}/json/version`)).json()) as { webSocketDebuggerUrl: string };
    const conn = await CdpConnection.connect(res.webSocketDebuggerUrl, { logger: log, maxPending: 2 });
    const v = await conn.send<{ product: string }>('Browser.getVersion');
    assert.match(v.product, /Chrome/);
    // Bounded pending map.
    const a = conn.send('Browser.getVersion');
    const b = conn.send('Browser.getVersion');
    await assert.rejects(
      conn.send('Browser.getVersion'),
      (e: unknown) => e instanceof CdpError && e.kind === 'overload',
    );
    await Promise.all([a, b]);
    const hang = conn.send('Runtime.evaluate', { expression: '1' }, 'no-such-session');
    hang.catch(() => undefined);
    conn.close();
    await assert.rejects(hang, CdpError);
    await assert.rejects(conn.send('Browser.getVersion'), /Browser\.getVersion: connection closed/);
  });
});

const SHIFTED: Record<string, [number, boolean]> = {
  ',': [188, false],
  '!': [49, true],
  ' ': [32, false],
};
function vkFor(ch: string): { vk: number; shift: boolean } {
  const s = SHIFTED[ch];
  if (s) return { vk: s[0], shift: s[1] };
  if (/[a-z]/.test(ch)) return { vk: ch.toUpperCase().charCodeAt(0), shift: false };
  if (/[A-Z]/.test(ch)) return { vk: ch.charCodeAt(0), shift: true };
  throw new Error(`no vk for ${ch}`);
}
