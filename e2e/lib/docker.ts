// Docker helpers for the e2e tests: build images through scripts/docker-build.sh, a /readyz wait strategy that
// works with `--network host` (testcontainers' HTTP wait needs a port binding, host networking has none).
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { BoundPorts, WaitStrategy } from 'testcontainers';

export const repoRoot = new URL('../..', import.meta.url).pathname;

/** Run a command, output to `logFile` (and kept in memory for the error message). Rejects with the log tail. */
export function runLogged(
  cmd: string,
  args: string[],
  logFile: string,
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  mkdirSync(join(logFile, '..'), { recursive: true });
  const out = createWriteStream(logFile);
  const tail: string[] = [];
  const keep = (b: Buffer) => {
    out.write(b);
    for (const line of b.toString('utf8').split('\n')) if (line.trim() !== '') tail.push(line);
    if (tail.length > 400) tail.splice(0, tail.length - 200);
  };
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
    }, timeoutMs);
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err) => {
      clearTimeout(timer);
      out.end();
      reject(new Error(`${cmd} ${args.join(' ')} could not start: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      out.end();
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}); full log ${logFile}; last lines:\n${tail.slice(-30).join('\n')}`,
          ),
        );
    });
  });
}

/** Build lkbrowser-<what>:<tag> (starts dockerd and imports the base image if needed). */
export async function buildImage(what: 'runtime' | 'runtime-cef' | 'operator', tag: string): Promise<string> {
  const log = join(repoRoot, '.lkb-tmp', `docker-build-${what}.log`);
  try {
    await runLogged('bash', ['scripts/docker-build.sh', what, tag], log, 40 * 60_000);
  } catch (err) {
    throw new Error(
      `Docker is required for the local e2e (daemon + image build), and it failed: ${(err as Error).message}`,
    );
  }
  return `lkbrowser-${what}:${tag}`;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function httpStatus(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const req = get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0)); // not listening yet: keep polling
  });
}

interface InspectableContainer {
  inspect(): Promise<{ State: { Status: string; ExitCode: number } }>;
}

/** Waits until GET http://127.0.0.1:<port><path> answers 200; fails early if the container exits. */
export class LoopbackHttpWait implements WaitStrategy {
  private timeoutMs = 120_000;
  private timeoutSet = false;
  private readonly port: number;
  private readonly path: string;

  constructor(port: number, path: string) {
    this.port = port;
    this.path = path;
  }

  async waitUntilReady(container: InspectableContainer, _boundPorts: BoundPorts): Promise<void> {
    const url = `http://127.0.0.1:${this.port}${this.path}`;
    const deadline = Date.now() + this.timeoutMs;
    let last = 0;
    while (Date.now() < deadline) {
      last = await httpStatus(url, 2000);
      if (last === 200) return;
      const state = (await container.inspect()).State;
      if (state.Status === 'exited' || state.Status === 'dead') {
        throw new Error(`container exited (code ${state.ExitCode}) before ${url} answered 200`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`${url} did not answer 200 within ${this.timeoutMs} ms (last status ${last || 'no answer'})`);
  }

  withStartupTimeout(ms: number): this {
    this.timeoutMs = ms;
    this.timeoutSet = true;
    return this;
  }

  isStartupTimeoutSet(): boolean {
    return this.timeoutSet;
  }

  getStartupTimeout(): number {
    return this.timeoutMs;
  }
}

/** Keeps the last `max` log lines of a container (for failure messages). */
export class LogTail {
  readonly lines: string[] = [];
  private readonly max: number;
  constructor(max = 200) {
    this.max = max;
  }
  consume = (stream: Readable): void => {
    stream.on('data', (b: Buffer | string) => {
      for (const line of b.toString().split('\n')) if (line.trim() !== '') this.lines.push(line);
      if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
    });
  };
  text(n = 60): string {
    return this.lines.slice(-n).join('\n');
  }
}
