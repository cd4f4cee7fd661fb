// The engine against real Chromium, Xvfb and PulseAudio: frames, damage, input, navigation, cursor,
// audio, crash/restart, resize and cleanup. One page is reused (navigated between fixtures) to keep
// the number of Chromium launches low on the shared 2-core machine.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createContext, type EngineContext, type EnginePage, type AudioEvent, type PaintEvent } from '../src/index.ts';
import { cdpClient, leftovers, pixel, sleep, startServer, testEngines, waitPaint } from './helpers.ts';
import { waitFor } from '@lkbrowser/testkit';

async function goto(page: EnginePage, url: string): Promise<void> {
  await page.navigate(url);
  const path = new URL(url).pathname;
  await waitFor(
    `${url} loaded`,
    async () => (await page.evaluate<string>('location.pathname + " " + document.readyState')) === `${path} complete`,
    15_000,
  );
}

for (const engine of testEngines())
  describe(`engine: ${engine}`, () => {
    let server: Awaited<ReturnType<typeof startServer>>;
    /** The same pages on another site (127.0.0.2): navigating there swaps the renderer and its widget. */
    let other: Awaited<ReturnType<typeof startServer>>;
    let ctx: EngineContext;
    let page: EnginePage;

    before(async () => {
      server = await startServer();
      other = await startServer('127.0.0.2');
      ctx = await createContext({ maxWidth: 1920, maxHeight: 1080, startTimeoutMs: 60_000, engine });
      page = await ctx.newPage({ url: `${server.base}/solid`, width: 1280, height: 720, framerate: 60 });
    });

    after(async () => {
      const hostPid = page?.hostPid;
      await ctx?.close();
      await server?.close();
      await other?.close();
      if (hostPid && hostPid > 0) assert.deepEqual(leftovers(hostPid), []);
    });

    it('reports why Chromium runs without its sandbox here (the test process is root; so is the CEF host)', () => {
      assert.equal(page.sandbox.enabled, false);
      assert.match(page.sandbox.detail, engine === 'cef' ? /^off: CEF runs as root$/ : /^off: Chromium runs as root$/);
    });

    it('renders a solid-colour page into BGRA frames of the page size', async () => {
      // The page may have settled before we subscribed: ask for the current screen (and keep asking).
      const timer = setInterval(() => page.requestFrame(), 500);
      page.requestFrame();
      const ev = await waitPaint(
        page,
        (e) => pixel(e, 640, 360).join() === '255,144,30',
        20_000,
        'the page colour',
      ).finally(() => clearInterval(timer));
      assert.equal(ev.width, 1280);
      assert.equal(ev.height, 720);
      assert.equal(ev.frame.byteLength, 1280 * 720 * 4);
      assert.equal(ev.frame.byteOffset, 0);
      // #1e90ff = rgb(30,144,255) → bytes B,G,R = 255,144,30, at the centre and all four corners.
      for (const [x, y] of [
        [0, 0],
        [1279, 0],
        [0, 719],
        [1279, 719],
        [640, 360],
      ] as const) {
        assert.deepEqual(pixel(ev, x, y), [255, 144, 30], `pixel ${x},${y}`);
      }
      assert.deepEqual(await page.evaluate('[innerWidth, innerHeight]'), [1280, 720]);
    });

    it('produces no paints for a static page once it settled', async () => {
      // Settled = one quiet second (startup paints such as window placement may still trickle in).
      let last = Date.now();
      const quiet = (): void => {
        last = Date.now();
      };
      page.on('paint', quiet);
      await waitFor('a quiet second', () => Date.now() - last > 1000, 20_000);
      page.off('paint', quiet);
      let n = 0;
      const on = (): void => {
        n++;
      };
      page.on('paint', on);
      await sleep(2500);
      page.off('paint', on);
      assert.equal(n, 0, `static page painted ${n} times`);
    });

    it('paints a CSS animation at >= 50 paints/s at 1280x720 (damage rects inside the frame)', async () => {
      await page.navigate(`${server.base}/anim`);
      await waitPaint(page, (e) => pixel(e, 5, 5).join() === '255,255,255', 20_000, 'the anim page');
      await sleep(500);
      let n = 0;
      let rectsOk = true;
      const on = (ev: PaintEvent): void => {
        n++;
        for (const r of ev.dirtyRects) {
          if (r.x < 0 || r.y < 0 || r.width <= 0 || r.height <= 0 || r.x + r.width > 1280 || r.y + r.height > 720)
            rectsOk = false;
        }
      };
      const t0 = performance.now();
      page.on('paint', on);
      await sleep(3000);
      page.off('paint', on);
      const fps = (n * 1000) / (performance.now() - t0);
      console.log(`# animation: ${fps.toFixed(1)} paints/s at 1280x720`);
      assert.ok(rectsOk, 'dirty rects within the frame');
      assert.ok(fps >= 50, `expected >= 50 paints/s, got ${fps.toFixed(1)}`);
    });

    it('a held slot is not rewritten until released', async () => {
      const held = await new Promise<{ ev: PaintEvent; release: () => void; copy: Uint8Array }>((resolve) => {
        page.once('paint', (ev) => resolve({ ev, release: ev.hold(), copy: Uint8Array.from(ev.frame) }));
      });
      await sleep(500); // the animation keeps painting into the other slots meanwhile
      assert.ok(Buffer.from(held.ev.frame).equals(Buffer.from(held.copy)), 'held frame unchanged');
      held.release();
    });

    it('with every slot held the host coalesces damage and waits; paints resume on release', async () => {
      const held: { ev: PaintEvent; release: () => void; copy: Uint8Array }[] = [];
      let extra = 0;
      const on = (ev: PaintEvent): void => {
        if (held.length < 3) held.push({ ev, release: ev.hold(), copy: Uint8Array.from(ev.frame) });
        else extra++;
      };
      page.on('paint', on);
      await waitFor('three held paints', () => held.length === 3, 10_000);
      await sleep(700); // the animation keeps damaging the screen meanwhile
      assert.equal(extra, 0, 'no paint while all slots are held');
      for (const h of held)
        assert.ok(Buffer.from(h.ev.frame).equals(Buffer.from(h.copy)), `slot of seq ${h.ev.seq} unchanged`);
      const seqs = held.map((h) => h.ev.seq);
      for (const h of held) h.release();
      await waitFor('paints after release', () => extra >= 10, 10_000);
      page.off('paint', on);
      assert.equal(new Set(seqs).size, 3);
    });

    it('a click changes the button colour in later frames', async () => {
      const blue = waitPaint(page, (e) => pixel(e, 200, 150).join() === '255,0,0', 20_000, 'blue button');
      await goto(page, `${server.base}/button`);
      await blue;
      const green = waitPaint(page, (e) => pixel(e, 200, 150).join() === '0,255,0', 15_000, 'green button');
      await page.mouseMove(200, 150);
      await page.mouseDown(200, 150, { button: 'left', clickCount: 1 });
      await page.mouseUp(200, 150, { button: 'left', clickCount: 1 });
      const ev = await green;
      assert.deepEqual(pixel(ev, 200, 150), [0, 255, 0]);
    });

    it('typing reaches an <input>', async () => {
      await goto(page, `${server.base}/input`);
      await page.mouseMove(100, 70);
      await page.mouseDown(100, 70, { button: 'left', clickCount: 1 });
      await page.mouseUp(100, 70, { button: 'left', clickCount: 1 });
      for (const ch of 'hi') {
        const vk = ch.toUpperCase().charCodeAt(0);
        await page.key({
          type: 'keyDown',
          windowsVirtualKeyCode: vk,
          key: ch,
          code: `Key${ch.toUpperCase()}`,
          text: ch,
        });
        await page.key({ type: 'keyUp', windowsVirtualKeyCode: vk, key: ch, code: `Key${ch.toUpperCase()}` });
      }
      await page.insertText(' there');
      assert.equal(await page.evaluate('document.getElementById("i").value'), 'hi there');
    });

    const click = async (x: number, y: number): Promise<void> => {
      await page.mouseMove(x, y);
      await page.mouseDown(x, y, { button: 'left' });
      await page.mouseUp(x, y, { button: 'left' });
    };
    const typeKeys = async (text: string): Promise<void> => {
      for (const ch of text) {
        const vk = ch.toUpperCase().charCodeAt(0);
        await page.key({ type: 'keyDown', windowsVirtualKeyCode: vk });
        await page.key({ type: 'keyUp', windowsVirtualKeyCode: vk });
      }
    };
    const dispatched = (): number =>
      [...page.cdpCommands].filter(([m]) => m.startsWith('Input.dispatch')).reduce((n, [, c]) => n + c, 0);

    it(`mouse, keys and wheel land in the page through ${engine === 'cef' ? "CEF's host API (no CDP Input.dispatch*)" : 'CDP Input.dispatch*'}`, async () => {
      await goto(page, `${server.base}/events`);
      const before = dispatched();
      await click(100, 70);
      await typeKeys('ab');
      await page.key({ type: 'keyDown', windowsVirtualKeyCode: 13 });
      await page.key({ type: 'keyUp', windowsVirtualKeyCode: 13 });
      await page.wheel(400, 300, 0, 600);
      await waitFor('wheel scrolled the page', async () => (await page.evaluate<number>('scrollY')) > 0, 10_000);
      await page.evaluate('scrollTo(0, 0), log.length = 0');
      await click(600, 400);
      await page.mouseDown(600, 400, { button: 'left' });
      await page.mouseUp(600, 400, { button: 'left' });
      await waitFor('dblclick', async () => (await page.evaluate<string[]>('log')).includes('dblclick:0:2'), 10_000);
      const log = await page.evaluate<string[]>('log');
      assert.deepEqual(log, [
        'mousedown:0:1',
        'mouseup:0:1',
        'click:0:1',
        'mousedown:0:2',
        'mouseup:0:2',
        'click:0:2',
        'dblclick:0:2',
      ]);
      assert.equal(await page.evaluate('document.getElementById("i").value'), 'ab');
      const sent = dispatched() - before;
      if (engine === 'cef') assert.equal(sent, 0, `CDP Input.dispatch* commands for the CEF engine: ${sent}`);
      else assert.ok(sent >= 10, `Input.dispatch* commands: ${sent}`);
    });

    it('keys carry DOM key and code (a, Shift+A, Enter, ArrowLeft) on both engines', async () => {
      await goto(page, `${server.base}/events`);
      await click(100, 70);
      await page.evaluate('log.length = 0');
      await page.key({ type: 'keyDown', windowsVirtualKeyCode: 65 });
      await page.key({ type: 'keyUp', windowsVirtualKeyCode: 65 });
      await page.key({ type: 'rawKeyDown', windowsVirtualKeyCode: 16, modifiers: 8 });
      await page.key({ type: 'keyDown', windowsVirtualKeyCode: 65, modifiers: 8 });
      await page.key({ type: 'keyUp', windowsVirtualKeyCode: 65, modifiers: 8 });
      await page.key({ type: 'keyUp', windowsVirtualKeyCode: 16 });
      await page.key({ type: 'keyDown', windowsVirtualKeyCode: 37 });
      await page.key({ type: 'keyUp', windowsVirtualKeyCode: 37 });
      await waitFor('the last keyup', async () => (await page.evaluate<string[]>('log')).length >= 8, 10_000);
      assert.deepEqual(await page.evaluate<string[]>('log.filter((l) => l.startsWith("keydown"))'), [
        'keydown:a:KeyA',
        'keydown:Shift:ShiftLeft',
        'keydown:A:KeyA',
        'keydown:ArrowLeft:ArrowLeft',
      ]);
      assert.equal(await page.evaluate('document.getElementById("i").value'), 'aA');
    });

    it('clicks and keys land right after cross-site navigations (new renderer each time)', async () => {
      for (let round = 0; round < 3; round++) {
        const site = round % 2 === 0 ? other : server;
        await goto(page, `${site.base}/events`);
        await click(100, 70);
        await typeKeys('xy');
        await waitFor(
          `round ${round}: typed into ${site.base}`,
          async () => (await page.evaluate<string>('document.getElementById("i").value')) === 'xy',
          10_000,
        );
        const green = waitPaint(page, (e) => pixel(e, 200, 150).join() === '0,255,0', 15_000, 'green button');
        await goto(page, `${(round % 2 === 0 ? server : other).base}/button`);
        await click(200, 150);
        await green;
      }
    });

    it('a cross-site iframe runs in a renderer of its own (site isolation on); a same-site one does not', async () => {
      // A malicious page must not share a renderer with the sites it frames: a flag that trades memory for the
      // process model (low-end mode, process limits, --single-process) would silently lose that.
      await goto(page, `${server.base}/solid`);
      const cdp = cdpClient(await page.openCdpClient());
      const frame = (src: string) =>
        page.evaluate(
          `(() => { const f = document.createElement('iframe'); f.src = ${JSON.stringify(src)}; document.body.appendChild(f); return new Promise((r) => f.onload = () => r(true)); })()`,
        );
      const oopifs = async () => {
        const r = await cdp.send('Target.getTargets');
        const infos = (r.result?.targetInfos ?? []) as Array<{ type: string; url: string }>;
        return infos.filter((t) => t.type === 'iframe').map((t) => t.url);
      };
      await frame(`${server.base}/b`);
      await frame(`${other.base}/b`);
      const urls = await waitFor(
        'the cross-site iframe target',
        async () => {
          const u = await oopifs();
          return u.length > 0 ? u : undefined;
        },
        10_000,
      );
      assert.deepEqual(urls, [`${other.base}/b`]);
    });

    it('navigate, back and forward emit url_changed', async () => {
      const urls: string[] = [];
      const on = (u: string): void => {
        urls.push(u);
      };
      page.on('url_changed', on);
      await goto(page, `${server.base}/a`);
      await goto(page, `${server.base}/b`);
      assert.equal(await page.goBack(), true);
      await waitFor('back to /a', () => urls.at(-1) === `${server.base}/a`, 10_000);
      assert.equal(await page.goForward(), true);
      await waitFor('forward to /b', () => urls.at(-1) === `${server.base}/b`, 10_000);
      page.off('url_changed', on);
      assert.deepEqual(urls, [`${server.base}/a`, `${server.base}/b`, `${server.base}/a`, `${server.base}/b`]);
      assert.equal(page.url, `${server.base}/b`);
    });

    it('reports the CSS cursor (XFixes change + CDP name): pointer over a link, text over text, grab', async () => {
      await goto(page, `${server.base}/cursor`);
      await page.mouseMove(1000, 600);
      await waitFor('default cursor on empty space', () => page.cursorName === 'default', 10_000);
      const seen: string[] = [];
      page.on('cursor_changed', (c) => seen.push(c));
      const box = await page.evaluate<number[]>(
        '[l, t].flatMap((e) => { const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })',
      );
      const [lx = 0, ly = 0, tx = 0, ty = 0] = box;
      await page.mouseMove(lx, ly);
      await waitFor('pointer cursor', () => page.cursorName === 'pointer', 10_000);
      await page.mouseMove(tx, ty);
      await waitFor('text cursor', () => page.cursorName === 'text', 10_000);
      await page.mouseMove(650, 450);
      await waitFor('grab cursor (CSS cursor: grab)', () => page.cursorName === 'grab', 10_000);
      await page.mouseMove(1000, 600);
      await waitFor('default cursor', () => page.cursorName === 'default', 10_000);
      const p = seen.indexOf('pointer');
      assert.ok(p >= 0 && seen.indexOf('text', p) > p, `cursor_changed sequence ${seen.join(',')}`);
      assert.equal(seen.at(-1), 'default');
    });

    it('captures a WebAudio 440 Hz tone from the PulseAudio null sink', async () => {
      await goto(page, `${server.base}/audio`);
      await waitFor('AudioContext running', async () => (await page.evaluate('audioState()')) === 'running', 10_000);
      await sleep(1000); // let the stream start
      const frames: AudioEvent[] = [];
      const on = (a: AudioEvent): void => {
        frames.push(a);
      };
      page.on('audio', on);
      await sleep(2000);
      page.off('audio', on);
      assert.ok(frames.length >= 100, `expected >= 100 audio frames in 2 s, got ${frames.length}`);
      for (const f of frames) {
        assert.equal(f.sampleRate, 48000);
        assert.equal(f.channels, 2);
        assert.equal(f.samplesPerChannel, 480);
        assert.equal(f.samples.length, 960);
      }
      // Per 10 ms frame (left channel): RMS, and rising zero crossings within the frame. Frames with an
      // audible tone are counted for the frequency (Chromium can glitch under CPU contention on this box).
      let toneFrames = 0;
      let crossings = 0;
      let sumSq = 0;
      let samples = 0;
      for (const f of frames) {
        const left: number[] = [];
        for (let i = 0; i < f.samples.length; i += 2) left.push((f.samples[i] ?? 0) / 32768);
        const frameSq = left.reduce((s, v) => s + v * v, 0);
        sumSq += frameSq;
        samples += left.length;
        if (Math.sqrt(frameSq / left.length) < 0.3) continue; // full-tone frames only (RMS of 0.5 sine = 0.354)
        toneFrames++;
        for (let i = 1; i < left.length; i++) if ((left[i - 1] ?? 0) < 0 && (left[i] ?? 0) >= 0) crossings++;
      }
      const rms = Math.sqrt(sumSq / samples);
      // A 480-sample frame of a 440 Hz tone holds 4.4 periods: 4 or 5 rising crossings.
      const hz = toneFrames ? crossings / ((toneFrames * 480) / 48000) : 0;
      console.log(
        `# audio: rms ${rms.toFixed(3)}, ~${hz.toFixed(1)} Hz, ${toneFrames}/${frames.length} frames with tone`,
      );
      assert.ok(rms > 0.1, `rms ${rms}`);
      assert.ok(toneFrames >= frames.length / 2, `only ${toneFrames} of ${frames.length} frames carry the tone`);
      assert.ok(Math.abs(hz - 440) < 25, `frequency ${hz}`);
    });

    it('killing Chromium emits crashed once; restart() resumes paints at the last URL', async () => {
      await goto(page, `${server.base}/anim`);
      await waitFor('url_changed to /anim', () => page.url === `${server.base}/anim`, 10_000);
      const crashes: string[] = [];
      page.on('crashed', ({ reason }) => crashes.push(reason));
      const pid = page.chromiumPid;
      assert.ok(pid > 0);
      process.kill(pid, 'SIGKILL');
      await waitFor('crashed', () => crashes.length > 0, 15_000);
      assert.equal(page.crashed, true);
      await assert.rejects(page.evaluate('1'), /crashed/);
      await sleep(500);
      assert.equal(crashes.length, 1, `crashed emitted once (got ${crashes.join(' | ')})`);
      let restarted = 0;
      page.on('restarted', () => {
        restarted++;
      });
      await Promise.all([page.restart(), page.restart()]); // concurrent calls share one relaunch
      assert.equal(restarted, 1);
      assert.equal(page.crashed, false);
      assert.notEqual(page.chromiumPid, pid);
      assert.equal(page.url, `${server.base}/anim`);
      let n = 0;
      const on = (): void => {
        n++;
      };
      page.on('paint', on);
      await waitFor('paints after restart', () => n >= 30, 20_000);
      page.off('paint', on);
      assert.equal(await page.evaluate('location.pathname'), '/anim');
    });

    it('resize() changes the viewport and the frames in place (same Chromium, page state kept)', async () => {
      await page.evaluate('window.marker = 42');
      const host = page.hostPid;
      const chromium = page.chromiumPid;
      for (const [w, h] of [
        [640, 360],
        [1920, 1080],
        [1280, 720],
      ] as const) {
        const frame = waitPaint(page, (e) => e.width === w && e.height === h, 30_000, `${w}x${h} frames`);
        await page.resize(w, h);
        assert.equal(page.width, w);
        assert.equal(page.height, h);
        const ev = await frame;
        assert.equal(ev.frame.byteLength, w * h * 4);
        assert.deepEqual(await page.evaluate('[innerWidth, innerHeight]'), [w, h]);
        // The window covers the whole new frame: page background (white) near the bottom-right corner
        // (40 px in, clear of the scrollbars the moving box causes at small widths).
        await waitPaint(
          page,
          (e) => e.width === w && pixel(e, w - 40, h - 40).join() === '255,255,255',
          10_000,
          'page content near the corner',
        );
      }
      assert.equal(await page.evaluate('window.marker'), 42);
      assert.equal(page.hostPid, host);
      assert.equal(page.chromiumPid, chromium);
      assert.equal(page.url, `${server.base}/anim`);
    });

    it('refuses sizes above the maximum before spawning anything', async () => {
      await assert.rejects(
        ctx.newPage({ url: `${server.base}/solid`, width: 1921, height: 1080, framerate: 30 }),
        RangeError,
      );
      await assert.rejects(page.resize(1920, 1081), RangeError);
      await assert.rejects(
        ctx.newPage({ url: `${server.base}/solid`, width: 640, height: 480, framerate: 61 }),
        RangeError,
      );
      assert.equal(ctx.pages.length, 1);
    });

    it('close() leaves no process, shm segment or temp dir behind and is idempotent', async () => {
      const hostPid = page.hostPid;
      assert.ok(hostPid > 0);
      assert.notDeepEqual(leftovers(hostPid), [], 'the page has processes while open');
      const closed = new Promise<void>((r) => page.once('closed', r));
      await Promise.all([page.close(), page.close()]);
      await closed;
      await page.close();
      assert.deepEqual(leftovers(hostPid), []);
      assert.equal(ctx.pages.length, 0);
      await assert.rejects(page.evaluate('1'), /closed/);
    });
  });
