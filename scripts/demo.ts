// One-command local demo:  npm run demo [-- --url <page> --port <n> --room <name> --json]
//
// Without LIVEKIT_URL: starts a LiveKit server on this machine — the real livekit-server when it is built
// (scripts/tools/livekit-server.sh, run by scripts/setup.sh), else the lkbrowser test server (a LiveKit-protocol SFU);
// LKB_TEST_SFU=testserver picks the test server. With LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET set it uses
// that server and starts none.
// Then: a demo page server on 127.0.0.1 (unless --url), the runtime (child `node runtime/src/main.ts`) showing the
// page, and the viewer web app on 127.0.0.1 (static files + `/token?identity=…` minting viewer tokens).
// Prints ONE line with the address to open (or one JSON line with --json). Ctrl-C / SIGTERM stops everything.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  statSync,
  type WriteStream,
} from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError, type OptionSpec, parseOptions } from '@lkbrowser/cli';
import { livekitServerBinary, SFU_SWITCH, sfuKind, startLiveKitServer } from '@lkbrowser/testkit';
import { startTestServer } from '@lkbrowser/testserver';
import { AccessToken } from 'livekit-server-sdk';
import { pino } from 'pino';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const VIEWER_PUBLIC = join(ROOT, 'viewer', 'public');
const DEMO_PAGE_DIR = join(ROOT, 'viewer', 'demo');
// LKB_DEMO_RUNTIME: another runtime entry script (development of the runtime itself)
const RUNTIME_MAIN = process.env.LKB_DEMO_RUNTIME
  ? resolve(process.env.LKB_DEMO_RUNTIME)
  : join(ROOT, 'runtime', 'src', 'main.ts');
const RUNTIME_IDENTITY = 'browser';
const DEFAULT_PORT = 8090;

export interface DemoOptions {
  /** page the browser opens; default: the built-in demo page */
  pageUrl?: string;
  /** viewer HTTP port; default 8090 (falls back to a free port when taken); 0 = any free port */
  port?: number;
  room?: string;
  width?: number;
  height?: number;
  fps?: number;
  /** rebuild viewer/public/viewer.js first (default true) */
  build?: boolean;
  /** where the runtime's (and test server's) logs go; default .lkb-tmp/demo-<pid>.log */
  logFile?: string;
  /** LiveKit server; default from LIVEKIT_URL/LIVEKIT_API_KEY/LIVEKIT_API_SECRET, else a local one */
  livekit?: { url: string; apiKey: string; apiSecret: string };
  /** Which local server: 'auto' (default; $LKB_TEST_SFU=testserver forces the test server) = livekit-server when built */
  localServer?: LocalServerChoice;
  /** how long to wait for the runtime to become ready */
  readyTimeoutMs?: number;
}

export interface Demo {
  viewerUrl: string;
  pageUrl: string;
  /** origin of the built-in demo page server (GET/POST /state), or null with a custom --url */
  pageServerUrl: string | null;
  livekitUrl: string;
  room: string;
  runtimeIdentity: string;
  runtimePid: number | undefined;
  localLivekit: boolean;
  /** The local server started: "livekit-server 1.13.5" / "testserver (…)"; null when LIVEKIT_URL was used. */
  localServer: string | null;
  logFile: string;
  close(): Promise<void>;
}

export type LocalServerChoice = 'auto' | 'livekit-server' | 'testserver';

interface LocalServer {
  label: string;
  url: string;
  apiKey: string;
  apiSecret: string;
  close(): Promise<void>;
}

// ---- small HTTP helpers ----

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

function serveStatic(dir: string, pathname: string, res: ServerResponse): void {
  let rel = decodeURIComponent(pathname);
  if (rel.endsWith('/')) rel += 'index.html';
  const file = normalize(join(dir, rel));
  if (!file.startsWith(dir + sep) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': 'no-store',
  });
  res.end(readFileSync(file));
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((ok, fail) => {
    const onError = (err: Error) => fail(err);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      const a = server.address();
      ok(typeof a === 'object' && a ? a.port : port);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((ok) => {
    server.close(() => ok());
    server.closeAllConnections();
  });
}

/**
 * Copies the runtime's stdout/stderr (pino JSON lines) into the log file and resolves with the port of its status
 * server from its "status server listening" line.
 */
function watchRuntimeLog(child: ChildProcess, log: WriteStream): Promise<number> {
  return new Promise((ok, fail) => {
    let buf = '';
    let found = false;
    const scan = (d: Buffer) => {
      log.write(d);
      if (found) return;
      buf += d.toString('utf8');
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        nl = buf.indexOf('\n');
        if (!line.includes('status server listening')) continue;
        try {
          const port = (JSON.parse(line) as { port?: unknown }).port;
          if (typeof port === 'number') {
            found = true;
            buf = '';
            ok(port);
            return;
          }
        } catch (err) {
          log.write(`demo: unparsable runtime log line (${String(err)})\n`);
        }
      }
    };
    child.stdout?.on('data', scan);
    child.stderr?.on('data', scan);
    child.once('exit', () => {
      if (!found) fail(new Error('runtime exited before its status server listened'));
    });
  });
}

function readBody(req: IncomingMessage, limit = 64 * 1024): Promise<string> {
  return new Promise((ok, fail) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        fail(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => ok(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}

// ---- servers ----

/** The built-in demo page (viewer/demo) + `/state`: the page POSTs what it received, tests GET it. */
export async function startPageServer(): Promise<{ url: string; server: Server }> {
  let state = '{}';
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname === '/state') {
      if (req.method === 'POST') {
        readBody(req).then(
          (body) => {
            JSON.parse(body); // only keep valid JSON
            state = body;
            res.writeHead(204).end();
          },
          (err: unknown) => res.writeHead(400, { 'content-type': 'text/plain' }).end(`${String(err)}\n`),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(state);
      return;
    }
    serveStatic(DEMO_PAGE_DIR, u.pathname, res);
  });
  const port = await listen(server, 0);
  return { url: `http://127.0.0.1:${port}/`, server };
}

const IDENTITY_RE = /^[A-Za-z0-9_.@-]{1,64}$/;

/**
 * Viewer app (viewer/public) + `/token?identity=` → {url, token, room, browserIdentity}: `browserIdentity` (when
 * given) is the runtime's identity, which the viewer then pins (only that participant is treated as the browser).
 */
export async function startViewerServer(
  port: number,
  lk: { url: string; apiKey: string; apiSecret: string },
  room: string,
  browserIdentity?: string,
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname === '/token') {
      const identity = u.searchParams.get('identity') ?? '';
      if (!IDENTITY_RE.test(identity) || identity === RUNTIME_IDENTITY) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('identity: 1-64 of [A-Za-z0-9_.@-], not "browser"\n');
        return;
      }
      const at = new AccessToken(lk.apiKey, lk.apiSecret, { identity, name: identity, ttl: '2h' });
      at.addGrant({ roomJoin: true, room, canSubscribe: true, canPublish: false, canPublishData: true });
      at.toJwt().then(
        (token) =>
          res
            .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
            .end(JSON.stringify({ url: lk.url, token, room, browserIdentity })),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`),
      );
      return;
    }
    serveStatic(VIEWER_PUBLIC, u.pathname, res);
  });
  let bound: number;
  try {
    bound = await listen(server, port);
  } catch (err) {
    if (port !== DEFAULT_PORT || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    bound = await listen(server, 0); // default port taken: any free one
  }
  return { url: `http://127.0.0.1:${bound}/`, server };
}

/**
 * Which local server the demo starts (pure): the real livekit-server when it is built, else the test server.
 * An explicit 'livekit-server' that is not built is an error, not a fallback.
 */
export function chooseLocalServer(
  choice: LocalServerChoice,
  livekitBuilt: boolean,
  env: NodeJS.ProcessEnv,
): 'livekit-server' | 'testserver' {
  if (choice === 'auto' && env[SFU_SWITCH]) return sfuKind(env);
  if (choice === 'testserver') return 'testserver';
  if (choice === 'livekit-server' || livekitBuilt) return 'livekit-server';
  return 'testserver';
}

function livekitBuilt(): boolean {
  try {
    livekitServerBinary();
    return true;
  } catch {
    return false; // not built (no Go toolchain at setup): the test server stands in, and the ready line says so
  }
}

async function startLocalLivekit(logFile: string, choice: LocalServerChoice): Promise<LocalServer> {
  const log = createWriteStream(logFile, { flags: 'a' });
  const closeLog = () => new Promise<void>((ok) => log.end(() => ok()));
  try {
    if (chooseLocalServer(choice, choice === 'testserver' ? false : livekitBuilt(), process.env) === 'livekit-server') {
      const s = await startLiveKitServer({ onLog: (l) => log.write(`[livekit-server] ${l}\n`) });
      return {
        label: `livekit-server ${s.version}`,
        url: s.url,
        apiKey: s.apiKey,
        apiSecret: s.apiSecret,
        close: () => s.close().then(closeLog),
      };
    }
    const logger = pino({ level: process.env.TESTSERVER_LOG_LEVEL ?? 'info' }, log);
    const ts = await startTestServer({ host: '127.0.0.1', port: 0, logger });
    return {
      label: 'testserver (the lkbrowser test SFU)',
      url: ts.url,
      apiKey: ts.apiKey,
      apiSecret: ts.apiSecret,
      close: () => ts.close().then(closeLog),
    };
  } catch (err) {
    await closeLog();
    throw err;
  }
}

// ---- runtime child ----

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch (err) {
    return `(no log: ${String(err)})`;
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((ok) => {
    const t = setTimeout(() => ok(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      ok(true);
    });
  });
}

/** Stops the runtime: SIGTERM (it cleans up Chromium/Xvfb/PulseAudio), then SIGKILL its process group. */
async function stopRuntime(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  if (!exited(child)) {
    child.kill('SIGTERM');
    if (!(await waitExit(child, 15000))) child.kill('SIGKILL');
    await waitExit(child, 5000);
  }
  // Anything left in its process group (it was started detached = its own group) goes too.
  try {
    process.kill(-pid, 'SIGKILL');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

async function waitReady(
  child: ChildProcess,
  portP: Promise<number>,
  timeoutMs: number,
  logFile: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  let metricsPort = 0;
  portP.then(
    (p) => {
      metricsPort = p;
    },
    (err: unknown) => {
      last = String(err);
    },
  );
  while (Date.now() < deadline) {
    if (exited(child)) {
      throw new Error(
        `runtime exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready; log ${logFile}:\n${tail(logFile)}`,
      );
    }
    if (metricsPort === 0) {
      await sleep(100);
      continue;
    }
    try {
      const r = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
      if (r.ok) return;
      last = `readyz HTTP ${r.status}`;
    } catch (err) {
      last = String(err);
    }
    await sleep(250);
  }
  throw new Error(`runtime not ready after ${timeoutMs} ms (${last}); log ${logFile}:\n${tail(logFile)}`);
}

// ---- the demo ----

export async function startDemo(opts: DemoOptions = {}): Promise<Demo> {
  const cleanups: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch (err) {
        process.stderr.write(`demo: cleanup failed: ${String(err)}\n`);
      }
    }
  };
  try {
    const logDir = join(ROOT, '.lkb-tmp');
    mkdirSync(logDir, { recursive: true });
    const logFile = opts.logFile ?? join(logDir, `demo-${process.pid}.log`);
    if (opts.build !== false) {
      const b = spawnSync(process.execPath, [join(ROOT, 'viewer', 'build.ts')], { cwd: ROOT, encoding: 'utf8' });
      if (b.status !== 0) throw new Error(`viewer build failed:\n${b.stdout}${b.stderr}`);
    }
    if (!existsSync(RUNTIME_MAIN)) throw new Error(`the runtime CLI ${RUNTIME_MAIN} does not exist (yet)`);
    if (!existsSync(join(VIEWER_PUBLIC, 'viewer.js')))
      throw new Error('viewer/public/viewer.js missing: run npm run build -w viewer');

    let lk = opts.livekit;
    const env = process.env;
    if (!lk && env.LIVEKIT_URL) {
      if (!env.LIVEKIT_API_KEY || !env.LIVEKIT_API_SECRET)
        throw new Error('LIVEKIT_URL is set: LIVEKIT_API_KEY and LIVEKIT_API_SECRET are needed too');
      lk = { url: env.LIVEKIT_URL, apiKey: env.LIVEKIT_API_KEY, apiSecret: env.LIVEKIT_API_SECRET };
    }
    const localLivekit = !lk;
    let localServer: string | null = null;
    if (!lk) {
      const ls = await startLocalLivekit(logFile, opts.localServer ?? 'auto');
      cleanups.push(() => ls.close());
      lk = { url: ls.url, apiKey: ls.apiKey, apiSecret: ls.apiSecret };
      localServer = ls.label;
    }
    const room = opts.room ?? `demo-${Math.random().toString(36).slice(2, 8)}`;

    let pageUrl = opts.pageUrl;
    let pageServerUrl: string | null = null;
    if (!pageUrl) {
      const ps = await startPageServer();
      cleanups.push(() => closeServer(ps.server));
      pageUrl = ps.url;
      pageServerUrl = ps.url;
    }

    const viewer = await startViewerServer(opts.port ?? DEFAULT_PORT, lk, room, RUNTIME_IDENTITY);
    cleanups.push(() => closeServer(viewer.server));

    const logStream = createWriteStream(logFile, { flags: 'a' });
    // (cleanups run in reverse: this one after the runtime has stopped and written its last lines)
    cleanups.push(() => new Promise<void>((ok) => logStream.end(() => ok())));
    const child = spawn(process.execPath, [RUNTIME_MAIN], {
      cwd: ROOT,
      detached: true, // own process group: Ctrl-C reaches only the demo, which stops the runtime in order
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        LIVEKIT_TOKEN: undefined, // a token from the caller's env would override the minted one (other room/identity)
        LIVEKIT_URL: lk.url,
        LIVEKIT_ROOM: room,
        LIVEKIT_IDENTITY: RUNTIME_IDENTITY,
        LIVEKIT_API_KEY: lk.apiKey,
        LIVEKIT_API_SECRET: lk.apiSecret,
        LKB_URL: pageUrl,
        LKB_WIDTH: String(opts.width ?? 1280),
        LKB_HEIGHT: String(opts.height ?? 720),
        LKB_FRAMERATE: String(opts.fps ?? 30),
        // the demo page is on 127.0.0.1; allow navigating there (and to the user's other local pages)
        LKB_NAV_ALLOW_PRIVATE_NETWORKS: 'true',
        // ephemeral status port on loopback; the runtime logs which one it got
        LKB_METRICS_PORT: '0',
        LKB_METRICS_HOST: '127.0.0.1',
      },
    });
    const metricsPort = watchRuntimeLog(child, logStream);
    const onExit = () => {
      // The demo process is going away without close(): do not leave the runtime behind.
      if (child.pid !== undefined && !exited(child)) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch (err) {
          process.stderr.write(`demo: could not kill runtime group: ${String(err)}\n`);
        }
      }
    };
    process.on('exit', onExit);
    cleanups.push(async () => {
      process.off('exit', onExit);
      await stopRuntime(child);
    });
    await waitReady(child, metricsPort, opts.readyTimeoutMs ?? 120000, logFile);

    return {
      viewerUrl: viewer.url,
      pageUrl,
      pageServerUrl,
      livekitUrl: lk.url,
      room,
      runtimeIdentity: RUNTIME_IDENTITY,
      runtimePid: child.pid,
      localLivekit,
      localServer,
      logFile,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

// ---- CLI ----

const USAGE = `Usage: npm run demo [-- --url <page>] [--port <n>] [--room <name>] [--json]
  --url <page>   page the remote browser opens (default: a built-in interactive demo page)
  --port <n>     viewer HTTP port on 127.0.0.1 (default ${DEFAULT_PORT}, 0 = any)
  --room <name>  LiveKit room (default demo-<random>)
  --json         print one JSON line {viewerUrl,pageUrl,...} instead of the sentence
Env: LIVEKIT_URL + LIVEKIT_API_KEY + LIVEKIT_API_SECRET use that server instead of a local one (the local one is
livekit-server when scripts/setup.sh built it, else the lkbrowser test server; LKB_TEST_SFU=testserver forces the latter).`;

const OPTIONS = {
  url: { flag: 'url', kind: 'string', help: 'page' },
  port: { flag: 'port', kind: 'string', help: 'viewer port' },
  room: { flag: 'room', kind: 'string', help: 'room' },
  json: { flag: 'json', kind: 'boolean', help: 'JSON output' },
  build: { flag: 'build', kind: 'boolean', help: 'build the viewer bundle first (--no-build skips it)' },
} as const satisfies Record<string, OptionSpec>;

function parseArgs(argv: string[]): { opts: DemoOptions; json: boolean } | string {
  let o: ReturnType<typeof parseOptions<keyof typeof OPTIONS>>;
  try {
    o = parseOptions(OPTIONS, {}, argv);
  } catch (e) {
    if (e instanceof CliError) return `${e.message}\n${USAGE}`;
    throw e;
  }
  if (o.help) return USAGE;
  const opts: DemoOptions = {};
  if (o.strings.url !== undefined) opts.pageUrl = o.strings.url;
  if (o.strings.port !== undefined) opts.port = /^\d+$/.test(o.strings.port) ? Number(o.strings.port) : Number.NaN;
  if (o.strings.room !== undefined) opts.room = o.strings.room;
  if (o.booleans.build === false) opts.build = false;
  const json = o.booleans.json ?? false;
  if (opts.port !== undefined && !(Number.isInteger(opts.port) && opts.port >= 0 && opts.port < 65536))
    return `bad --port\n${USAGE}`;
  if (opts.pageUrl !== undefined) {
    try {
      new URL(opts.pageUrl);
    } catch {
      return `--url: not an absolute URL: ${opts.pageUrl}`;
    }
  }
  return { opts, json };
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (err) {
    parsed = String(err instanceof Error ? err.message : err);
  }
  if (typeof parsed === 'string') {
    process.stderr.write(`${parsed}\n`);
    process.exit(parsed === USAGE ? 0 : 2);
  }
  let demo: Demo | null = null;
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) {
      process.stderr.write(`demo: ${sig} again, exiting now\n`);
      process.exit(130);
    }
    stopping = true;
    const d = demo;
    if (!d) return; // still starting: startDemo's failure path / the check below cleans up
    process.stderr.write('demo: stopping…\n');
    d.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`demo: stop failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.stderr.write('demo: starting (LiveKit, page, runtime, viewer)…\n');
  try {
    demo = await startDemo(parsed.opts);
  } catch (err) {
    process.stderr.write(`demo: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  if (stopping) {
    await demo.close();
    process.exit(0);
  }
  if (parsed.json) {
    const { close: _close, ...info } = demo;
    process.stdout.write(`${JSON.stringify(info)}\n`);
  } else {
    process.stdout.write(
      `lkbrowser demo ready: open ${demo.viewerUrl} (Chromium shows ${demo.pageUrl}; room ${demo.room}${demo.localServer ? ` on a local ${demo.localServer} at ${demo.livekitUrl}` : ` on ${demo.livekitUrl}`}) — Ctrl-C to stop\n`,
    );
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(new URL(import.meta.url).pathname)) {
  await main();
}
