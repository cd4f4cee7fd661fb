// Secret scan of a real runtime (src/main.ts with the real engine): the /proc/<pid>/environ and cmdline of every
// process it starts (engine host, Xvfb, PulseAudio, Chromium and its zygotes/renderers/utilities, crashpad) hold
// neither the LiveKit API secret nor the join token; their environments contain only allowlisted variables;
// Chromium's argv ends with "--" and the URL and routes through the egress proxy; Xvfb refuses clients without
// its cookie and offers no XTEST. Two ways in: the token file (production: nothing secret anywhere, Node included)
// and API key/secret in the environment (then only the Node process has it: it must not reach a child). The CEF
// engine (LKB_ENGINE=cef) is scanned too: its host and every CEF sub-process.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join as pathJoin } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { waitFor, withTimeout } from '@lkbrowser/testkit';
import { startSfu } from '@lkbrowser/testkit';
import { NODE, type RoomServer, startPageServer, token } from './helpers.ts';

import { MAIN } from './runtime-process.ts';
/** Every variable a process under the engine host may have (the host's allowlist + what it sets per child). */
const CHILD_ENV_ALLOWED = new Set([
  'PATH',
  'LANG',
  'LC_ALL',
  'TZ',
  'TMPDIR',
  'LKB_HOST_DEBUG',
  'DISPLAY',
  'XAUTHORITY',
  'XDG_CONFIG_HOME',
  'HOME',
  'PULSE_SERVER',
  'XDG_RUNTIME_DIR',
  'PULSE_RUNTIME_PATH',
  // PulseAudio sets this itself and re-executes (pulsecore/core-util.c); it is not inherited.
  'LD_BIND_NOW',
  // Chromium sets this for its crashpad handlers itself; it is not inherited either.
  'DBUS_SESSION_BUS_ADDRESS',
  // CEF 146's libcef sets this (fontconfig's Fontations backend) before it spawns its helpers; not inherited.
  'FC_FONTATIONS',
]);

let sfu: RoomServer;
let pages: Awaited<ReturnType<typeof startPageServer>>;
let dir: string;
const procs: ChildProcess[] = [];

before(async () => {
  // A long random secret, so finding it anywhere means it leaked (the default 'secret' would match any word).
  sfu = await startSfu({ apiSecret: `lkb-scan-${randomBytes(24).toString('hex')}` });
  pages = await startPageServer();
  dir = mkdtempSync(pathJoin(tmpdir(), 'lkb-secret-scan-'));
});

after(async () => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  await sfu?.close();
  await pages?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface ProcInfo {
  pid: number;
  ppid: number;
  sid: number;
  comm: string;
  environ: string;
  cmdline: string[];
}

function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rp = stat.lastIndexOf(')');
    const f = stat.slice(rp + 2).split(' ');
    return {
      pid,
      ppid: Number(f[1]),
      sid: Number(f[3]),
      comm: stat.slice(stat.indexOf('(') + 1, rp),
      environ: readFileSync(`/proc/${pid}/environ`, 'latin1'),
      cmdline: readFileSync(`/proc/${pid}/cmdline`, 'latin1')
        .split('\0')
        .filter((s) => s !== ''),
    };
  } catch {
    return undefined; // exited while we looked
  }
}

/** The runtime and everything below it: by parent links, plus the host's session (double-forked crashpad). */
function tree(root: number): ProcInfo[] {
  const all = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => readProc(Number(d)))
    .filter((p): p is ProcInfo => p !== undefined);
  const inTree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (!inTree.has(p.pid) && inTree.has(p.ppid)) {
        inTree.add(p.pid);
        grew = true;
      }
    }
  }
  const sessions = new Set(all.filter((p) => inTree.has(p.pid) && p.pid !== root && p.sid === p.pid).map((p) => p.sid));
  return all.filter((p) => inTree.has(p.pid) || sessions.has(p.sid));
}

function startRuntime(env: Record<string, string>): { proc: ChildProcess; logs: string[]; ready: Promise<number> } {
  // The runtime gets a clean environment of its own, so the scan judges exactly what it was given.
  const proc = spawn(
    NODE,
    [
      MAIN,
      '--nav-allow-private-networks',
      '--width=320',
      '--height=240',
      '--framerate=5',
      '--metrics-port=0',
      '--metrics-host=127.0.0.1',
    ],
    {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        LKB_LOG_LEVEL: 'info',
        LKB_URL: `${pages.base}/solid?session=page-secret`,
        LIVEKIT_URL: sfu.url,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  procs.push(proc);
  const logs: string[] = [];
  const ready = new Promise<number>((resolve, reject) => {
    createInterface({ input: proc.stdout as NonNullable<ChildProcess['stdout']> }).on('line', (l) => {
      logs.push(l);
      if (l.includes('"msg":"publishing"')) resolve(proc.pid as number);
    });
    createInterface({ input: proc.stderr as NonNullable<ChildProcess['stderr']> }).on('line', (l) =>
      logs.push(`stderr: ${l}`),
    );
    proc.once('exit', (c) => reject(new Error(`runtime exited (${c}): ${logs.slice(-10).join('\n')}`)));
  });
  ready.catch(() => undefined);
  return { proc, logs, ready };
}

async function stop(proc: ChildProcess): Promise<void> {
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await withTimeout('runtime exit', exited, 20_000);
}

/** The processes a scan must have seen, per engine (so a scan of a half-started tree does not pass). */
const ENGINE_PROCESSES = {
  chromium: ['lkb-host', 'Xvfb', 'pulseaudio', 'chromium', 'chrome_crashpad'],
  // CEF: the browser process is the host itself; renderer, GPU and utility processes are the same binary.
  cef: ['lkb-cef-host'],
} as const;

function assertClean(
  ps: ProcInfo[],
  secrets: string[],
  rootPid: number,
  engine: keyof typeof ENGINE_PROCESSES = 'chromium',
): void {
  const names = ps.map((p) => p.comm);
  for (const want of ENGINE_PROCESSES[engine]) {
    assert.ok(
      names.some((n) => n.startsWith(want)),
      `${want} among the scanned processes: ${names.join(', ')}`,
    );
  }
  for (const p of ps) {
    for (const s of secrets) {
      assert.ok(!p.environ.includes(s), `secret in /proc/${p.pid}/environ (${p.comm})`);
      assert.ok(!p.cmdline.join(' ').includes(s), `secret in /proc/${p.pid}/cmdline (${p.comm})`);
    }
    if (p.pid === rootPid) continue;
    // Chromium's children retitle themselves over argv+environ memory (one long cmdline string), so their environ
    // is no longer a variable list; they are forks of the browser process, whose environment is checked.
    if (p.cmdline.length === 1 && p.cmdline[0]?.includes(' --type=')) continue;
    const keys = p.environ
      .split('\0')
      .filter((kv) => kv !== '')
      .map((kv) => kv.slice(0, kv.indexOf('=')));
    const extra = keys.filter((k) => !CHILD_ENV_ALLOWED.has(k));
    assert.deepEqual(extra, [], `variables outside the allowlist in ${p.comm} (${p.pid})`);
  }
}

function envOf(p: ProcInfo): Record<string, string> {
  return Object.fromEntries(
    p.environ
      .split('\0')
      .filter((kv) => kv.includes('='))
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

test('token file: no process of the runtime (Node included) holds the token or the API secret', {
  timeout: 180_000,
}, async () => {
  const jwt = await token(sfu, 'scan-room', 'browser', { canSubscribe: false });
  const file = pathJoin(dir, 'token');
  writeFileSync(file, `${jwt}\n`, { mode: 0o600 });
  // Chromium as its own uid (the test runs as root): nobody, with Chromium's sandbox.
  const rt = startRuntime({ LKB_TOKEN_FILE: file, LKB_CHROMIUM_UID: '65534' });
  const pid = await withTimeout('runtime publishing', rt.ready, 120_000);
  // crashpad and the renderer start a little after the first frame; wait until the tree is complete.
  const ps = await waitFor(
    'whole process tree up',
    () => {
      const t = tree(pid);
      return t.some((p) => p.comm.startsWith('chrome_crashpad')) &&
        t.some((p) => p.cmdline.join(' ').includes('--type=renderer'))
        ? t
        : undefined;
    },
    30_000,
    200,
  ).catch((e: Error) => {
    throw new Error(
      `${e.message}: ${tree(pid)
        .map((p) => `${p.pid}/${p.ppid}/${p.sid} ${p.comm} ${p.cmdline.slice(0, 2).join(' ')}`)
        .join('\n')}`,
    );
  });
  try {
    assertClean(ps, [jwt, sfu.apiSecret], pid);

    // Chromium's child processes rewrite their cmdline into one string; the browser process keeps its argv.
    const chromium = ps.find((p) => p.comm === 'chromium' && !p.cmdline.join(' ').includes('--type='));
    assert.ok(chromium, 'the Chromium browser process');
    const argv = chromium.cmdline;
    assert.equal(argv.at(-2), '--', 'switches end before the URL');
    assert.equal(argv.at(-1), `${pages.base}/solid?session=page-secret`);
    assert.ok(
      argv.some((a) => /^--proxy-server=http:\/\/127\.0\.0\.1:\d+$/.test(a)),
      'egress proxy',
    );
    assert.ok(argv.includes('--proxy-bypass-list=<-loopback>'));
    assert.ok(argv.includes('--force-webrtc-ip-handling-policy=disable_non_proxied_udp'));

    const xvfb = ps.find((p) => p.comm === 'Xvfb') as ProcInfo;
    const xargs = xvfb.cmdline;
    assert.ok(xargs.includes('-auth') && xargs[xargs.indexOf('-extension') + 1] === 'XTEST', xargs.join(' '));
    const cenv = envOf(chromium);
    assert.ok(cenv.DISPLAY && cenv.XAUTHORITY, 'Chromium gets the display and its cookie');
    const noCookie = spawnSync('/usr/bin/xdpyinfo', ['-display', cenv.DISPLAY], {
      env: { PATH: '/usr/bin:/bin', XAUTHORITY: '/nonexistent' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.notEqual(noCookie.status, 0, 'a client without the cookie is refused');
    const withCookie = spawnSync('/usr/bin/xdpyinfo', ['-display', cenv.DISPLAY, '-queryExtensions'], {
      env: { PATH: '/usr/bin:/bin', XAUTHORITY: cenv.XAUTHORITY },
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(withCookie.status, 0, withCookie.stderr);
    assert.match(withCookie.stdout, /MIT-SHM/);
    assert.doesNotMatch(withCookie.stdout, /XTEST/);

    // Chromium runs apart from Node: its own uid, renderers in Chromium's sandbox (seccomp-bpf, own pid namespace),
    // and it cannot read the runtime's /proc entries.
    const uidOf = (p: ProcInfo): number =>
      Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'))?.[1]);
    const node = ps.find((p) => p.pid === pid) as ProcInfo;
    const chromes = ps.filter((p) => p.comm === 'chromium');
    assert.ok(chromes.length >= 3);
    for (const c of chromes) assert.equal(uidOf(c), 65534, `chromium ${c.pid} runs as 65534`);
    assert.notEqual(uidOf(node), 65534);
    const renderers = chromes.filter((p) => p.cmdline.join(' ').includes('--type=renderer'));
    assert.ok(renderers.length >= 1);
    for (const r of renderers) {
      const st = readFileSync(`/proc/${r.pid}/status`, 'utf8');
      assert.match(st, /^Seccomp:\s+2$/m, `renderer ${r.pid} under seccomp-bpf`);
      assert.match(st, /^NSpid:\s+\d+\s+\d+/m, `renderer ${r.pid} in its own pid namespace`);
    }
    assert.ok(!chromium.cmdline.includes('--no-sandbox'), 'Chromium runs with its sandbox');
    const peek = spawnSync('/bin/cat', [`/proc/${pid}/environ`], { uid: 65534, gid: 65534, encoding: 'utf8' });
    assert.notEqual(peek.status, 0, 'the Chromium uid cannot read the runtime environment');

    // /status does not reveal the page URL's query string.
    const port = Number(rt.logs.map((l) => /"port":(\d+).*status server listening/.exec(l)?.[1]).find((x) => x) ?? 0);
    const st = (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as {
      url: string;
      sandbox?: { enabled: boolean; detail: string };
    };
    assert.equal(st.url, `${pages.base}/solid`);
    // ... and reports the sandbox it runs in, for the operator (Sandboxed condition) and Prometheus
    assert.deepEqual(st.sandbox, { enabled: true, detail: 'on: user, pid and net namespaces work for this uid' });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /^lkb_chromium_sandbox 1$/m);
  } finally {
    await stop(rt.proc);
  }
});

test('API secret in the runtime environment: it reaches no child process', { timeout: 180_000 }, async () => {
  const rt = startRuntime({
    LIVEKIT_ROOM: 'scan-room-2',
    LIVEKIT_API_KEY: sfu.apiKey,
    LIVEKIT_API_SECRET: sfu.apiSecret,
  });
  const pid = await withTimeout('runtime publishing', rt.ready, 120_000);
  const ps = await waitFor(
    'whole process tree up',
    () => {
      const t = tree(pid);
      return t.some((p) => p.comm.startsWith('chrome_crashpad')) ? t : undefined;
    },
    30_000,
    200,
  );
  try {
    const node = ps.find((p) => p.pid === pid) as ProcInfo;
    assert.ok(node.environ.includes(sfu.apiSecret), 'precondition: the scan sees the secret where it is');
    assertClean(
      ps.filter((p) => p.pid !== pid),
      [sfu.apiSecret],
      pid,
    );
  } finally {
    await stop(rt.proc);
  }
});

test('CEF engine: the API secret reaches no CEF process; environments are allowlisted; egress via the proxy', {
  timeout: 180_000,
}, async () => {
  const rt = startRuntime({
    LKB_ENGINE: 'cef',
    LIVEKIT_ROOM: 'scan-room-cef',
    LIVEKIT_API_KEY: sfu.apiKey,
    LIVEKIT_API_SECRET: sfu.apiSecret,
  });
  const pid = await withTimeout('runtime publishing', rt.ready, 120_000);
  const ps = await waitFor(
    'CEF process tree up (browser process, zygote children, network service)',
    () => {
      // Renderers are forks of a zygote and keep its cmdline: wait for a child of a zygote and the network service.
      const t = tree(pid);
      const zygotes = new Set(t.filter((p) => p.cmdline.join(' ').includes('--type=zygote')).map((p) => p.pid));
      return t.some((p) => zygotes.has(p.ppid)) && t.some((p) => p.cmdline.join(' ').includes('--type=utility'))
        ? t
        : undefined;
    },
    30_000,
    200,
  ).catch((e: Error) => {
    throw new Error(
      `${e.message}: ${tree(pid)
        .map((p) => `${p.pid}/${p.ppid} ${p.comm} ${p.cmdline.slice(0, 3).join(' ')}`)
        .join('\n')}`,
    );
  });
  try {
    const node = ps.find((p) => p.pid === pid) as ProcInfo;
    assert.ok(node.environ.includes(sfu.apiSecret), 'precondition: the scan sees the secret where it is');
    assertClean(
      ps.filter((p) => p.pid !== pid),
      [sfu.apiSecret],
      pid,
      'cef',
    );
    const host = ps.find((p) => p.comm === 'lkb-cef-host' && !p.cmdline.join(' ').includes('--type='));
    assert.ok(host, 'the CEF browser process (lkb-cef-host)');
    const i = host.cmdline.indexOf('--proxy-server');
    assert.match(host.cmdline[i + 1] ?? '', /^http:\/\/127\.0\.0\.1:\d+$/, 'egress proxy');
    // The URL is an argument value, never a switch CEF could parse.
    assert.equal(host.cmdline[host.cmdline.indexOf('--url') + 1], `${pages.base}/solid?session=page-secret`);
  } finally {
    await stop(rt.proc);
  }
});
