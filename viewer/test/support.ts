// Helpers for the viewer's real-browser tests: headless Chromium via playwright-core, video pixel sampling.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/lib/chromium/chromium';

export interface LaunchedBrowser {
  browser: Browser;
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(viewport = { width: 1100, height: 760 }): Promise<LaunchedBrowser> {
  const dir = mkdtempSync(join(tmpdir(), 'lkb-viewer-test-'));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--autoplay-policy=no-user-gesture-required',
      `--disk-cache-dir=${dir}`,
    ],
  });
  const context = await browser.newContext({ viewport });
  return {
    browser,
    context,
    close: async () => {
      await context.close().catch((err: unknown) => console.error('context close', err));
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Open the viewer page as `identity` (more query parameters in `query`) and wait until it is connected. */
export async function openViewerPage(
  ctx: BrowserContext,
  viewerUrl: string,
  identity: string,
  query: Record<string, string> = {},
): Promise<Page> {
  const page = await ctx.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || process.env.LKB_TEST_DEBUG)
      console.error(`[${identity} console ${m.type()} ${new Date().toISOString()}] ${m.text()}`);
  });
  page.on('pageerror', (e) => console.error(`[${identity} pageerror] ${e.message}`));
  await page.goto(`${viewerUrl}?${new URLSearchParams({ identity, ...query })}`);
  await page.waitForFunction(() => window.lkbReady !== undefined);
  await page.evaluate(() => window.lkbReady?.then(() => undefined));
  return page;
}

/** Wait until the viewer page shows video frames. */
export async function waitForVideo(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const v = document.querySelector('video');
      return v !== null && v.videoWidth > 0 && v.readyState >= 2;
    },
    undefined,
    { timeout: 60_000 },
  );
}

/** Open the viewer page as `identity` and wait until it is connected and showing video frames. */
export async function openViewer(ctx: BrowserContext, viewerUrl: string, identity: string): Promise<Page> {
  const page = await openViewerPage(ctx, viewerUrl, identity);
  await waitForVideo(page);
  return page;
}

export type Rgb = [number, number, number];

/** Read pixels of the <video> (in video pixel coordinates) through a canvas. */
export async function videoPixels(
  page: Page,
  points: Array<[number, number]>,
): Promise<{ width: number; height: number; px: Rgb[] }> {
  return await page.evaluate((pts) => {
    const v = document.querySelector('video');
    if (!v) throw new Error('no video');
    const c = document.createElement('canvas');
    c.width = v.videoWidth;
    c.height = v.videoHeight;
    const g = c.getContext('2d', { willReadFrequently: true });
    if (!g) throw new Error('no 2d context');
    g.drawImage(v, 0, 0);
    const px = pts.map(([x, y]) => {
      const d = g.getImageData(x, y, 1, 1).data;
      return [d[0] ?? 0, d[1] ?? 0, d[2] ?? 0] as [number, number, number];
    });
    return { width: v.videoWidth, height: v.videoHeight, px };
  }, points);
}

export function close(a: Rgb, b: Rgb, tol = 40): boolean {
  return Math.abs(a[0] - b[0]) <= tol && Math.abs(a[1] - b[1]) <= tol && Math.abs(a[2] - b[2]) <= tol;
}

/** Viewport (CSS px) point of page pixel (x, y) of the remote page shown in the viewer's <video>. */
export async function screenPoint(
  page: Page,
  x: number,
  y: number,
  pageSize: { width: number; height: number },
): Promise<{ x: number; y: number }> {
  const box = await page.locator('video').boundingBox();
  if (!box) throw new Error('video not visible');
  const vs = await page.evaluate(() => {
    const v = document.querySelector('video');
    return { w: v?.videoWidth ?? 0, h: v?.videoHeight ?? 0 };
  });
  const scale = Math.min(box.width / vs.w, box.height / vs.h);
  const left = box.x + (box.width - vs.w * scale) / 2;
  const top = box.y + (box.height - vs.h * scale) / 2;
  // centre of the page pixel
  return {
    x: left + ((x + 0.5) / pageSize.width) * vs.w * scale,
    y: top + ((y + 0.5) / pageSize.height) * vs.h * scale,
  };
}

/**
 * The test SFU (werift) currently leaves the UDP sockets of browser participants' peer connections open after
 * close(), which keeps the test process alive. Report them loudly and unref them so the file can finish.
 */
export function releaseLeakedUdp(): void {
  // biome-ignore lint/suspicious/noExplicitAny: private Node API, used only to find the leaked handles
  const handles = (process as any)._getActiveHandles() as Array<{
    type?: unknown;
    unref?: () => void;
    address?: () => { port: number };
  }>;
  const udp = handles.filter((h) => (h.type === 'udp4' || h.type === 'udp6') && typeof h.unref === 'function');
  if (udp.length > 0) {
    console.error(
      `viewer test: ${udp.length} UDP socket(s) still open after the test server closed (test SFU leak) — unref'd`,
    );
    for (const s of udp) s.unref?.();
  }
}

/** (Re)build viewer/public/viewer.js from the current sources. */
export function buildViewer(): void {
  const r = spawnSync(process.execPath, [new URL('../build.ts', import.meta.url).pathname], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`viewer build failed: ${r.stdout}${r.stderr}`);
}
