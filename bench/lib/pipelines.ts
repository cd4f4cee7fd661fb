// The pipelines under test, each as its own child process (so its CPU/memory is its process tree):
//  - ours: the runtime CLI as the image runs it (its bundle, runtime/entry-points.ts) if present, else bench/ours-publisher.ts (engine + the runtime's
//    session module); BENCH_OURS=runtime|direct forces one. Engine: Chromium under Xvfb (LKB_ENGINE=chromium).
//  - cef: the same as ours with the CEF engine (LKB_ENGINE=cef, native/cef-host).
//  - screencast: bench/screencast-publisher.ts (headless Chromium + Page.startScreencast JPEG + sharp + rtc-node).
//  - baseline (only when BENCH_PIPELINES names it): the runtime CLI as it is at the git ref BENCH_BASELINE_REF
//    (default main), its runtime/src extracted under bench/results/ and run against this checkout's engine, for
//    before/after figures in one run.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import {
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
import { freshBundle } from '@lkbrowser/runtime/entry-points';

export type PipelineKind = 'ours' | 'cef' | 'screencast' | 'baseline';
const DEFAULT_KINDS: readonly PipelineKind[] = ['ours', 'cef', 'screencast'];
export const ALL_KINDS: readonly PipelineKind[] = [...DEFAULT_KINDS, 'baseline'];
/** ours, cef, screencast by default; BENCH_PIPELINES=ours,cef (say) runs only those (ratios need ours). */
export const KINDS: readonly PipelineKind[] = (process.env.BENCH_PIPELINES ?? DEFAULT_KINDS.join(','))
  .split(',')
  .filter((k): k is PipelineKind => ALL_KINDS.some((a) => a === k));

/** Pipelines that are our runtime (either engine): input arrives as room packets after browser/request-focus. */
export function isRuntime(k: PipelineKind): boolean {
  return k !== 'screencast';
}

/** The engine a runtime pipeline runs (LKB_ENGINE), set explicitly so an inherited LKB_ENGINE cannot swap it. */
export function engineOf(k: PipelineKind): 'chromium' | 'cef' | undefined {
  return k === 'ours' || k === 'baseline' ? 'chromium' : k === 'cef' ? 'cef' : undefined;
}

/** The baseline runtime's main.ts: runtime/src at BENCH_BASELINE_REF, extracted once into bench/results/. */
function baselineMain(): string {
  const ref = process.env.BENCH_BASELINE_REF ?? 'main';
  const sha = execFileSync('git', ['-C', REPO, 'rev-parse', '--verify', `${ref}^{commit}`], {
    encoding: 'utf8',
  }).trim();
  // inside the checkout, so its imports of @lkbrowser/* and @livekit/rtc-node resolve to this checkout's node_modules
  const dir = `${REPO}bench/results/baseline-${sha.slice(0, 12)}`;
  const main = `${dir}/runtime/src/main.ts`;
  if (!existsSync(main)) {
    mkdirSync(dir, { recursive: true });
    const tar = execFileSync('git', ['-C', REPO, 'archive', sha, 'runtime/src']);
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
    log.info({ ref, sha, dir }, 'baseline runtime extracted');
  }
  return main;
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
  /** Headers a DevTools client needs there (the runtime's automation endpoint wants its bearer token). */
  cdpHeaders: Record<string, string> | undefined;
  framesPublished(): Promise<number>;
  /** Runtime CLI: wall ms at which each start-up step ended (lkb_startup_step_timestamp_seconds); else {}. */
  startupSteps(): Promise<Record<string, number>>;
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

/** The bench's token for the runtime's automation endpoint (the way to its Chromium: DevTools is a pipe). */
const AUTOMATION_TOKEN = `bench-automation-${randomBytes(16).toString('hex')}`;

export async function startPipeline(kind: PipelineKind, o: PipelineOptions): Promise<Pipeline> {
  const mode =
    kind === 'screencast'
      ? 'screencast'
      : kind === 'baseline'
        ? 'runtime-cli'
        : o.direct
          ? 'engine+session'
          : oursMode();
  const metricsPort = mode === 'runtime-cli' ? await freePort() : 0;
  // The runtime CLI's Chromium is reached through its automation endpoint (scoped to the page, which is all a bench
  // needs: evaluate and input on that page).
  const automationPort = mode === 'runtime-cli' ? await freePort() : 0;
  const tokenFile = join(tmpdir(), `lkb-bench-token-${process.pid}-${automationPort}`);
  if (mode === 'runtime-cli') writeFileSync(tokenFile, AUTOMATION_TOKEN, { mode: 0o600 });
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
    ...(mode === 'runtime-cli'
      ? {
          LKB_AUTOMATION: 'true',
          LKB_AUTOMATION_HOST: '127.0.0.1',
          LKB_AUTOMATION_PORT: String(automationPort),
          LKB_AUTOMATION_TOKEN_FILE: tokenFile,
        }
      : {}),
    ...o.env,
  };
  const script =
    mode === 'screencast'
      ? 'bench/screencast-publisher.ts'
      : kind === 'baseline'
        ? baselineMain()
        : mode === 'runtime-cli'
          ? freshBundle()
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
    rmSync(tokenFile, { force: true });
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
    cdpHeaders: mode === 'runtime-cli' ? { Authorization: `Bearer ${AUTOMATION_TOKEN}` } : undefined,
    cdpEndpoint: () =>
      withTimeout(
        `${kind} CDP endpoint`,
        (async () => {
          for (;;) {
            const e = cdp ?? (mode === 'runtime-cli' ? `http://127.0.0.1:${automationPort}` : undefined);
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
    startupSteps: async () => {
      if (mode !== 'runtime-cli') return {};
      const out: Record<string, number> = {};
      const re = /^lkb_startup_step_timestamp_seconds\{step="([a-z_]+)"\} ([0-9.e+]+)$/gm;
      for (const m of (await metricsText()).matchAll(re)) out[m[1] as string] = Number(m[2]) * 1000;
      return out;
    },
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
