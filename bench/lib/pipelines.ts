// The pipelines under test, each as its own child process (so its CPU/memory is its process tree):
//  - ours: the runtime CLI (runtime/src/main.ts) if present, else bench/ours-publisher.ts (engine + the runtime's
//    session module); BENCH_OURS=runtime|direct forces one. Engine: Chromium under Xvfb (LKB_ENGINE=chromium).
//  - cef: the same as ours with the CEF engine (LKB_ENGINE=cef, native/cef-host).
//  - screencast: bench/screencast-publisher.ts (headless Chromium + Page.startScreencast JPEG + sharp + rtc-node).
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import {
  cmdline,
  log,
  NODE,
  REPO,
  type Sfu,
  type SpawnedChild,
  sleep,
  spawnChild,
  stopChild,
  TreeMeter,
  trackPid,
  wallMs,
} from './common.ts';
import { processTree, withTimeout } from '@lkbrowser/testkit';

export type PipelineKind = 'ours' | 'cef' | 'screencast';
const ALL_KINDS: readonly PipelineKind[] = ['ours', 'cef', 'screencast'];
/** All three by default; BENCH_PIPELINES=ours,cef (say) runs only those (ratios need ours). */
export const KINDS: readonly PipelineKind[] = (process.env.BENCH_PIPELINES ?? ALL_KINDS.join(','))
  .split(',')
  .filter((k): k is PipelineKind => ALL_KINDS.some((a) => a === k));

/** Pipelines that are our runtime (either engine): input arrives as room packets after browser/request-focus. */
export function isRuntime(k: PipelineKind): boolean {
  return k !== 'screencast';
}

/** The engine a runtime pipeline runs (LKB_ENGINE), set explicitly so an inherited LKB_ENGINE cannot swap it. */
export function engineOf(k: PipelineKind): 'chromium' | 'cef' | undefined {
  return k === 'ours' ? 'chromium' : k === 'cef' ? 'cef' : undefined;
}

export interface PipelineOptions {
  sfu: Sfu;
  room: string;
  identity: string;
  url: string;
  width: number;
  height: number;
  fps: number;
  /** Hard lifetime of the child (s). */
  maxSeconds?: number;
  /** Extra environment of the child (e.g. LKB_VIDEO_CODEC, BENCH_TAP_FILE). */
  env?: Record<string, string>;
  /** Ours as engine + session in one process (bench/ours-publisher.ts) whatever BENCH_OURS says. */
  direct?: boolean;
}

export interface Pipeline {
  kind: PipelineKind;
  /** 'runtime-cli' | 'engine+session' | 'screencast' */
  mode: string;
  identity: string;
  pid: number;
  /** wall-clock ms just before spawn() */
  spawnedAt: number;
  /** wall-clock ms when the first video frame was handed to the VideoSource */
  firstFrame: Promise<number>;
  cdpEndpoint(): Promise<string>;
  framesPublished(): Promise<number>;
  /** The child's last stats line (direct mode and screencast: published frames, the publisher's outbound-rtp). */
  lastStats(): Record<string, unknown> | undefined;
  meter(): TreeMeter;
  /** Stops the child and its whole tree; returns its final stats line if any. */
  stop(): Promise<Record<string, unknown> | undefined>;
}

export function oursMode(): 'runtime-cli' | 'engine+session' {
  const forced = process.env.BENCH_OURS;
  if (forced === 'runtime') return 'runtime-cli';
  if (forced === 'direct') return 'engine+session';
  return existsSync(`${REPO}runtime/src/main.ts`) ? 'runtime-cli' : 'engine+session';
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const addr = s.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** The CDP endpoint of the (headful or headless) Chromium browser process under root, via its DevToolsActivePort. */
function discoverCdp(root: number): string | undefined {
  for (const pid of processTree(root)) {
    const cmd = cmdline(pid);
    if (!cmd.includes('chromium') || cmd.includes('--type=') || !cmd.includes('--remote-debugging-port')) continue;
    const dir = cmd.match(/--user-data-dir=(\S+)/)?.[1];
    if (!dir) continue;
    try {
      const port = readFileSync(`${dir}/DevToolsActivePort`, 'utf8').split('\n')[0]?.trim();
      if (port) return `http://127.0.0.1:${port}`;
    } catch {
      // not written yet
    }
  }
  return undefined;
}

/** TCP ports a process listens on at 127.0.0.1 (/proc/<pid>/net/tcp rows in LISTEN whose inode is one of its fds). */
function loopbackListenPorts(pid: number): number[] {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m?.[1]) inodes.add(m[1]);
    }
    const ports: number[] = [];
    for (const row of readFileSync(`/proc/${pid}/net/tcp`, 'utf8').split('\n').slice(1)) {
      const f = row.trim().split(/\s+/);
      const [addr, port] = (f[1] ?? '').split(':');
      if (f[3] === '0A' && addr === '0100007F' && port && inodes.has(f[9] ?? '')) ports.push(Number.parseInt(port, 16));
    }
    return ports;
  } catch (e) {
    log.debug({ pid, err: (e as Error).message }, 'listen ports not readable (process gone?)');
    return [];
  }
}

/** CEF's DevTools endpoint: the port the CEF browser process (lkb-cef-host without --type=) listens on. */
function discoverCefCdp(root: number): string | undefined {
  for (const pid of processTree(root)) {
    const cmd = cmdline(pid);
    if (!/(^|\/)lkb-cef-host( |$)/.test(cmd) || cmd.includes('--type=')) continue;
    const [port] = loopbackListenPorts(pid);
    if (port) return `http://127.0.0.1:${port}`;
  }
  return undefined;
}

export async function startPipeline(kind: PipelineKind, o: PipelineOptions): Promise<Pipeline> {
  const mode = kind === 'screencast' ? 'screencast' : o.direct ? 'engine+session' : oursMode();
  const metricsPort = mode === 'runtime-cli' ? await freePort() : 0;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LIVEKIT_URL: o.sfu.url,
    LIVEKIT_ROOM: o.room,
    LIVEKIT_IDENTITY: o.identity,
    LIVEKIT_API_KEY: o.sfu.apiKey,
    LIVEKIT_API_SECRET: o.sfu.apiSecret,
    LKB_URL: o.url,
    LKB_WIDTH: String(o.width),
    LKB_HEIGHT: String(o.height),
    LKB_FRAMERATE: String(o.fps),
    // audio off on both sides by default (the screencast pipeline has none); BENCH_OURS_AUDIO=true measures ours with it
    LKB_AUDIO: isRuntime(kind) && process.env.BENCH_OURS_AUDIO === 'true' ? 'true' : 'false',
    LKB_ENGINE: engineOf(kind),
    LKB_NAV_ALLOW_PRIVATE_NETWORKS: 'true',
    LKB_METRICS_PORT: String(metricsPort),
    LKB_LOG_LEVEL: 'warn',
    LKB_MAX_DURATION_SECONDS: String(o.maxSeconds ?? 300),
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    BENCH_MAX_S: String(o.maxSeconds ?? 300),
    ...o.env,
  };
  const script =
    mode === 'screencast'
      ? 'bench/screencast-publisher.ts'
      : mode === 'runtime-cli'
        ? 'runtime/src/main.ts'
        : 'bench/ours-publisher.ts';
  const spawnedAt = wallMs();
  const child: SpawnedChild = spawnChild(NODE, [script], env, `${kind}:${o.identity}`);
  let cdp: string | undefined;
  let lastStats: Record<string, unknown> | undefined;
  let firstFrameResolve: (t: number) => void = () => undefined;
  const firstFrame = new Promise<number>((r) => {
    firstFrameResolve = r;
  });
  let failed: string | undefined;
  child.onLine((line) => {
    if (!line.startsWith('{"ev"')) return;
    let ev: Record<string, unknown>;
    try {
      ev = JSON.parse(line) as Record<string, unknown>;
    } catch (e) {
      log.debug({ line, err: (e as Error).message }, 'unparsable child line');
      return;
    }
    if (ev.ev === 'cdp') {
      cdp = ev.endpoint as string;
      if (typeof ev.chromiumPid === 'number') trackPid(ev.chromiumPid);
    } else if (ev.ev === 'first-frame') firstFrameResolve(ev.t as number);
    else if (ev.ev === 'stats') lastStats = ev;
    else if (ev.ev === 'error') {
      failed = String(ev.error);
      log.error({ kind, error: failed }, 'pipeline child reported an error');
    }
  });
  let seen: number[] = [];
  const remember = setInterval(() => {
    const t = processTree(child.pid);
    if (t.length) seen = [...new Set([...seen, ...t])];
  }, 1000);

  const metricsText = async (): Promise<string> => {
    const r = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(2000) });
    return r.text();
  };
  const runtimePublished = async (): Promise<number> => {
    const m = (await metricsText()).match(/^lkb_frames_published_total(?:\{[^}]*\})? (\d+(?:\.\d+)?)/m);
    return m ? Number(m[1]) : 0;
  };
  if (mode === 'runtime-cli') {
    // the CLI has no event lines: poll its /metrics for the first published frame
    void (async () => {
      const deadline = Date.now() + (o.maxSeconds ?? 300) * 1000;
      while (Date.now() < deadline && child.proc.exitCode === null) {
        try {
          if ((await runtimePublished()) > 0) {
            firstFrameResolve(wallMs());
            return;
          }
        } catch {
          // metrics server not up yet
        }
        await sleep(10);
      }
    })();
  }
  void child.exited.then((code) => {
    clearInterval(remember);
    if (code !== 0 && code !== null) {
      log.warn(
        { kind, code, stderr: child.stderrTail().slice(-1500), stdout: child.stdoutTail().slice(-3000) },
        'pipeline child exited',
      );
    }
  });

  return {
    kind,
    mode,
    identity: o.identity,
    pid: child.pid,
    spawnedAt,
    firstFrame: Promise.race([
      firstFrame,
      child.exited.then((c) => {
        throw new Error(
          `${kind} child exited (${c}) before its first frame: ${failed ?? child.stderrTail().slice(-1500)}`,
        );
      }),
    ]),
    cdpEndpoint: () =>
      withTimeout(
        `${kind} CDP endpoint`,
        (async () => {
          for (;;) {
            const e = cdp ?? (kind === 'cef' ? discoverCefCdp(child.pid) : discoverCdp(child.pid));
            if (e) return e;
            if (child.proc.exitCode !== null) throw new Error(`${kind} child exited`);
            await sleep(100);
          }
        })(),
        60_000,
      ),
    framesPublished: async () => {
      if (mode === 'runtime-cli') return runtimePublished();
      return Number(lastStats?.published ?? 0);
    },
    lastStats: () => lastStats,
    meter: () => new TreeMeter(child.pid, 'node'),
    stop: async () => {
      clearInterval(remember);
      const tree = [...new Set([...seen, ...processTree(child.pid)])].filter((p) => p !== child.pid);
      for (const p of tree) trackPid(p);
      await stopChild(child, 10_000, tree);
      return lastStats;
    },
  };
}
