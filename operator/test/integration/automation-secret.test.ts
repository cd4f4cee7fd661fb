// Issue #12, spec.automation on a real control plane: the CR cannot name a Secret to mount; the operator generates
// the bearer token into a Secret the session owns, mounts exactly that one, names it in the status, overwrites a
// Secret planted under its name and writes the same token again after its own restart.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@lkbrowser/testkit';
import { automationToken } from '../../src/browsersession/automation-secret.ts';
import { SESSIONS } from '../../src/browsersession/resource.ts';
import type { BrowserSession } from '../../src/browsersession/types.ts';
import { SECRETS } from '../../src/framework/kube-client.ts';
import type { Secret } from '../../src/framework/kube-types.ts';
import type { Operator } from '../../src/operator.ts';
import { TestCluster } from '../support/cluster.ts';
import { TEST_CREDENTIALS } from '../support/helpers.ts';

const LONG = 90_000;
const tokenOf = (s: Secret | undefined) => Buffer.from(s?.data?.token ?? '', 'base64').toString('utf8');

describe('#12 spec.automation: the operator generates the token Secret', { timeout: 10 * 60_000 }, () => {
  let c: TestCluster;
  let op: Operator;
  let ns: string;

  before(async () => {
    c = await TestCluster.start();
    ns = await c.namespace('tenant');
    op = await c.operator({ namespaces: [ns] });
    await waitFor('informers synced', () => op.synced(), LONG);
  });
  after(async () => {
    await c?.stop();
  });

  it('generates <session>-automation (owned, key token), mounts only it and names it in the status', async () => {
    const created = await c.createSession(ns, 'cdp', { automation: { enabled: true } });
    const pod = await waitFor('pod', () => c.pod(ns, 'cdp'), LONG);
    const vol = pod.spec?.volumes?.find((v) => v.name === 'automation-token');
    assert.deepEqual(vol?.secret, {
      secretName: 'cdp-automation',
      items: [{ key: 'token', path: 'token' }],
      defaultMode: 0o440,
    });
    const secret = await waitFor('automation Secret', () => c.admin.get<Secret>(SECRETS, ns, 'cdp-automation'), LONG);
    assert.deepEqual(
      secret.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]),
      [['BrowserSession', 'cdp', created.metadata.uid, true]],
    );
    assert.deepEqual(Object.keys(secret.data ?? {}), ['token']);
    const token = tokenOf(secret);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/, '256 bits, base64url (the runtime wants ≥ 24 characters, no spaces)');
    assert.equal(token, automationToken(TEST_CREDENTIALS.apiSecret, created.metadata.uid ?? ''));
    assert.ok(!JSON.stringify(pod).includes(token), 'the token is not in the pod spec');
    await waitFor(
      'status.automationTokenSecret',
      async () => (await c.session(ns, 'cdp'))?.status?.automationTokenSecret === 'cdp-automation',
      LONG,
    );
  });

  it('a second session gets another token; without automation no Secret and no status field', async () => {
    await c.createSession(ns, 'cdp2', { automation: { enabled: true } });
    await c.createSession(ns, 'plain');
    const s2 = await waitFor('second Secret', () => c.admin.get<Secret>(SECRETS, ns, 'cdp2-automation'), LONG);
    assert.notEqual(tokenOf(s2), tokenOf(await c.admin.get<Secret>(SECRETS, ns, 'cdp-automation')));
    const pod = await waitFor('plain pod', () => c.pod(ns, 'plain'), LONG);
    assert.equal(
      pod.spec?.volumes?.some((v) => v.name === 'automation-token'),
      false,
    );
    await waitFor('plain status', async () => (await c.session(ns, 'plain'))?.status?.podName !== undefined, LONG);
    assert.equal((await c.session(ns, 'plain'))?.status?.automationTokenSecret, undefined);
    assert.equal(await c.admin.get<Secret>(SECRETS, ns, 'plain-automation'), undefined);
  });

  it('spec.automation.tokenSecretName (the old field) is refused by kubectl and pruned from API writes', async () => {
    await c.admin.create<Secret>(SECRETS, ns, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'payments-db', namespace: ns },
      stringData: { token: 'the-payment-systems-own-token-value' },
    });
    const hostile = {
      apiVersion: 'lkbrowser.dev/v1alpha1',
      kind: 'BrowserSession',
      metadata: { name: 'hostile', namespace: ns },
      spec: { url: 'https://example.com', room: 'demo', automation: { enabled: true, tokenSecretName: 'payments-db' } },
    };
    const r = await c.cp.kubectl(['apply', '-f', '-'], { input: JSON.stringify(hostile), allowFail: true });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /unknown field "spec\.automation\.tokenSecretName"/);
    const created = await c.admin.create<BrowserSession>(SESSIONS, ns, hostile as unknown as BrowserSession);
    assert.deepEqual(created.spec.automation, { enabled: true }, 'pruned');
    const pod = await waitFor('pod', () => c.pod(ns, 'hostile'), LONG);
    assert.ok(!JSON.stringify(pod).includes('payments-db'), 'the named Secret is not mounted');
    assert.deepEqual(
      pod.spec?.volumes?.filter((v) => v.secret).map((v) => v.secret?.secretName),
      ['hostile-livekit-token', 'hostile-automation'],
    );
  });

  it('a Secret planted under the name is overwritten; an operator restart writes the same token', async () => {
    await c.admin.create<Secret>(SECRETS, ns, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'planted-automation', namespace: ns },
      stringData: { token: 'attacker-chosen-token-0123456789', password: 'other' },
    });
    const created = await c.createSession(ns, 'planted', { automation: { enabled: true } });
    const want = automationToken(TEST_CREDENTIALS.apiSecret, created.metadata.uid ?? '');
    const s = await waitFor(
      'planted Secret overwritten',
      async () => {
        const x = await c.admin.get<Secret>(SECRETS, ns, 'planted-automation');
        return x && tokenOf(x) === want ? x : undefined;
      },
      LONG,
    );
    assert.deepEqual(Object.keys(s.data ?? {}), ['token'], 'replaced, not merged');
    assert.equal(s.metadata.ownerReferences?.[0]?.uid, created.metadata.uid);

    // A new operator process (its in-memory record is gone) writes the Secret again: the same token.
    await op.stop();
    await c.admin.delete(SECRETS, ns, 'planted-automation');
    op = await c.operator({ namespaces: [ns] });
    const again = await waitFor(
      'automation Secret written by the new operator',
      () => c.admin.get<Secret>(SECRETS, ns, 'planted-automation'),
      LONG,
    );
    assert.equal(tokenOf(again), want);

    await c.admin.delete(SESSIONS, ns, 'planted');
    await waitFor(
      'automation Secret garbage-collected with the session',
      async () => (await c.admin.get(SECRETS, ns, 'planted-automation')) === undefined,
      LONG,
    );
  });
});
