// The CLI prints the URL, serves, and shuts down cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';

test('main.ts prints its URL, answers, and exits 0 on SIGTERM', { timeout: 60_000 }, async (t) => {
  const main = new URL('../src/main.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, [main, '--port', '0', '--api-key', 'k1', '--api-secret', 's1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'info' },
  });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^ws:\/\/127\.0\.0\.1:\d+$/m.exec(out);
      if (m) resolve(m[0]);
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  const res = await fetch(`${url.replace('ws://', 'http://')}/`);
  assert.equal(await res.text(), 'OK');
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
  // the log lines and the URL line are separate writes: read them once the process has exited and flushed
  assert.match(out, /production uses a real LiveKit server/);
  assert.match(out, /shutting down/);
});
