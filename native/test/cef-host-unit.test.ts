// The CEF engine host's own unit tests (protocol codec, slot ring, audio chunking, dirty-rect compare,
// /proc parsing): `cargo test` of native/cef-host against the cached CEF (scripts/tools/cef.sh).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('cargo test of native/cef-host passes', { timeout: 600_000 }, () => {
  const cefDir = execFileSync('bash', [`${root}scripts/tools/cef.sh`], { encoding: 'utf8' }).trim();
  const r = spawnSync(
    'cargo',
    ['test', '--release', '--offline', '--manifest-path', `${root}native/cef-host/Cargo.toml`],
    {
      encoding: 'utf8',
      env: { ...process.env, LKB_CEF_DIR: cefDir },
    },
  );
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, out.slice(-4000));
  const m = /test result: ok\. (\d+) passed; 0 failed/.exec(out);
  assert.ok(m && Number(m[1]) >= 8, `expected the host's unit tests to run: ${out.slice(-2000)}`);
  console.log(`# cef-host: ${m?.[1]} unit tests passed`);
});
