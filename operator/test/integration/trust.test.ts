// Issue #12, operator side, on a real control plane: what a BrowserSession author (a tenant who may only create
// sessions in one namespace) gets. The project's API key/secret stay with the operator; each session's runtime gets a
// short-lived join token for its own room and identity in a Secret it owns, renewed before it expires.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@lkbrowser/testkit';
import { TokenVerifier } from 'livekit-server-sdk';
import { SESSIONS } from '../../src/browsersession/resource.ts';
import type { BrowserSession } from '../../src/browsersession/types.ts';
import { NETWORK_POLICIES, SECRETS } from '../../src/framework/kube-client.ts';
import type { NetworkPolicy } from '../../src/browsersession/network-policy.ts';
import type { Secret } from '../../src/framework/kube-types.ts';
import type { Operator } from '../../src/operator.ts';
import { DEFAULT_POLICY } from '../../src/policy/session-policy.ts';
import { condOf, TestCluster } from '../support/cluster.ts';
import { TEST_CREDENTIALS, testCredentialsDir } from '../support/helpers.ts';

const LONG = 90_000;
/** Runtime NetworkPolicy rules as the chart renders them (abridged: DNS + the internet minus private ranges). */
const NP_RULES = {
  ingress: [{ ports: [{ protocol: 'TCP', port: 9090 }] }],
  egress: [
    { ports: [{ protocol: 'UDP', port: 53 }] },
    { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '169.254.0.0/16'] } }] },
  ],
};

function tokenOf(s: Secret | undefined): string {
  return Buffer.from(s?.data?.token ?? '', 'base64').toString('utf8');
}
const verify = (jwt: string) => new TokenVerifier(TEST_CREDENTIALS.apiKey, TEST_CREDENTIALS.apiSecret).verify(jwt);

describe('#12 tenant: join tokens instead of the project secret', { timeout: 10 * 60_000 }, () => {
  let c: TestCluster;
  let op: Operator;
  let ns: string;

  before(async () => {
    c = await TestCluster.start();
    ns = await c.namespace('tenant');
    // ttl 5 min, renew when less than 299 s are left: a renewal about every second, to see it happen.
    op = await c.operator({ namespaces: [ns], tokenTtlMs: 300_000, tokenRenewBeforeMs: 299_000 });
    await waitFor('informers synced', () => op.synced(), LONG);
  });
  after(async () => {
    await c?.stop();
  });

  it('the pod gets a room- and identity-scoped token from a Secret the session owns, never the API key/secret', async () => {
    const created = await c.createSession(ns, 'tok', { room: 'team-room', participant: { identity: 'browser-7' } });
    const pod = await waitFor('pod', () => c.pod(ns, 'tok'), LONG);
    const text = JSON.stringify(pod);
    assert.ok(!text.includes(TEST_CREDENTIALS.apiSecret) && !text.includes(TEST_CREDENTIALS.apiKey));
    assert.ok(!text.includes('secretKeyRef'), 'no Secret key in the environment');
    assert.deepEqual(
      pod.spec?.volumes?.filter((v) => v.secret).map((v) => v.secret?.secretName),
      ['tok-livekit-token'],
      'the only Secret the pod sees is its own token',
    );
    const secret = await waitFor('token Secret', () => c.admin.get<Secret>(SECRETS, ns, 'tok-livekit-token'), LONG);
    assert.deepEqual(
      secret.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]),
      [['BrowserSession', 'tok', created.metadata.uid, true]],
    );
    assert.deepEqual(Object.keys(secret.data ?? {}), ['token']);
    const claims = await verify(tokenOf(secret));
    assert.equal(claims.sub, 'browser-7');
    assert.equal(claims.video?.room, 'team-room');
    assert.equal(claims.video?.roomJoin, true);
    for (const k of ['roomAdmin', 'roomCreate', 'roomList', 'roomRecord', 'canUpdateOwnMetadata'] as const)
      assert.notEqual(claims.video?.[k], true, k);
    assert.ok((claims.exp ?? 0) * 1000 <= Date.now() + 300_000 + 5000, 'short-lived: the configured ttl');
  });

  it('renews the token before it expires (the Secret is replaced in place, the pod stays)', async () => {
    const pod = await waitFor('pod', () => c.pod(ns, 'tok'), LONG);
    const first = tokenOf(await c.admin.get<Secret>(SECRETS, ns, 'tok-livekit-token'));
    const firstExp = (await verify(first)).exp ?? 0;
    const renewed = await waitFor(
      'a renewed token',
      async () => {
        const t = tokenOf(await c.admin.get<Secret>(SECRETS, ns, 'tok-livekit-token'));
        return t !== first ? t : undefined;
      },
      LONG,
      250,
    );
    const claims = await verify(renewed);
    assert.ok((claims.exp ?? 0) >= firstExp, 'a later expiry');
    assert.equal(claims.video?.room, 'team-room');
    assert.equal((await c.pod(ns, 'tok'))?.metadata.uid, pod.metadata.uid, 'renewal does not recreate the pod');
  });

  it('a Secret planted under the token name is taken over; deleting the session removes the token (GC)', async () => {
    await c.admin.create<Secret>(SECRETS, ns, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'planted-livekit-token', namespace: ns },
      stringData: { token: 'attacker.chosen.token' },
    });
    await c.createSession(ns, 'planted');
    const s = await waitFor(
      'token replaced',
      async () => {
        const x = await c.admin.get<Secret>(SECRETS, ns, 'planted-livekit-token');
        return x && tokenOf(x) !== 'attacker.chosen.token' ? x : undefined;
      },
      LONG,
    );
    assert.equal((await verify(tokenOf(s))).sub, 'planted');
    assert.equal(s.metadata.ownerReferences?.[0]?.name, 'planted');
    await c.admin.delete(SESSIONS, ns, 'planted');
    await waitFor(
      'token Secret garbage-collected',
      async () => (await c.admin.get(SECRETS, ns, 'planted-livekit-token')) === undefined,
      LONG,
    );
  });

  it('attack #1/#2: spec.livekit (URL, credentials Secret) is refused by kubectl and dropped from API writes', async () => {
    const hostile = {
      apiVersion: 'lkbrowser.dev/v1alpha1',
      kind: 'BrowserSession',
      metadata: { name: 'hostile', namespace: ns },
      spec: {
        url: 'https://example.com',
        room: 'team-room',
        livekit: {
          url: 'ws://127.0.0.1:1/capture',
          credentialsSecret: { name: 'payments-db', apiKeyKey: 'username', apiSecretKey: 'password' },
        },
      },
    };
    // kubectl validates fields strictly by default: the field does not exist.
    const r = await c.cp.kubectl(['apply', '-f', '-'], { input: JSON.stringify(hostile), allowFail: true });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /unknown field "spec\.livekit"/);
    // A client without strict validation gets the field pruned: the runtime joins the operator's server only.
    const created = await c.admin.create<BrowserSession>(SESSIONS, ns, hostile as unknown as BrowserSession);
    assert.equal((created.spec as unknown as Record<string, unknown>).livekit, undefined, 'pruned');
    const pod = await waitFor('pod', () => c.pod(ns, 'hostile'), LONG);
    const env = Object.fromEntries((pod.spec?.containers[0]?.env ?? []).map((e) => [e.name, e]));
    assert.equal(env.LIVEKIT_URL?.value, op.config.livekitUrl);
    assert.ok(!JSON.stringify(pod).includes('payments-db'));
  });

  it('the admin policy (defaults): hostile CRs get Failed/PolicyDenied, an event, no pod and no token', async () => {
    // No ValidatingAdmissionPolicy here (it is tested in helm/test/admission-policy.test.ts): the operator alone.
    const pns = await c.namespace('policed');
    const rulesFile = join(testCredentialsDir(), 'runtime-networkpolicy.json');
    writeFileSync(rulesFile, JSON.stringify(NP_RULES));
    const strict = await c.operator(
      { namespaces: [pns], runtimeNetworkPolicyFile: rulesFile },
      c.kubeConfig(),
      DEFAULT_POLICY,
    );
    await waitFor('synced', () => strict.synced(), LONG);
    const hostile: [string, Record<string, unknown>, RegExp][] = [
      ['room', { room: 'other-teams-room' }, /spec\.room must start with "policed-[0-9a-f]+\."/],
      ['image', { pod: { image: 'attacker/img' } }, /spec\.pod\.image "attacker\/img" is not allowed/],
      ['class', { pod: { runtimeClassName: 'privileged' } }, /runtimeClassName/],
      ['node', { pod: { nodeSelector: { 'node-role.kubernetes.io/control-plane': '' } } }, /nodeSelector key/],
      ['tolerate', { pod: { tolerations: [{ operator: 'Exists' }] } }, /must name a key/],
      [
        'apparmor',
        { pod: { annotations: { 'container.apparmor.security.beta.kubernetes.io/browser': 'unconfined' } } },
        /annotations key/,
      ],
      ['label', { pod: { labels: { app: 'payments' } } }, /labels key "app"/],
      [
        'huge',
        { pod: { resources: { requests: { cpu: '0' }, limits: { memory: '1Ei' } } } },
        /below the minimum.*above the maximum/,
      ],
      ['private', { navigation: { allowPrivateNetworks: true } }, /allowPrivateNetworks/],
    ];
    for (const [name, spec, _] of hostile) await c.createSession(pns, name, { room: `${pns}.room`, ...spec });
    for (const [name, , want] of hostile) {
      const s = await waitFor(
        `PolicyDenied ${name}`,
        async () => {
          const x = await c.session(pns, name);
          return condOf(x, 'Failed')?.reason === 'PolicyDenied' ? x : undefined;
        },
        LONG,
      );
      assert.equal(s.status?.phase, 'Failed');
      assert.match(s.status?.message ?? '', want, name);
      assert.equal(condOf(s, 'Ready')?.status, 'False');
    }
    await waitFor(
      'a PolicyDenied event per session',
      async () => new Set((await c.events(pns, 'PolicyDenied')).map((e) => e.regarding.name)).size === hostile.length,
      LONG,
    );
    for (const [name] of hostile) {
      assert.equal(await c.pod(pns, name), undefined, `no pod for ${name}`);
      assert.equal(await c.admin.get(SECRETS, pns, `${name}-livekit-token`), undefined, `no token for ${name}`);
    }
    assert.equal(
      await c.admin.get(NETWORK_POLICIES, pns, 'lkbrowser-runtime'),
      undefined,
      'no session runs here yet: nothing written',
    );
    // Fixing the spec (here: dropping the label) lets the session run, behind the runtime NetworkPolicy.
    await c.admin.mergePatch(SESSIONS, pns, 'label', { spec: { pod: { labels: null } } });
    const pod = await waitFor('pod once the spec is allowed', () => c.pod(pns, 'label'), LONG);
    const np = await waitFor(
      'runtime NetworkPolicy',
      () => c.admin.get<NetworkPolicy>(NETWORK_POLICIES, pns, 'lkbrowser-runtime'),
      LONG,
    );
    for (const [k, v] of Object.entries((np.spec.podSelector as { matchLabels: Record<string, string> }).matchLabels))
      assert.equal(pod.metadata.labels?.[k], v, `the NetworkPolicy selects the pod (${k})`);
    assert.deepEqual(np.spec.policyTypes, ['Ingress', 'Egress']);
    assert.deepEqual(np.spec.egress, NP_RULES.egress);
    const text = await strict.metrics.registry.metrics();
    assert.match(text, /lkbrowser_operator_policy_refusals_total\{rule="spec\.pod\.image"\} [1-9]/);
    await strict.stop();
  });
});
