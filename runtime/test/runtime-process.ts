// The runtime CLI as the image runs it (its bundle, built fresh from src/) as a child process, for tests: its pino
// lines, the status port it logs, its exit.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { freshBundle } from '../entry-points.ts';
import { NODE } from './helpers.ts';

export const MAIN = freshBundle();

export interface Runtime {
  proc: ChildProcess;
  port: Promise<number>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; atMs: number }>;
  logs: string[];
  /** Parsed pino lines whose msg starts with `prefix`. */
  messages(prefix: string): Array<Record<string, unknown>>;
}

export function startRuntime(env: Record<string, string>, args: string[]): Runtime {
  const proc = spawn(NODE, [MAIN, ...args], {
    env: { ...process.env, LKB_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; atMs: number }>((r) =>
    proc.once('exit', (code, signal) => r({ code, signal, atMs: Date.now() })),
  );
  const port = new Promise<number>((resolve, reject) => {
    createInterface({ input: proc.stdout as NonNullable<ChildProcess['stdout']> }).on('line', (l) => {
      logs.push(l);
      if (process.env.LKB_TEST_DEBUG) console.error('[runtime]', l);
      try {
        const j = JSON.parse(l) as { msg?: string; port?: number };
        if (j.msg?.startsWith('status server listening') && typeof j.port === 'number') resolve(j.port);
      } catch {
        logs.push('(non-JSON line above)'); // kept for the failure message
      }
    });
    createInterface({ input: proc.stderr as NonNullable<ChildProcess['stderr']> }).on('line', (l) =>
      logs.push(`stderr: ${l}`),
    );
    void exit.then((e) => reject(new Error(`runtime exited early (${e.code}): ${logs.slice(-10).join('\n')}`)));
  });
  port.catch(() => undefined); // observed by the tests that await it
  const messages = (prefix: string): Array<Record<string, unknown>> =>
    logs.flatMap((l) => {
      if (!l.startsWith('{')) return [];
      const j = JSON.parse(l) as Record<string, unknown>;
      return typeof j.msg === 'string' && j.msg.startsWith(prefix) ? [j] : [];
    });
  return { proc, port, exit, logs, messages };
}

export async function getJson(port: number, path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    body = text; // /metrics is text
  }
  return { status: res.status, body };
}
