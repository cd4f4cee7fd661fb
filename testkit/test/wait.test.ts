import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toolVersions, waitFor, withTimeout } from '@lkbrowser/testkit';

test('waitFor returns the first truthy value and names what timed out', async () => {
  let n = 0;
  assert.equal(await waitFor('n reaches 3', () => (++n >= 3 ? n : false), 1000, 1), 3);
  await assert.rejects(
    waitFor('never', () => false, 30, 5),
    /timed out after 30 ms waiting for never/,
  );
});

test('withTimeout rejects with the name and passes values through', async () => {
  assert.equal(await withTimeout('quick', Promise.resolve(7), 100), 7);
  await assert.rejects(withTimeout('slow', new Promise(() => undefined), 20), /timed out after 20 ms: slow/);
});

test('tool versions are read from scripts/tools/versions.env', () => {
  const v = toolVersions();
  for (const k of ['LIVEKIT_SERVER_VERSION', 'KUBERNETES_VERSION', 'ETCD_VERSION', 'HELM_VERSION']) {
    assert.match(v[k] ?? '', /^v\d+\.\d+\.\d+/, k);
  }
});
