// What a session hands a pool runtime (the claim env), whether it may use the pool, and the pool pod it claims:
// checked against the runtime's own claim parser and config parser (one contract, like the cold pod's env).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CLAIM_ENV_KEYS, claimSecretDigest, parseClaimBody, parseConfig } from '@lkbrowser/runtime';
import { parse } from 'yaml';
import { CLAIM_ENV_NAMES, claimEnv, poolCompatibility } from '../../src/browserpool/claim-env.ts';
import { claimKeyFrom, claimSecret } from '../../src/browserpool/claim-secret.ts';
import { roomTokenMinter } from '../../src/browserpool/claim-token.ts';
import { desiredPoolPod, poolPodName } from '../../src/browserpool/pool-pod.ts';
import type { BrowserPool } from '../../src/browserpool/types.ts';
import { resolveSpec } from '../../src/browsersession/resolved-spec.ts';
import { served } from '../support/crd.ts';
import { testConfig } from '../support/helpers.ts';

const pool = (spec: Partial<BrowserPool['spec']> = {}, ns = 'admin'): BrowserPool => ({
  apiVersion: 'lkbrowser.dev/v1alpha1',
  kind: 'BrowserPool',
  metadata: { name: 'p', namespace: ns, uid: 'pool-uid' },
  spec: {
    replicas: 1,
    viewport: { width: 1280, height: 720, framerate: 30 },
    allowPrivateNetworks: false,
    sessionNamespaces: ['tenant'],
    ...spec,
  },
});

test('the claim names are the runtime’s (CLAIM_ENV_KEYS), so the runtime accepts every claim we send', () => {
  assert.deepEqual([...CLAIM_ENV_NAMES].sort(), [...CLAIM_ENV_KEYS].sort());
  const s = served(
    {
      url: 'https://example.com',
      room: 'r',
      viewport: { width: 800, height: 600, framerate: 15 },
      focus: { priorityIdentities: ['a'] },
    },
    { namespace: 'tenant' },
  );
  const r = resolveSpec(s, testConfig());
  const env = claimEnv(r, testConfig(), 'aaa.bbb.ccc');
  const parsed = parseClaimBody(JSON.stringify({ env }));
  assert.equal(parsed.ok, true, parsed.ok ? '' : parsed.reason);
  assert.equal(env.LIVEKIT_API_SECRET, undefined);
  assert.equal(env.LKB_METRICS_PORT, undefined, 'pod-level settings stay the pool’s');
  const cfg = parseConfig(env, []);
  assert.equal(cfg.kind, 'ok');
  if (cfg.kind === 'ok') {
    assert.equal(cfg.config.width, 800);
    assert.equal(cfg.config.framerate, 15);
    assert.equal(cfg.config.room, 'r');
    assert.deepEqual(cfg.config.focusPriorityIdentities, ['a']);
    assert.equal(cfg.config.token, 'aaa.bbb.ccc');
  }
});

test('poolCompatibility', () => {
  const base = { url: 'https://example.com', room: 'r', pool: { name: 'p', namespace: 'admin' } };
  const rows: Array<[string, BrowserPool | undefined, Record<string, unknown>, string, string | null]> = [
    ['fits', pool(), base, 'tenant', null],
    [
      'own namespace always admitted',
      pool({ sessionNamespaces: [] }, 'tenant'),
      { ...base, pool: { name: 'p' } },
      'tenant',
      null,
    ],
    ['no pool', undefined, base, 'tenant', 'PoolNotFound'],
    ['namespace not admitted', pool({ sessionNamespaces: ['other'] }), base, 'tenant', 'NamespaceNotAllowed'],
    ['framerate above the pool’s', pool(), { ...base, viewport: { framerate: 60 } }, 'tenant', 'Incompatible'],
    [
      'private networks differ',
      pool(),
      { ...base, navigation: { allowPrivateNetworks: true } },
      'tenant',
      'Incompatible',
    ],
    ['spec.pod set', pool(), { ...base, pod: { runtimeClassName: 'gvisor' } }, 'tenant', 'Incompatible'],
    ['spec.automation on', pool(), { ...base, automation: { enabled: true } }, 'tenant', 'Incompatible'],
  ];
  for (const [what, p, spec, ns, reason] of rows) {
    const s = served(spec, { namespace: ns });
    const c = poolCompatibility(p, s, resolveSpec(s, testConfig()));
    if (reason === null) assert.equal(c.ok, true, what);
    else {
      assert.equal(c.ok, false, what);
      if (!c.ok) assert.equal(c.reason, reason, what);
    }
  }
});

test('pool pod: standby env parses as a standby runtime; no credentials; the digest matches the derived secret', () => {
  const key = claimKeyFrom({ LKB_POOL_CLAIM_KEY: 'x'.repeat(40) }).key;
  const p = pool();
  const name = poolPodName('p', 'abcd1234');
  const pod = desiredPoolPod(p, testConfig(), name, 'nonce1', key);
  const env = Object.fromEntries((pod.spec?.containers?.[0]?.env ?? []).map((e) => [e.name, e.value]));
  assert.equal(env.LKB_CLAIM_SECRET_SHA256, claimSecretDigest(claimSecret(key, 'admin', name, 'nonce1')));
  assert.ok(!Object.keys(env).some((k) => k.startsWith('LIVEKIT_')), 'no LiveKit settings before a claim');
  const cfg = parseConfig(env, []);
  assert.equal(cfg.kind, 'ok', cfg.kind === 'error' ? cfg.message : '');
  assert.equal(pod.spec?.restartPolicy, 'Never');
  assert.equal(pod.metadata.ownerReferences?.[0]?.uid, 'pool-uid');
  assert.ok(poolPodName('x'.repeat(200)).length <= 63);
  assert.equal(env.LKB_EGRESS_DENY_CIDRS, undefined, 'no cluster ranges configured: none passed');
  const ranged = desiredPoolPod(
    p,
    { ...testConfig(), egressDenyCidrs: ['10.96.0.0/12', '10.244.0.0/16'] },
    name,
    'n',
    key,
  );
  const renv = Object.fromEntries((ranged.spec?.containers?.[0]?.env ?? []).map((e) => [e.name, e.value]));
  // A pod-level setting (a claim may not carry it): whoever claims the pod cannot reach the cluster's ranges.
  assert.equal(renv.LKB_EGRESS_DENY_CIDRS, '10.96.0.0/12,10.244.0.0/16');
  // Host networking follows the session pods' switch (--runtime-host-network; clusters without a pod network).
  assert.equal(pod.spec?.hostNetwork, undefined);
  const host = desiredPoolPod(p, { ...testConfig(), runtimeHostNetwork: true }, name, 'n', key);
  assert.equal(host.spec?.hostNetwork, true);
  assert.equal(host.spec?.dnsPolicy, 'ClusterFirstWithHostNet');
});

test('claim secrets: per pod, per nonce, per key', () => {
  const k1 = Buffer.from('a'.repeat(32));
  const k2 = Buffer.from('b'.repeat(32));
  const s = claimSecret(k1, 'ns', 'p', 'n');
  assert.notEqual(s, claimSecret(k1, 'ns', 'p2', 'n'));
  assert.notEqual(s, claimSecret(k1, 'ns', 'p', 'n2'));
  assert.notEqual(s, claimSecret(k2, 'ns', 'p', 'n'));
  assert.throws(() => claimKeyFrom({ LKB_POOL_CLAIM_KEY: 'short' }), /32/);
  assert.equal(claimKeyFrom({}).generated, true);
});

test('roomTokenMinter: the runtime token of room-token.ts for the claiming session', async () => {
  const t = await roomTokenMinter(
    () => ({ apiKey: 'key', apiSecret: 's'.repeat(32) }),
    600,
  )({
    room: 'r',
    identity: 'browser',
    name: 'B',
    session: 'tenant/s1',
  });
  const [, payload] = t.split('.');
  const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
  assert.equal(claims.iss, 'key');
  assert.equal(claims.sub, 'browser');
  assert.equal((claims.video as Record<string, unknown>).room, 'r');
  assert.equal((claims.video as Record<string, unknown>).roomAdmin, false);
  assert.equal((claims.attributes as Record<string, string>)['lkbrowser.dev/session'], 'tenant/s1');
});

test('types.ts names the CRD’s spec and status fields', () => {
  const crd = parse(readFileSync(new URL('../../../crds/browserpool.yaml', import.meta.url), 'utf8')) as {
    spec: {
      versions: {
        schema: { openAPIV3Schema: { properties: Record<string, { properties: Record<string, unknown> }> } };
      }[];
    };
  };
  const props = crd.spec.versions[0]?.schema.openAPIV3Schema.properties ?? {};
  const spec: Record<keyof BrowserPool['spec'], true> = {
    allowPrivateNetworks: true,
    pod: true,
    replicas: true,
    sessionNamespaces: true,
    sessionSelector: true,
    viewport: true,
  };
  assert.deepEqual(Object.keys(props.spec?.properties ?? {}).sort(), Object.keys(spec).sort());
  const status: Record<keyof NonNullable<BrowserPool['status']>, true> = {
    replicas: true,
    readyReplicas: true,
    startingReplicas: true,
    claimedReplicas: true,
    selector: true,
    observedGeneration: true,
  };
  assert.deepEqual(Object.keys(props.status?.properties ?? {}).sort(), Object.keys(status).sort());
});

test("pool pod: the admin's Localhost seccomp profile applies to standby runtimes too (pod and container)", () => {
  const key = claimKeyFrom({ LKB_POOL_CLAIM_KEY: 'x'.repeat(40) }).key;
  const name = poolPodName('p', 'abcd1234');
  const plain = desiredPoolPod(pool(), testConfig(), name, 'n', key);
  assert.deepEqual(plain.spec?.securityContext?.seccompProfile, { type: 'RuntimeDefault' });
  const pod = desiredPoolPod(pool(), testConfig({ runtimeSeccompProfile: 'lkbrowser/chromium.json' }), name, 'n', key);
  const want = { type: 'Localhost', localhostProfile: 'lkbrowser/chromium.json' };
  assert.deepEqual(pod.spec?.securityContext?.seccompProfile, want);
  assert.deepEqual(pod.spec?.containers[0]?.securityContext?.seccompProfile, want);
});
