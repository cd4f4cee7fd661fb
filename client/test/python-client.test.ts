// Runs the Python client's pytest suite (python/lkbrowser-client) against a real runtime: the runtime CLI
// (runtime/src/main.ts, real engine) in a room of the real LiveKit server, pages served on 127.0.0.1. The venv
// comes from scripts/python-venv.sh (run by scripts/setup.sh); this test fails if pytest fails or is missing.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { startSfu } from '@lkbrowser/testkit';
import { servePages } from '@lkbrowser/testkit';
import { FORM_PAGES } from './pages.ts';

const REPO = new URL('../../', import.meta.url).pathname;
const PKG = `${REPO}python/lkbrowser-client`;

function venvPython(): string {
  const r = spawnSync('bash', [`${REPO}scripts/python-venv.sh`], { encoding: 'utf8' });
  assert.equal(r.status, 0, `scripts/python-venv.sh failed:\n${r.stderr}`);
  return r.stdout.trim();
}

function runPytest(python: string, files: string[], env: Record<string, string>): void {
  const r = spawnSync(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', ...files], {
    cwd: PKG,
    env: { ...process.env, PYTHONPATH: `${PKG}/src`, PYTHONDONTWRITEBYTECODE: '1', ...env },
    encoding: 'utf8',
    timeout: 240_000,
  });
  process.stdout.write(
    r.stdout
      .split('\n')
      .map((l) => `# ${l}`)
      .join('\n'),
  );
  assert.equal(r.status, 0, `pytest failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, / passed/);
}

test('python client: computer-use mappings (pytest)', { timeout: 300_000 }, () => {
  runPytest(venvPython(), ['tests/test_computer_use.py'], {});
});

/** Runs pytest on `files` against a fresh runtime (runtime CLI) in a room of the real server. */
async function pytestAgainstRuntime(python: string, room: string, files: string[]): Promise<void> {
  const sfu = await startSfu();
  const pages = await servePages(FORM_PAGES);
  let runtime: ChildProcess | undefined;
  try {
    runtime = spawn(process.execPath, [`${REPO}runtime/src/main.ts`], {
      env: {
        ...process.env,
        LIVEKIT_URL: sfu.url,
        LIVEKIT_API_KEY: sfu.apiKey,
        LIVEKIT_API_SECRET: sfu.apiSecret,
        LIVEKIT_ROOM: room,
        LKB_URL: `${pages.base}/form`,
        LKB_WIDTH: '800',
        LKB_HEIGHT: '600',
        LKB_AUDIO: 'false',
        LKB_NAV_ALLOW_PRIVATE_NETWORKS: 'true',
        LKB_FOCUS_AGENT_IDENTITIES: 'agent-*',
        LKB_METRICS_PORT: '0',
        LKB_METRICS_HOST: '127.0.0.1',
        LKB_LOG_LEVEL: process.env.LKB_TEST_LOG_LEVEL ?? 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    // pytest runs in a child process while this one keeps the runtime and the server alive.
    await new Promise<void>((resolve, reject) => {
      const p = spawn(
        python,
        ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-c', `${PKG}/pyproject.toml`, ...files],
        {
          cwd: PKG,
          env: {
            ...process.env,
            PYTHONPATH: `${PKG}/src`,
            PYTHONDONTWRITEBYTECODE: '1',
            LKB_E2E_LIVEKIT_URL: sfu.url,
            LKB_E2E_API_KEY: sfu.apiKey,
            LKB_E2E_API_SECRET: sfu.apiSecret,
            LKB_E2E_ROOM: room,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      p.stdout?.on('data', (c: Buffer) => {
        out += c.toString();
      });
      p.stderr?.on('data', (c: Buffer) => {
        out += c.toString();
      });
      const t = setTimeout(() => p.kill('SIGKILL'), 240_000);
      p.once('exit', (code, sig) => {
        clearTimeout(t);
        process.stdout.write(
          out
            .split('\n')
            .map((l) => `# ${l}`)
            .join('\n'),
        );
        if (code === 0 && / passed/.test(out)) resolve();
        else reject(new Error(`pytest failed (${code ?? sig}):\n${out}`));
      });
    });
  } finally {
    if (runtime && runtime.exitCode === null) {
      const exited = new Promise<void>((r) => runtime?.once('exit', () => r()));
      runtime.kill('SIGTERM');
      const t = setTimeout(() => runtime?.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    await pages.close();
    await sfu.close();
  }
}

test('python client against a real runtime (pytest)', { timeout: 300_000 }, async () => {
  await pytestAgainstRuntime(venvPython(), 'python-room', ['tests/test_client_e2e.py']);
});

test('python example agent completes the form task (pytest)', { timeout: 300_000 }, async () => {
  await pytestAgainstRuntime(venvPython(), 'python-example-room', [`${REPO}examples/agents/python/test_form_agent.py`]);
});
