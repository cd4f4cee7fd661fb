// main.ts as a process: real flags, a kubeconfig file pointing at the fake apiserver, leader election, probes,
// pino JSON logs, and a graceful SIGTERM that releases the Lease.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Lease } from '../src/framework/kube-types.ts';
import { FakeApiServer } from './support/fake-apiserver.ts';
import { session, waitFor } from './support/helpers.ts';

test('main.ts runs, leads, reconciles, serves probes and releases the lease on SIGTERM', async (t) => {
  const fake = new FakeApiServer();
  await fake.start();
  const dir = mkdtempSync(join(tmpdir(), 'lkb-op-'));
  t.after(async () => {
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{name: fake, cluster: {server: "${fake.url}", insecure-skip-tls-verify: true}}]
users: [{name: op, user: {token: main-token}}]
contexts: [{name: fake, context: {cluster: fake, user: op}}]
current-context: fake
`,
  );
  const child = spawn(
    process.execPath,
    [
      new URL('../src/main.ts', import.meta.url).pathname,
      `--kubeconfig=${kubeconfig}`,
      '--leader-elect',
      '--operator-namespace=lkb-system',
      '--identity=main-1',
      '--livekit-url=wss://lk.example.com',
      '--health-probe-bind-address=127.0.0.1:0',
      '--metrics-bind-address=127.0.0.1:0',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const started = await waitFor('started log line', () => out.split('\n').find((l) => l.includes('"msg":"started"')), 60_000);
  const { probePort } = JSON.parse(started) as { probePort: number };
  await waitFor('lease held', () => (fake.getObject('leases', 'lkb-system', 'lkbrowser-operator') as unknown as Lease | undefined)?.spec?.holderIdentity === 'main-1', 30_000);
  fake.createObject('browsersessions', session('m1'));
  await waitFor('pod', () => fake.getObject('pods', 'default', 'm1-browser'), 30_000);
  await waitFor('readyz', async () => (await fetch(`http://127.0.0.1:${probePort}/readyz`)).status === 200, 30_000);
  child.kill('SIGTERM');
  assert.equal(await exited, 0, err);
  assert.equal((fake.getObject('leases', 'lkb-system', 'lkbrowser-operator') as unknown as Lease).spec?.holderIdentity, '', 'lease released');
  assert.ok(out.includes('"msg":"stopped"'));
  for (const line of out.trim().split('\n')) JSON.parse(line); // pino JSON only
});
