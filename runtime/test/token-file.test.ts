// LKB_TOKEN_FILE: the token is read from a file (a mounted Secret) and re-read when the file changes, including
// Kubernetes' atomic symlink swap; bad new content keeps the previous token.
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitFor } from '@lkbrowser/testkit';
import { parseTokenFile, TokenFile } from '../src/token-file.ts';
import { testLogger } from './helpers.ts';

test('parseTokenFile', () => {
  assert.deepEqual(parseTokenFile(' aaa.bbb.ccc\n'), { ok: true, token: 'aaa.bbb.ccc' });
  for (const bad of ['', '\n', 'not a jwt', 'a.b', 'a.b.c d.e.f', `a.b.${'c'.repeat(20_000)}`])
    assert.equal(parseTokenFile(bad).ok, false, bad.slice(0, 20));
});

test('re-read on change (Secret-volume style symlink swap), bad content keeps the old token', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lkb-token-'));
  try {
    // Layout of a Secret volume: token -> ..data/token, ..data -> ..<timestamp> (swapped atomically on update).
    const v1 = join(dir, '..v1');
    mkdirSync(v1);
    writeFileSync(join(v1, 'token'), 'h.p1.s\n');
    symlinkSync('..v1', join(dir, '..data'));
    symlinkSync('..data/token', join(dir, 'token'));
    const tf = new TokenFile(join(dir, 'token'), testLogger);
    assert.equal(tf.current(), 'h.p1.s');
    tf.watch(50);
    try {
      const v2 = join(dir, '..v2');
      mkdirSync(v2);
      writeFileSync(join(v2, 'token'), 'h.p2.s\n');
      symlinkSync('..v2', join(dir, '..data.tmp'));
      renameSync(join(dir, '..data.tmp'), join(dir, '..data'));
      await waitFor('new token read', () => tf.current() === 'h.p2.s', 10_000, 25);
      const v3 = join(dir, '..v3');
      mkdirSync(v3);
      writeFileSync(join(v3, 'token'), 'garbage with spaces and more bytes');
      symlinkSync('..v3', join(dir, '..data.tmp'));
      renameSync(join(dir, '..data.tmp'), join(dir, '..data'));
      // Give the poller several intervals to see the bad file; the previous token must stay.
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(tf.current(), 'h.p2.s');
    } finally {
      tf.close();
    }
    assert.throws(() => new TokenFile(join(dir, 'missing'), testLogger), /ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
