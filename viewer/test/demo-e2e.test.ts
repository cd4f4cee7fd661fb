// End to end: the demo stack (the run's room server, see LKB_TEST_SFU + the real runtime with Chromium + the viewer server) and the viewer page in
// a second, headless Chromium. The remote demo page reports what it received to its own server (/state), and the
// video the viewer shows is sampled through a canvas. Saves docs/demo.png.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { sfuKind } from '@lkbrowser/testkit';
import { type Demo, startDemo } from '../../scripts/demo.ts';
import {
  close,
  type LaunchedBrowser,
  launchBrowser,
  openViewer,
  type Rgb,
  releaseLeakedUdp,
  screenPoint,
  videoPixels,
} from './support.ts';
import { waitFor } from '@lkbrowser/testkit';

const W = 1280;
const H = 720;
const PAGE = { width: W, height: H };

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}
interface PageState {
  page: string;
  clicks: number;
  panel: string;
  text: string;
  submitted: string;
  lastKey: string;
  beeps: number;
  scrollY: number;
  rects: Record<string, Rect>;
}

let demo: Demo;
let b: LaunchedBrowser;
let alice: Page;
let bob: Page;

async function state(): Promise<PageState> {
  const r = await fetch(new URL('/state', demo.pageServerUrl ?? ''));
  return (await r.json()) as PageState;
}

async function waitState(pred: (s: PageState) => boolean, what: string, ms = 20_000): Promise<PageState> {
  let last: PageState | undefined;
  try {
    return await waitFor(
      what,
      async () => {
        last = await state();
        return pred(last) ? last : undefined;
      },
      ms,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last state ${JSON.stringify(last)}`);
  }
}

async function clickRemote(page: Page, r: Rect): Promise<void> {
  const p = await screenPoint(page, r.x + r.w / 2, r.y + r.h / 2, PAGE);
  await page.mouse.click(p.x, p.y);
}

before(async () => {
  demo = await startDemo({ port: 0, width: W, height: H, fps: 15, room: 'demo-e2e', localServer: sfuKind() });
  b = await launchBrowser({ width: 1320, height: 860 });
});

after(async () => {
  await b?.close();
  await demo?.close();
  if (demo) rmSync(demo.logFile, { force: true });
  releaseLeakedUdp();
});

test('the viewer shows the remote page (pixels through the video)', { timeout: 180_000 }, async () => {
  alice = await openViewer(b.context, demo.viewerUrl, 'alice');
  const swatches: Array<[number, number]> = [
    [40, 20],
    [120, 20],
    [200, 20],
    [280, 20],
  ];
  const want: Rgb[] = [
    [255, 0, 0],
    [0, 255, 0],
    [0, 0, 255],
    [255, 255, 255],
  ];
  const got = await waitFor(
    'swatch colours in the video',
    async () => {
      const v = await videoPixels(alice, swatches);
      return v.width === W && v.px.every((p, i) => close(p, want[i] ?? [0, 0, 0])) ? v : undefined;
    },
    30_000,
  );
  assert.equal(got.height, H);
  await waitFor('URL bar shows the page', async () => (await alice.inputValue('.lkb-url')) === demo.pageUrl, 15_000);
  assert.equal(await alice.textContent('.lkb-focus-label'), 'nobody has control');
});

test('take control and click a button in the remote page', { timeout: 120_000 }, async (t) => {
  await alice.click('.lkb-focus');
  await waitFor('focus', async () => (await alice.textContent('.lkb-focus-label')) === 'you have control', 15_000);
  const s0 = await waitState((s) => s.rects?.btn !== undefined, 'page reported its layout');
  const btn = s0.rects.btn as Rect;
  const panel = s0.rects.panel as Rect;
  const t0 = performance.now();
  await clickRemote(alice, btn);
  // the change is visible in the video: the panel turned orange (polled via canvas; an upper bound of click→photon)
  await waitFor(
    'orange panel in the video',
    async () => {
      const v = await videoPixels(alice, [[Math.round(panel.x + 10), Math.round(panel.y + 10)]]);
      return close(v.px[0] ?? [0, 0, 0], [255, 136, 0], 50);
    },
    15_000,
  ).catch(async (err: Error) => {
    // tells a lost click (clicks 0) from a slow video (clicks 1, panel on)
    throw new Error(`${err.message}; page state ${JSON.stringify(await state())}`);
  });
  const ms = Math.round(performance.now() - t0);
  await waitState((s) => s.clicks === 1 && s.panel === 'on', 'button clicked once');
  t.diagnostic(`click in the viewer → changed pixels in the viewer's video: ${ms} ms (upper bound, 100 ms polling)`);
});

test('audio: the remote tone reaches the viewer after "Enable audio"', { timeout: 120_000 }, async () => {
  // the button is shown until audio playback is allowed; with the test browser's autoplay flag it may be hidden
  if (await alice.isVisible('.lkb-audio-btn')) await alice.click('.lkb-audio-btn');
  const s0 = await state();
  await clickRemote(alice, s0.rects.beep as Rect);
  await waitState((s) => s.beeps >= 1, 'tone started in the remote page');
  await waitFor(
    'browser-audio subscribed',
    () => alice.evaluate(() => document.querySelector('audio.lkb-audio') !== null),
    30_000,
  );
  // the track is published on the first sound; play the tone again now that it is subscribed
  await clickRemote(alice, s0.rects.beep as Rect);
  const peak = await alice.evaluate(async () => {
    const el = document.querySelector('audio.lkb-audio') as HTMLAudioElement;
    const ctx = new AudioContext();
    const src = ctx.createMediaStreamSource(el.srcObject as MediaStream);
    const an = ctx.createAnalyser();
    an.fftSize = 2048;
    src.connect(an);
    const buf = new Float32Array(an.fftSize);
    let max = 0;
    const end = performance.now() + 3000;
    while (performance.now() < end) {
      an.getFloatTimeDomainData(buf);
      for (const v of buf) max = Math.max(max, Math.abs(v));
      await new Promise((r) => setTimeout(r, 50));
    }
    await ctx.close();
    return max;
  });
  assert.ok(peak > 0.02, `audio peak ${peak}`);
});

test('typing reaches a remote <input>; Enter submits', { timeout: 120_000 }, async () => {
  const s0 = await state();
  await clickRemote(alice, s0.rects.text as Rect);
  await new Promise((r) => setTimeout(r, 300));
  await alice.keyboard.type('Hello lkbrowser');
  await alice.keyboard.press('Enter');
  await waitState((s) => s.text === 'Hello lkbrowser' && s.submitted === 'Hello lkbrowser', 'typed text and submit');
  // non-ASCII text without key events (IME commit / emoji picker / paste path): {"type":"text"}
  await alice.keyboard.insertText(' — grüße ✓');
  await waitState((s) => s.text === 'Hello lkbrowser — grüße ✓', 'inserted text');
  await alice.keyboard.press('Enter');
  await waitState((s) => s.submitted === 'Hello lkbrowser — grüße ✓', 'submitted again');
});

test('wheel scrolls the remote page in the DOM direction', { timeout: 60_000 }, async () => {
  const s0 = await state();
  const p = await screenPoint(alice, 640, 500, PAGE);
  await alice.mouse.move(p.x, p.y);
  await alice.mouse.wheel(0, 300);
  const s1 = await waitState((s) => s.scrollY > s0.scrollY, 'scrolled down');
  await alice.mouse.wheel(0, -1000);
  await waitState((s) => s.scrollY < s1.scrollY, 'scrolled back up');
});

test('a second viewer sees the focus holder and cannot type', { timeout: 180_000 }, async () => {
  bob = await openViewer(b.context, demo.viewerUrl, 'bob');
  await waitFor(
    'bob sees alice',
    async () => (await bob.textContent('.lkb-focus-label')) === 'alice has control',
    15_000,
  );
  const s0 = await state();
  await clickRemote(bob, s0.rects.btn as Rect);
  await bob.keyboard.type('bob was here');
  await new Promise((r) => setTimeout(r, 2000));
  const s = await state();
  assert.equal(s.clicks, s0.clicks);
  assert.equal(s.text, s0.text);
  await bob.click('.lkb-focus');
  await waitFor(
    'refusal shown',
    async () => /alice has control — ask them to release it/.test((await bob.textContent('.lkb-message')) ?? ''),
    15_000,
  );
  assert.equal(await bob.textContent('.lkb-focus-label'), 'alice has control');
  await bob.close();
});

test('screenshot of the demo (docs/demo.png with LKB_UPDATE_DEMO_PNG=1)', { timeout: 60_000 }, async () => {
  const s = await state();
  const r = s.rects.btn as Rect;
  const p = await screenPoint(alice, r.x + r.w / 2, r.y + r.h / 2, PAGE);
  await alice.mouse.move(p.x, p.y);
  await new Promise((res) => setTimeout(res, 1000));
  // committed README image only on request, so test runs leave the tree clean
  const out = process.env.LKB_UPDATE_DEMO_PNG === '1' ? '../../docs/demo.png' : '../../.lkb-tmp/demo.png';
  const png = await alice.screenshot({ path: new URL(out, import.meta.url).pathname });
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
  assert.equal(png.readUInt32BE(16), 1320, 'width');
  assert.equal(png.readUInt32BE(20), 860, 'height');
});

test('URL bar navigates; back returns', { timeout: 120_000 }, async () => {
  const target = new URL('page2.html', demo.pageUrl).toString();
  await alice.fill('.lkb-url', target);
  await alice.press('.lkb-url', 'Enter');
  await waitState((s) => s.page === '/page2.html', 'remote page is page two');
  await waitFor('URL bar follows browser-url', async () => (await alice.inputValue('.lkb-url')) === target, 15_000);
  await waitFor(
    'page two background in the video',
    async () => {
      const v = await videoPixels(alice, [[640, 600]]);
      return close(v.px[0] ?? [0, 0, 0], [11, 110, 79], 40);
    },
    15_000,
  );
  await alice.click('.lkb-back');
  await waitState((s) => s.page === '/', 'back on the demo page');
  await waitFor('URL bar back', async () => (await alice.inputValue('.lkb-url')) === demo.pageUrl, 15_000);
});

test('resize: the page and the stream change size, clicks still land', { timeout: 120_000 }, async () => {
  const size = await alice.evaluate(() => window.lkbViewer?.resize(960, 540));
  assert.deepEqual(size, { width: 960, height: 540 });
  await waitFor(
    'video is 960 wide',
    () => alice.evaluate(() => document.querySelector('video')?.videoWidth === 960),
    20_000,
  );
  const s0 = await waitState((s) => s.page === '/' && (s.rects.btn?.x ?? 0) > 0, 'layout after resize');
  const n = s0.clicks;
  const r = s0.rects.btn as Rect;
  const p = await screenPoint(alice, r.x + r.w / 2, r.y + r.h / 2, { width: 960, height: 540 });
  await alice.mouse.click(p.x, p.y);
  await waitState((s) => s.clicks === n + 1, 'click after resize');
});
