// The automation token Secret (automation-secret.ts): name, token, object; and how the status carries its name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  automationSecretNameFor,
  automationToken,
  desiredAutomationSecret,
} from '../../src/browsersession/automation-secret.ts';
import { observePod } from '../../src/browsersession/observation.ts';
import { buildStatus } from '../../src/browsersession/status.ts';
import type { Pod } from '../../src/framework/kube-types.ts';
import { served } from '../support/crd.ts';

test('automationSecretNameFor: <session>-automation, hashed to ≤ 253 characters', () => {
  assert.equal(automationSecretNameFor('demo'), 'demo-automation');
  const long = 'a'.repeat(250);
  const n = automationSecretNameFor(long);
  assert.ok(n.length <= 253 && n.endsWith('-automation'), n);
  assert.notEqual(automationSecretNameFor(`${'a'.repeat(249)}b`), n, 'distinct long names stay distinct');
});

test('automationToken: 256-bit base64url, a function of (key, uid) only, distinct per session and per key', () => {
  const t = automationToken('secret-a', 'uid-1');
  assert.match(t, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(automationToken('secret-a', 'uid-1'), t, 'the same on every write');
  assert.notEqual(automationToken('secret-a', 'uid-2'), t, 'per session (uid)');
  assert.notEqual(automationToken('secret-b', 'uid-1'), t, 'per key');
  assert.ok(!t.includes('secret-a') && !t.includes('uid-1'));
  assert.throws(() => automationToken('', 'uid-1'), /no key/);
  assert.throws(() => automationToken('secret-a', ''), /no uid/);
});

test('desiredAutomationSecret: owned by the session, only key token', () => {
  const s = served(
    { url: 'https://e.x', room: 'r', automation: { enabled: true } },
    { name: 's', namespace: 'ns', uid: 'u-1' },
  );
  const secret = desiredAutomationSecret(s, 'tok');
  assert.equal(secret.metadata.name, 's-automation');
  assert.equal(secret.metadata.namespace, 'ns');
  assert.deepEqual(secret.stringData, { token: 'tok' });
  assert.deepEqual(
    secret.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]),
    [['BrowserSession', 's', 'u-1', true]],
  );
});

test('status.automationTokenSecret: set once written, kept while automation is on, dropped when off', () => {
  const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [] } };
  const now = '2026-01-01T00:00:00Z';
  const on = served({ url: 'https://e.x', room: 'r', automation: { enabled: true } }, { name: 's', namespace: 'ns' });
  const written = buildStatus(on, observePod(pod), pod, { automationTokenSecret: 's-automation' }, now);
  assert.equal(written.automationTokenSecret, 's-automation');
  const kept = buildStatus({ ...on, status: written }, observePod(pod), pod, {}, now);
  assert.equal(kept.automationTokenSecret, 's-automation');
  const off = served({ url: 'https://e.x', room: 'r' }, { name: 's', namespace: 'ns' });
  assert.equal(
    buildStatus({ ...off, status: written }, observePod(pod), pod, {}, now).automationTokenSecret,
    undefined,
  );
});
