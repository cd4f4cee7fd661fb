// The chart's ValidatingAdmissionPolicy (templates/admission-policy.yaml) on a real kube-apiserver: rendered by the
// real helm from the chart's values, applied, and then a tenant (alice, who may only create BrowserSessions in
// team-a) tries the #12 attacks with `kubectl apply`. Each is refused by the API server with the rule's message;
// what the admin's values allow passes. The operator's own copy of the rules: operator/test/policy/.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type KubeControlPlane, startKubeControlPlane, waitFor } from '@lkbrowser/testkit';
import { type Dict, find, repoRoot, template } from './lib/helm.ts';

// biome-ignore lint/suspicious/noExplicitAny: test-only plain parsed YAML
type AnyObj = any;

const NS = 'team-a';
let cp: KubeControlPlane;

const base = { livekit: { url: 'wss://livekit.example.com', apiKey: 'k', apiSecret: 's' } };

/** Renders the chart with `values` and applies its admission policy + binding (replacing earlier ones). */
async function installPolicy(values: Dict): Promise<void> {
  const objs = find((await template({ ...base, ...values })).objects, 'ValidatingAdmissionPolicy');
  const bindings = find((await template({ ...base, ...values })).objects, 'ValidatingAdmissionPolicyBinding');
  assert.equal(objs.length, 1);
  assert.equal(bindings.length, 1);
  await cp.kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [...objs, ...bindings] }),
  });
  // The apiserver picks policy changes up asynchronously: wait until a known-bad object is refused accordingly.
}

function session(name: string, spec: Dict): AnyObj {
  return {
    apiVersion: 'lkbrowser.dev/v1alpha1',
    kind: 'BrowserSession',
    metadata: { name, namespace: NS },
    spec: { url: 'https://example.com', room: `${NS}.demo`, ...spec },
  };
}

async function tryAs(user: string, obj: AnyObj): Promise<{ code: number; stderr: string }> {
  const r = await cp.kubectl(['create', '--dry-run=server', '-f', '-'], {
    user,
    input: JSON.stringify(obj),
    allowFail: true,
  });
  return { code: r.code, stderr: r.stderr };
}

before(async () => {
  cp = await startKubeControlPlane({ controllerManager: false });
  await cp.kubectl(['apply', '-f', `${repoRoot}crds/browsersession.yaml`]);
  await cp.kubectl(['wait', '--for=condition=Established', 'crd/browsersessions.lkbrowser.dev', '--timeout=60s']);
  await cp.kubectl(['create', 'namespace', NS]);
  await cp.kubectl(['create', 'namespace', 'shared']);
  // alice may create sessions in team-a, nothing else.
  await cp.kubectl([
    'create',
    'role',
    'sessions',
    '-n',
    NS,
    '--verb=create,get,list',
    '--resource=browsersessions.lkbrowser.dev',
  ]);
  await cp.kubectl(['create', 'rolebinding', 'alice-sessions', '-n', NS, '--role=sessions', '--user=alice']);
});
after(async () => {
  await cp?.stop();
});

describe('the admission policy with the default values', () => {
  before(async () => {
    await installPolicy({});
    await waitFor(
      'the policy is in force',
      async () => (await tryAs('alice', session('probe', { room: 'elsewhere' }))).code !== 0,
      60_000,
      500,
    );
  });

  it('a session in its own room passes', async () => {
    const r = await tryAs('alice', session('ok', {}));
    assert.equal(r.code, 0, r.stderr);
  });

  const attacks: [string, Dict, RegExp][] = [
    ["another team's room", { room: 'other-teams-room' }, /spec\.room must start with "team-a\." in namespace team-a/],
    ['a room prefixed like a longer namespace', { room: 'team-ab.x' }, /spec\.room must start with "team-a\."/],
    [
      'an attacker image',
      { pod: { image: 'attacker/img' } },
      /spec\.pod\.image is not an image the cluster admin allows/,
    ],
    ['a runtimeClass', { pod: { runtimeClassName: 'privileged' } }, /runtimeClassName is not allowed/],
    [
      'a control-plane node',
      { pod: { nodeSelector: { 'node-role.kubernetes.io/control-plane': '' } } },
      /spec\.pod\.nodeSelector has a key/,
    ],
    [
      'tolerate every taint',
      { pod: { tolerations: [{ operator: 'Exists' }] } },
      /spec\.pod\.tolerations must each name a key/,
    ],
    [
      'AppArmor unconfined',
      { pod: { annotations: { 'container.apparmor.security.beta.kubernetes.io/browser': 'unconfined' } } },
      /spec\.pod\.annotations has a key/,
    ],
    ["another Service's label", { pod: { labels: { app: 'payments' } } }, /spec\.pod\.labels has a key/],
    ['0 requests', { pod: { resources: { requests: { cpu: '0' } } } }, /resources\.requests .*out of its bounds/],
    ['1 Ei of memory', { pod: { resources: { limits: { memory: '1Ei' } } } }, /resources\.limits .*out of its bounds/],
    ['an integer cpu above the cap', { pod: { resources: { limits: { cpu: 64 } } } }, /resources\.limits/],
    ['a GPU', { pod: { resources: { limits: { 'nvidia.com/gpu': 1 } } } }, /resources\.limits names a resource/],
    ['private networks', { navigation: { allowPrivateNetworks: true } }, /allowPrivateNetworks is not allowed/],
  ];
  for (const [what, spec, want] of attacks) {
    it(`refuses ${what}`, async () => {
      const r = await tryAs('alice', session('x', spec));
      assert.notEqual(r.code, 0, `${what} was accepted`);
      assert.match(r.stderr, want);
    });
  }

  it('the cluster admin is bound by it too (the policy is about sessions, not users)', async () => {
    const r = await tryAs('admin', session('x', { pod: { image: 'attacker/img' } }));
    assert.notEqual(r.code, 0);
  });
});

describe('the admission policy with an admin allowlist', () => {
  const values = {
    policy: {
      roomPrefix: '{namespace}.',
      identityPrefix: 'browser-',
      namespaces: { shared: { roomPrefix: '' } },
      images: ['registry.example/lkb/*'],
      runtimeClassNames: ['gvisor'],
      nodeSelectorKeys: ['pool'],
      tolerationKeys: ['dedicated'],
      labelKeys: ['example.com/*'],
      annotationKeys: ['example.com/owner'],
      resources: { cpu: { max: '2' }, memory: { min: '1Gi', max: '4Gi' } },
      engines: ['chromium'],
      videoCodecs: ['vp8'],
      allowPrivateNetworks: true,
      allowAutomation: false,
    },
  };
  const allowed = {
    participant: { identity: 'browser-1' },
    navigation: { allowPrivateNetworks: true },
    pod: {
      image: 'registry.example/lkb/runtime:2',
      runtimeClassName: 'gvisor',
      nodeSelector: { pool: 'browsers' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'browsers', effect: 'NoSchedule' }],
      labels: { 'example.com/team': 'a' },
      annotations: { 'example.com/owner': 'b' },
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: 2, memory: '4Gi' } },
    },
  };
  before(async () => {
    await installPolicy(values);
    await waitFor(
      'the new policy is in force',
      async () => (await tryAs('alice', session('browser-probe', allowed))).code === 0,
      60_000,
      500,
    );
  });

  it('what the values allow passes', async () => {
    const r = await tryAs('alice', session('browser-ok', allowed));
    assert.equal(r.code, 0, r.stderr);
  });
  const refused: [string, Dict, RegExp][] = [
    [
      'an image outside the prefix',
      { pod: { ...allowed.pod, image: 'evil/registry.example/lkb/x' } },
      /spec\.pod\.image/,
    ],
    ['cpu above the cap', { pod: { ...allowed.pod, resources: { limits: { cpu: '2001m' } } } }, /resources\.limits/],
    ['memory below the floor', { pod: { ...allowed.pod, resources: { requests: { memory: '512Mi' } } } }, /requests/],
    ['an identity without the prefix', { participant: { identity: 'agent-1' } }, /identity must start with "browser-"/],
    ['automation', { automation: { enabled: true } }, /spec\.automation is not allowed/],
    ['a codec outside policy.videoCodecs', { videoCodec: 'av1' }, /spec\.videoCodec is not allowed/],
  ];
  for (const [what, over, want] of refused) {
    it(`refuses ${what}`, async () => {
      const r = await tryAs('alice', session('browser-x', { ...allowed, ...over }));
      assert.notEqual(r.code, 0, `${what} was accepted`);
      assert.match(r.stderr, want);
    });
  }
  it('metadata.name is the identity when spec.participant.identity is unset', async () => {
    const { participant: _p, ...rest } = allowed;
    assert.equal((await tryAs('alice', session('browser-named', rest))).code, 0);
    assert.notEqual((await tryAs('alice', session('named', rest))).code, 0);
  });
  it('a per-namespace override: "shared" may use any room', async () => {
    const s = {
      ...session('browser-s', { ...allowed, room: 'anything' }),
      metadata: { name: 'browser-s', namespace: 'shared' },
    };
    const r = await tryAs('admin', s);
    assert.equal(r.code, 0, r.stderr);
  });
});
