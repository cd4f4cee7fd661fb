// Cheap checks of the Docker/kind shell scripts and Dockerfiles (the real runs are local-docker.test.ts and kind).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './lib/docker.ts';

const scripts = ['scripts/docker-ensure.sh', 'scripts/docker-base-image.sh', 'scripts/docker-build.sh'];

test('shell scripts parse (bash -n)', () => {
  for (const s of scripts) {
    const r = spawnSync('bash', ['-n', s], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(r.status, 0, `${s}: ${r.stderr}`);
  }
});

test('docker-build.sh refuses the latest tag and unknown images before touching Docker', () => {
  const latest = spawnSync('bash', ['scripts/docker-build.sh', 'runtime', 'latest'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  assert.equal(latest.status, 2);
  assert.match(latest.stderr, /refusing the tag 'latest'/);
  const bad = spawnSync('bash', ['scripts/docker-build.sh', 'nope'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /usage: .* runtime\|operator/);
});

test('Dockerfiles: same base image, non-root numeric user, pinned node from the lockfile, no build tools in the final stage', () => {
  const base = /^ARG BASE_IMAGE=debian:bookworm-slim$/m;
  for (const f of ['Dockerfile.runtime', 'Dockerfile.operator']) {
    const text = readFileSync(join(repoRoot, f), 'utf8');
    assert.match(text, base, `${f} base image (scripts/docker-base-image.sh imports exactly this name)`);
    assert.match(text, /^USER 1000:1000$/m, `${f} runs as uid 1000`);
    assert.match(
      text,
      /packages\['node_modules\/node'\]\.version/,
      `${f} takes the node version from package-lock.json`,
    );
    const stages = text.split(/^FROM /m);
    const final = stages[stages.length - 1] ?? '';
    for (const tool of ['g++', 'cmake', 'nodejs npm', '-dev '])
      assert.ok(!final.includes(tool), `${f}: final stage has no ${tool}`);
  }
  const runtime = readFileSync(join(repoRoot, 'Dockerfile.runtime'), 'utf8');
  assert.match(runtime, /^ENTRYPOINT \["\/usr\/bin\/tini", "--", "node", "runtime\/dist\/lkbrowser-runtime\.mjs"\]$/m);
  assert.match(runtime, /^EXPOSE 9090$/m);
  // The CEF image only adds CEF on top of the runtime image, and ends as uid 1000 again (it copies as root).
  const cef = readFileSync(join(repoRoot, 'Dockerfile.runtime-cef'), 'utf8');
  assert.match(cef, /^FROM \$\{RUNTIME_IMAGE\}$/m);
  assert.equal(cef.match(/^USER .*$/gm)?.at(-1), 'USER 1000:1000', 'Dockerfile.runtime-cef ends as uid 1000');
});
