// Diagnostic (not a benchmark): does the engine keep delivering paints for a page that redraws every frame?
// Opens N pages one after another (counter page, 1920x1080, 30 fps) with a consumer that behaves like the runtime
// session (holds the latest frame, releases the previous one when the next arrives), prints paints per second and the
// page's rAF rate, and flags pages whose paints stop while the page still renders ("FROZEN").
// Usage: node bench/engine-freeze-probe.ts [--pages 10] [--seconds 10] [--size 1920x1080]
import './lib/quiet.ts';
import { createContext } from '@lkbrowser/native';
import { type BenchSpec, benchFlags } from './lib/cli.ts';
import { watchdog } from './lib/common.ts';
import { startPageServer } from './lib/pages.ts';

const FLAGS = {
  pages: { flag: 'pages', kind: 'number', default: 10, min: 1, integer: true, help: 'pages, one after another' },
  seconds: { flag: 'seconds', kind: 'number', default: 10, min: 1, integer: true, help: 'seconds per page' },
  size: { flag: 'size', kind: 'sizes', default: '1920x1080', arg: 'WxH', help: 'viewport size' },
} as const satisfies Record<string, BenchSpec>;
const flags = benchFlags(
  'engine-freeze-probe.ts',
  'Does the engine keep delivering paints for a redrawing page?',
  FLAGS,
);
if (flags.size.length !== 1) {
  console.error('engine-freeze-probe.ts: --size: one WxH');
  process.exit(2);
}
watchdog(15);
const n = flags.pages;
const secs = flags.seconds;
const [[w, h] = [1920, 1080]] = flags.size;
const pages = await startPageServer();
const ctx = await createContext({ startTimeoutMs: 60_000 });
let frozen = 0;
try {
  for (let i = 0; i < n; i++) {
    const page = await ctx.newPage({ url: pages.url('counter'), width: w, height: h, framerate: 30, audio: false });
    let paints = 0;
    let prev: (() => void) | undefined;
    page.on('paint', (ev) => {
      paints++;
      const release = ev.hold();
      prev?.();
      prev = release;
    });
    const per: number[] = [];
    for (let s = 0; s < secs; s++) {
      const a = paints;
      await new Promise((r) => setTimeout(r, 1000));
      per.push(paints - a);
    }
    const raf = await page.evaluate<number>('window.__ts.filter((t) => t > Date.now() - 5000).length / 5');
    const stalled = per.slice(1).some((x) => x === 0) && raf > 30;
    if (stalled) frozen++;
    console.log(`page ${i}: paints/s ${per.join(' ')} | page rAF/s ${raf.toFixed(1)}${stalled ? '  FROZEN' : ''}`);
    prev?.();
    await page.close();
  }
} finally {
  await ctx.close();
  await pages.close();
}
console.log(`${frozen}/${n} pages stopped delivering paints while rendering`);
process.exit(0);
