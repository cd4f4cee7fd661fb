// The room server the room tests, the Docker e2e and the benchmarks run against. One switch: LKB_TEST_SFU.
// Default: the real LiveKit server (livekit-server, pinned in scripts/tools/versions.env). LKB_TEST_SFU=testserver:
// our werift test SFU (testserver/), e.g. on a machine without the Go-built server.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { type LiveKitServerOptions, livekitServerBinary, startLiveKitServer } from './livekit-server.ts';
import { withTimeout } from './wait.ts';

export const SFU_SWITCH = 'LKB_TEST_SFU';
export type SfuKind = 'livekit-server' | 'testserver';

/** Which server the switch selects (pure). Unknown values are an error, not a silent default. */
export function sfuKind(env: NodeJS.ProcessEnv = process.env): SfuKind {
  const v = env[SFU_SWITCH]?.trim() ?? '';
  if (v === '' || v === 'livekit-server' || v === 'livekit') return 'livekit-server';
  if (v === 'testserver') return 'testserver';
  throw new Error(`${SFU_SWITCH}=${v}: expected "livekit-server" (default) or "testserver"`);
}

export interface Sfu {
  readonly kind: SfuKind;
  readonly version: string;
  /** "livekit-server 1.13.5" / "testserver (werift test SFU)": what test output and bench tables name. */
  readonly label: string;
  readonly url: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  /** The server process (CPU/memory metering in the benchmarks). */
  pid(): number | undefined;
  logTail(lines?: number): string;
  /** SIGKILL: the server dies as in a crash. */
  kill(): Promise<void>;
  close(): Promise<void>;
}

const REPO = new URL('../../', import.meta.url).pathname;

/** The label of the selected server without starting it (one line per test run names it). */
export function describeSfu(env: NodeJS.ProcessEnv = process.env): string {
  const kind = sfuKind(env);
  if (kind === 'testserver') return `testserver (werift test SFU; ${SFU_SWITCH}=testserver)`;
  try {
    return `livekit-server ${livekitServerBinary().version} (${SFU_SWITCH}=testserver for the test SFU)`;
  } catch (e) {
    return `livekit-server, NOT AVAILABLE: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** Starts the server the switch selects. No fallback: a real server that cannot start fails with its reason. */
export async function startSfu(opts: LiveKitServerOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<Sfu> {
  if (sfuKind(env) === 'testserver') return await spawnTestServer(opts.apiKey, opts.apiSecret);
  const s = await startLiveKitServer(opts);
  return {
    kind: s.kind,
    version: s.version,
    label: `livekit-server ${s.version}`,
    url: s.url,
    apiKey: s.apiKey,
    apiSecret: s.apiSecret,
    pid: () => s.pid(),
    logTail: (n) => s.logTail(n),
    kill: () => s.kill(),
    close: () => s.close(),
  };
}

/** The werift test SFU in its own process (its sockets and CPU stay out of the test process). */
async function spawnTestServer(apiKey = 'devkey', apiSecret = randomBytes(24).toString('hex')): Promise<Sfu> {
  const proc: ChildProcess = spawn(
    process.execPath,
    [`${REPO}testserver/src/main.ts`, '--port', '0', '--api-key', apiKey, '--api-secret', apiSecret],
    {
      env: { ...process.env, LOG_LEVEL: process.env.LKB_TEST_SFU_LOG_LEVEL ?? 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const log: string[] = [];
  proc.stderr?.setEncoding('utf8').on('data', (c: string) => {
    log.push(...c.split('\n').filter(Boolean));
    if (log.length > 200) log.splice(0, log.length - 200);
    if (process.env.LKB_TEST_SFU_LOG === '1') process.stderr.write(c);
  });
  const logTail = (n = 30): string => log.slice(-n).join('\n');
  const exited = new Promise<void>((r) => proc.once('close', () => r()));
  const alive = (): boolean => proc.exitCode === null && proc.signalCode === null;
  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
    if (!alive()) return;
    proc.kill(signal);
    const t = setTimeout(() => alive() && proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };
  let url: string;
  try {
    url = await withTimeout(
      'testserver start',
      new Promise<string>((resolve, reject) => {
        const rl = createInterface({ input: proc.stdout as NonNullable<ChildProcess['stdout']> });
        rl.on('line', (l) => {
          if (l.startsWith('ws://')) resolve(l.trim());
        });
        void exited.then(() =>
          reject(new Error(`testserver exited early (${proc.exitCode ?? proc.signalCode}):\n${logTail()}`)),
        );
      }),
      60_000,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    kind: 'testserver',
    version: 'werift',
    label: 'testserver (werift test SFU)',
    url,
    apiKey,
    apiSecret,
    pid: () => (alive() ? proc.pid : undefined),
    logTail,
    kill: () => stop('SIGKILL'),
    close: () => stop('SIGTERM'),
  };
}
