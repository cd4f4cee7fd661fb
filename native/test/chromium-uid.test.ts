// Chromium apart from the engine host and Node (ContextOptions.chromiumUid, the process runs as root here): every
// Chromium process runs as that uid, renderers run inside Chromium's own sandbox (seccomp-bpf, own pid namespace),
// and the page still renders and plays audio into the host's capture.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { createContext, type EngineContext, type EnginePage } from '../src/index.ts';
import { pixel, startServer, waitPaint } from './helpers.ts';

const UID = 65534;
let server: Awaited<ReturnType<typeof startServer>>;
let ctx: EngineContext;
let page: EnginePage;

before(async () => {
  server = await startServer();
  ctx = await createContext({ chromiumUid: UID, startTimeoutMs: 60_000 });
  page = (await ctx.newPage({
    url: `${server.base}/audio`,
    width: 320,
    height: 240,
    framerate: 10,
    audio: true,
  })) as EnginePage;
});

after(async () => {
  await ctx?.close();
  await server?.close();
});

/** Chromium processes of this page's host: those whose command line names its profile dir. */
function chromiumProcs(): Array<{ pid: number; status: string; cmd: string }> {
  const out: Array<{ pid: number; status: string; cmd: string }> = [];
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'latin1').replace(/\0/g, ' ');
      if (cmd.startsWith('/usr/lib/chromium/chromium') && cmd.includes(`lkb-host-${page.hostPid}-`)) {
        out.push({ pid: Number(d), status: readFileSync(`/proc/${d}/status`, 'utf8'), cmd });
      }
    } catch {
      // the process exited while we looked
    }
  }
  return out;
}

test('every Chromium process runs as the separate uid; renderers are sandboxed', async () => {
  const ps = chromiumProcs();
  assert.ok(ps.length >= 3, `chromium processes: ${ps.length}`);
  for (const p of ps)
    assert.match(p.status, new RegExp(`^Uid:\\s+${UID}\\s+${UID}\\s+${UID}\\s+${UID}$`, 'm'), p.cmd.slice(0, 80));
  const browser = ps.find((p) => !p.cmd.includes('--type='));
  assert.ok(browser && !browser.cmd.includes('--no-sandbox'), 'the browser runs with its sandbox');
  const renderers = ps.filter((p) => p.cmd.includes('--type=renderer'));
  assert.ok(renderers.length >= 1);
  for (const r of renderers) {
    assert.match(r.status, /^Seccomp:\s+2$/m);
    assert.match(r.status, /^NSpid:\s+\d+\s+\d+/m, 'own pid namespace');
  }
  assert.equal(process.getuid?.(), 0, 'the host and Node stay root');
  // what the runtime's /status reports: the host's decision, here on
  assert.deepEqual(page.sandbox, { enabled: true, detail: 'on: user, pid and net namespaces work for this uid' });
});

test('the sandboxed page renders and its audio reaches the capture', async () => {
  // Listen first: the paint can arrive while evaluate() is still awaiting its answer.
  const blue = waitPaint(
    page,
    (ev) => {
      const [b, g, r] = pixel(ev, 100, 100);
      return b > 200 && g < 40 && r < 40;
    },
    20_000,
    'blue page',
  );
  await page.evaluate("document.body.style.background = 'rgb(0, 0, 255)'");
  await blue;
  let sumSq = 0;
  let n = 0;
  await new Promise<void>((resolve) => {
    const on = (ev: { samples: Int16Array }): void => {
      for (const s of ev.samples) {
        sumSq += (s / 32768) ** 2;
        n++;
      }
      if (n >= 48_000 * 2) {
        page.off('audio', on);
        resolve();
      }
    };
    page.on('audio', on);
  });
  const rms = Math.sqrt(sumSq / n);
  assert.ok(rms > 0.1, `rms ${rms}: the page's tone reaches PulseAudio from the sandboxed uid`);
});
