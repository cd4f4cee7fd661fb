import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';

test('tests run on the pinned Node major, not the machine Node', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  const pinned = pkg.devDependencies.node;
  assert.ok(pinned, 'root package.json pins node');
  assert.equal(process.versions.node.split('.')[0], pinned.split('.')[0]);
  const [maj, min] = process.versions.node.split('.').map(Number);
  assert.ok(maj! > 22 || (maj === 22 && min! >= 19), '@kubernetes/client-node 2.x needs >= 22.19');
});
