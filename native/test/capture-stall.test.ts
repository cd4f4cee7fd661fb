// Regression: capture must not stall while the page keeps rendering. xcb replies (the grab itself) can pull a
// DamageNotify off the socket into xcb's queue; if the host then blocks in poll() the notify is never handled and,
// with REPORT_LEVEL_NON_EMPTY, no further notify comes: paints stopped for good on about half of all pages whose
// consumer holds its latest frame (as the runtime does). Several pages in a row make a miss near-certain.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createContext } from '../src/index.ts';
import { PAGES, sleep, startServer, testEngines } from './helpers.ts';

PAGES.counter = `<!doctype html><html><body style="margin:0;background:#000"><canvas id=c width=1920 height=1080></canvas><script>
const g = document.getElementById('c').getContext('2d'); let n = 0;
(function f() { n++; g.fillStyle = 'hsl(' + ((n * 7) % 360) + ',80%,50%)'; g.fillRect(0, 0, 1920, 1080); requestAnimationFrame(f); })();
</script></body></html>`;

let server: Awaited<ReturnType<typeof startServer>>;
before(async () => {
  server = await startServer();
});
after(() => server.close());

for (const engine of testEngines())
  test(`paints keep coming on a full-screen animation while the consumer holds its latest frame (${engine})`, {
    timeout: 180_000,
  }, async () => {
    const stalled: string[] = [];
    for (let i = 0; i < 5; i++) {
      const ctx = await createContext({ startTimeoutMs: 60_000, engine });
      try {
        const page = await ctx.newPage({
          url: `${server.base}/counter`,
          width: 1920,
          height: 1080,
          framerate: 30,
          audio: false,
        });
        let paints = 0;
        let prev: (() => void) | undefined;
        page.on('paint', (ev) => {
          paints++;
          const release = ev.hold();
          prev?.();
          prev = release;
        });
        await sleep(1500); // start-up
        const perSecond: number[] = [];
        for (let s = 0; s < 3; s++) {
          const before = paints;
          await sleep(1000);
          perSecond.push(paints - before);
        }
        prev?.();
        if (perSecond.some((n) => n === 0)) stalled.push(`page ${i}: paints/s ${perSecond.join(' ')}`);
      } finally {
        await ctx.close();
      }
    }
    assert.deepEqual(stalled, [], 'capture stalled while the page was rendering');
  });
