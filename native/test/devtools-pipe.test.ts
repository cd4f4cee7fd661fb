// DevTools is a pipe, never a port: the engine's Chromium runs with --remote-debugging-pipe (fds 3/4, held by the
// engine host) and no process of its tree listens on any TCP socket, so no other local process can drive the browser
// (with hostNetwork pods: no other process of the node). Over that one pipe the engine and two automation clients
// work at once, each unable to address the other's sessions. Both engines: Chromium under Xvfb (the host passes the
// pipe as Chromium's fds 3/4) and CEF (the browser process is the host itself: its own fds 3/4, the control socket
// moved elsewhere).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { processTree, waitFor } from '@lkbrowser/testkit';
import { SESSION_NOT_FOUND } from '../src/cdp/cdp-mux.ts';
import { createContext, type EngineContext, type EnginePage } from '../src/index.ts';
import { cdpClient, leftovers, startServer, testEngines } from './helpers.ts';

/** Inodes of the sockets a process has open. */
function socketInodes(pid: number): Set<string> {
  const out = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m?.[1]) out.add(m[1]);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // an fd closed while we looked
    }
  }
  return out;
}

/** TCP sockets in LISTEN state (IPv4 and IPv6) among `inodes`, as "addr:port" (hex, as in /proc/net/tcp). */
function listening(pid: number, inodes: Set<string>): string[] {
  const out: string[] = [];
  for (const table of ['tcp', 'tcp6']) {
    // The process's own network namespace view (Chromium's sandbox may give it another one).
    for (const row of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const f = row.trim().split(/\s+/);
      if (f[3] === '0A' && inodes.has(f[9] ?? '')) out.push(`${table} ${f[1]}`);
    }
  }
  return out;
}

function fdTarget(pid: number, fd: number): string {
  return readlinkSync(`/proc/${pid}/fd/${fd}`);
}

for (const engine of testEngines())
  describe(`DevTools over a pipe (${engine})`, () => {
    let server: Awaited<ReturnType<typeof startServer>>;
    let ctx: EngineContext;
    let page: EnginePage;

    before(async () => {
      server = await startServer();
      ctx = await createContext({ startTimeoutMs: 60_000, engine });
      page = await ctx.newPage({ url: `${server.base}/solid`, width: 640, height: 360, framerate: 30, audio: false });
    });

    after(async () => {
      const hostPid = page?.hostPid;
      await ctx?.close();
      await server?.close();
      if (hostPid && hostPid > 0) assert.deepEqual(leftovers(hostPid), []);
    });

    it('the check finds a listening socket where there is one (control)', async () => {
      const s = http.createServer();
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
      try {
        assert.equal(listening(process.pid, socketInodes(process.pid)).length >= 1, true);
      } finally {
        await new Promise<void>((r) => s.close(() => r()));
      }
    });

    it('Chromium has no DevTools port: --remote-debugging-pipe, fds 3/4 are pipes, nothing of it listens on TCP', async () => {
      assert.equal(await page.evaluate<number>('6 * 7'), 42, 'the engine drives the page over the pipe');
      // CEF's browser process is the host (the switch is added in-process, not on its argv).
      const browser = engine === 'cef' ? page.hostPid : page.chromiumPid;
      assert.ok(browser > 0);
      const argv = readFileSync(`/proc/${browser}/cmdline`, 'utf8').split('\0');
      if (engine === 'chromium') assert.ok(argv.includes('--remote-debugging-pipe'), argv.join(' '));
      assert.equal(
        argv.some((a) => a.startsWith('--remote-debugging-port') || a.startsWith('--remote-debugging-address')),
        false,
      );
      assert.match(fdTarget(browser, 3), /^pipe:/);
      assert.match(fdTarget(browser, 4), /^pipe:/);
      // Every process of the host's tree (Xvfb, PulseAudio, the browser, zygotes, renderers, GPU, utilities,
      // crashpad): no listening TCP socket.
      const tree = processTree(page.hostPid);
      assert.ok(tree.length >= 3, `chromium tree: ${tree.join(',')}`);
      for (const pid of tree) {
        let inodes: Set<string>;
        try {
          inodes = socketInodes(pid);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // exited while we looked
          throw err;
        }
        assert.deepEqual(listening(pid, inodes), [], `pid ${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8')}`);
      }
    });

    it('the engine and two clients share the pipe; a client cannot address another client’s session', async () => {
      const a = cdpClient(await page.openCdpClient());
      const b = cdpClient(await page.openCdpClient());
      const targetId = page.cdpTargetId;
      const pa = (await a.send('Target.attachToTarget', { targetId, flatten: true })).result?.sessionId;
      const pb = (await b.send('Target.attachToTarget', { targetId, flatten: true })).result?.sessionId;
      assert.equal(typeof pa, 'string');
      assert.equal(typeof pb, 'string');
      assert.notEqual(pa, pb);
      const ev = await a.send('Runtime.evaluate', { expression: '1 + 2', returnByValue: true }, String(pa));
      assert.deepEqual(ev.result?.result, { type: 'number', value: 3, description: '3' });
      // B addressing A's page session: Chromium's own "not found" (the mux never forwards it).
      assert.deepEqual((await b.send('Runtime.evaluate', { expression: '1' }, String(pa))).error, SESSION_NOT_FOUND);
      // A's console events reach A only.
      await a.send('Runtime.enable', {}, String(pa));
      await a.send('Runtime.evaluate', { expression: 'console.log("only-for-a")' }, String(pa));
      await waitFor(
        'A hears its console message',
        () => a.events.some((e) => e.method === 'Runtime.consoleAPICalled'),
        10_000,
        20,
      );
      assert.equal(
        b.events.some((e) => e.method === 'Runtime.consoleAPICalled'),
        false,
      );
      // The engine goes on meanwhile.
      assert.equal(await page.evaluate<number>('2 * 21'), 42);
      assert.equal(page.crashed, false);
    });
  });
