// `npm run demo` as a user runs it: a child process that prints one line, serves the viewer and tokens, and on
// SIGINT / SIGTERM stops everything it started (checked by walking its process tree and probing its ports).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { after, test } from 'node:test';
import { dispose } from '@livekit/rtc-node';
import { descendants, sfuKind } from '@lkbrowser/testkit';
import { chooseLocalServer } from '../demo.ts';
import { startTestServer, type TestServer } from '@lkbrowser/testserver';

const ROOT = new URL('../..', import.meta.url).pathname;
const children: ChildProcess[] = [];

after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null && c.pid) process.kill(-c.pid, 'SIGKILL');
});

function startDemo(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; line: Promise<string>; stderr: () => string } {
  // own process group so a test failure can kill what is left
  const child = spawn(process.execPath, ['scripts/demo.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const line = new Promise<string>((ok, fail) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) ok(out.slice(0, nl));
    });
    child.once('exit', (code, sig) => fail(new Error(`demo exited early (${code ?? sig}); stderr:\n${err}`)));
  });
  return { child, line, stderr: () => err };
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false; // no such process
  }
}

function exit(child: ChildProcess, ms: number): Promise<number | string> {
  return new Promise((ok, fail) => {
    if (child.exitCode !== null) return ok(child.exitCode);
    const t = setTimeout(() => fail(new Error(`demo did not exit within ${ms} ms`)), ms);
    child.once('exit', (code, sig) => {
      clearTimeout(t);
      ok(code ?? String(sig));
    });
  });
}

async function refused(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(3000) });
    return false;
  } catch {
    return true; // connection refused: nothing listens any more
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`demo: one line, viewer + token + page served, ${signal} stops everything`, { timeout: 240_000 }, async () => {
    const d = signal === 'SIGINT' ? startDemo(['--port', '0']) : startDemo(['--port', '0', '--json', '--no-build']);
    const line = await d.line;
    let viewerUrl: string;
    let pageUrl: string;
    let livekitUrl: string;
    if (signal === 'SIGINT') {
      const m =
        /^lkbrowser demo ready: open (http:\/\/127\.0\.0\.1:\d+\/) \(Chromium shows (\S+); room (\S+) on a local (.+) at ws:\/\/127\.0\.0\.1:\d+\) — Ctrl-C to stop$/.exec(
          line,
        );
      assert.ok(m, `the one line: ${line}`);
      assert.ok(m[4]?.startsWith(sfuKind()), `the ready line names the server it started (${sfuKind()}): ${m[4]}`);
      viewerUrl = m[1] as string;
      pageUrl = m[2] as string;
      const tok = (await (await fetch(`${viewerUrl}token?identity=alice`)).json()) as {
        url: string;
        token: string;
        room: string;
      };
      livekitUrl = tok.url;
      assert.equal(tok.room, m[3]);
      assert.ok(tok.token.split('.').length === 3);
    } else {
      const info = JSON.parse(line) as {
        viewerUrl: string;
        pageUrl: string;
        livekitUrl: string;
        localLivekit: boolean;
        localServer: string;
      };
      ({ viewerUrl, pageUrl, livekitUrl } = info);
      assert.equal(info.localLivekit, true);
      assert.ok(info.localServer.startsWith(sfuKind()), `localServer: ${info.localServer}`);
    }
    const html = await (await fetch(viewerUrl)).text();
    assert.match(html, /<script type="module" src="viewer.js">/);
    assert.equal((await fetch(`${viewerUrl}viewer.js`)).status, 200);
    assert.equal(
      (await fetch(`${viewerUrl}token?identity=browser`)).status,
      400,
      'the runtime identity is not handed out',
    );
    assert.equal((await fetch(`${viewerUrl}token?identity=${encodeURIComponent('<x>')}`)).status, 400);
    assert.equal((await fetch(`${viewerUrl}../package.json`)).status, 404);
    assert.match(await (await fetch(pageUrl)).text(), /Hello from a real Chromium/);

    const pid = d.child.pid as number;
    const tree = descendants(pid);
    const cmd = (p: number) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
      } catch {
        return ''; // exited meanwhile
      }
    };
    assert.ok(
      tree.some((p) => cmd(p).includes('chromium')),
      `Chromium runs below the demo: ${tree.map(cmd).join('; ')}`,
    );
    d.child.kill(signal);
    assert.equal(await exit(d.child, 60_000), 0, `exit code; stderr:\n${d.stderr()}`);
    await new Promise((r) => setTimeout(r, 500));
    const left = tree.filter(alive);
    assert.deepEqual(left, [], `processes left running: ${left.map((p) => `${p} ${cmd(p)}`).join('; ')}`);
    assert.ok(await refused(viewerUrl), 'viewer server closed');
    assert.ok(await refused(pageUrl), 'page server closed');
    assert.ok(await refused(livekitUrl.replace(/^ws/, 'http')), 'local LiveKit server closed');
    rmSync(`${ROOT}.lkb-tmp/demo-${pid}.log`, { force: true });
  });
}

let external: TestServer | undefined;
after(async () => {
  await external?.close();
  await dispose();
});

test('demo with LIVEKIT_URL uses that server and starts no local one', { timeout: 240_000 }, async () => {
  external = await startTestServer();
  const d = startDemo(['--port', '0', '--json', '--no-build', '--room', 'ext-room'], {
    LIVEKIT_URL: external.url,
    LIVEKIT_API_KEY: external.apiKey,
    LIVEKIT_API_SECRET: external.apiSecret,
  });
  const info = JSON.parse(await d.line) as {
    livekitUrl: string;
    localLivekit: boolean;
    room: string;
    viewerUrl: string;
  };
  assert.equal(info.localLivekit, false);
  assert.equal(info.livekitUrl, external.url);
  assert.equal(info.room, 'ext-room');
  const tok = (await (await fetch(`${info.viewerUrl}token?identity=carol`)).json()) as { url: string };
  assert.equal(tok.url, external.url);
  const srv = external;
  assert.deepEqual(srv.rooms(), [{ name: 'ext-room', participants: ['browser'] }]);
  d.child.kill('SIGINT');
  assert.equal(await exit(d.child, 60_000), 0);
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(
    srv.rooms().flatMap((r) => r.participants),
    [],
    'the runtime left the room',
  );
  rmSync(`${ROOT}.lkb-tmp/demo-${d.child.pid}.log`, { force: true });
});

test('which local server the demo starts: livekit-server when built, else the test server; the switch wins', () => {
  const rows: Array<[Parameters<typeof chooseLocalServer>[0], boolean, NodeJS.ProcessEnv, string]> = [
    ['auto', true, {}, 'livekit-server'],
    ['auto', false, {}, 'testserver'],
    ['auto', true, { LKB_TEST_SFU: 'testserver' }, 'testserver'],
    ['testserver', true, {}, 'testserver'],
    ['livekit-server', false, {}, 'livekit-server'], // explicit: fails to start with the build hint, no fallback
  ];
  for (const [choice, built, env, want] of rows)
    assert.equal(chooseLocalServer(choice, built, env), want, `${choice} built=${built} ${JSON.stringify(env)}`);
  assert.throws(() => chooseLocalServer('auto', true, { LKB_TEST_SFU: 'bogus' }), /LKB_TEST_SFU=bogus/);
});

test('without a built livekit-server the demo falls back to the test server and says so', {
  timeout: 240_000,
}, async () => {
  const d = startDemo(['--port', '0', '--json', '--no-build'], {
    LKB_TOOLS_DIR: '/nonexistent/lkb-tools',
    LKB_TEST_SFU: '',
  });
  const info = JSON.parse(await d.line) as { localServer: string; livekitUrl: string };
  assert.match(info.localServer, /^testserver/);
  d.child.kill('SIGTERM');
  assert.equal(await exit(d.child, 60_000), 0);
  assert.ok(await refused(info.livekitUrl.replace(/^ws/, 'http')), 'test server closed');
  rmSync(`${ROOT}.lkb-tmp/demo-${d.child.pid}.log`, { force: true });
});
