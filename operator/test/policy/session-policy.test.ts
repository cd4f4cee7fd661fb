// The admin policy (table): the attacks of issue #12 (a tenant's CR asking for another team's room, an image, a
// Secret-bearing override, privileged placement, unbounded resources, the unsandboxed engine) against the defaults.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { mergeResources } from '../../src/browsersession/pod-spec.ts';
import {
  checkPolicy,
  DEFAULT_POLICY,
  loadPolicy,
  matches,
  parsePolicy,
  prefixesFor,
  type SessionPolicy,
} from '../../src/policy/session-policy.ts';
import { parseQuantity } from '../../src/policy/quantity.ts';
import { served } from '../support/crd.ts';

const NS = 'team-a';
function problems(spec: Record<string, unknown>, policy: SessionPolicy = DEFAULT_POLICY, identity?: string): string[] {
  const s = served({ url: 'https://example.com', room: `${NS}.demo`, ...spec }, { name: 'demo', namespace: NS });
  const id = identity ?? (s.spec.participant?.identity || 'demo');
  return checkPolicy(policy, s, id, mergeResources(s.spec.pod?.resources));
}

describe('checkPolicy with the default policy', () => {
  const cases: [string, Record<string, unknown>, RegExp | undefined][] = [
    ['a plain session in its own room', {}, undefined],
    ['the CRD default resources', { pod: { imagePullPolicy: 'Always' } }, undefined],
    ["another team's room", { room: 'other-teams-room' }, /spec\.room must start with "team-a\."/],
    ['a room of a namespace with a longer name', { room: 'team-ab.x' }, /spec\.room must start with "team-a\."/],
    ['an attacker image', { pod: { image: 'attacker/img' } }, /spec\.pod\.image "attacker\/img" is not allowed/],
    ['any runtimeClass', { pod: { runtimeClassName: 'privileged' } }, /runtimeClassName "privileged"/],
    [
      'a control-plane nodeSelector',
      { pod: { nodeSelector: { 'node-role.kubernetes.io/control-plane': '' } } },
      /nodeSelector key "node-role\.kubernetes\.io\/control-plane"/,
    ],
    ['tolerate everything', { pod: { tolerations: [{ operator: 'Exists' }] } }, /must name a key/],
    ['a toleration key', { pod: { tolerations: [{ key: 'dedicated', operator: 'Exists' }] } }, /key "dedicated"/],
    [
      'AppArmor unconfined',
      { pod: { annotations: { 'container.apparmor.security.beta.kubernetes.io/browser': 'unconfined' } } },
      /annotations key "container\.apparmor/,
    ],
    ['a Multus network', { pod: { annotations: { 'k8s.v1.cni.cncf.io/networks': 'x' } } }, /annotations key/],
    ["another Service's selector label", { pod: { labels: { app: 'payments' } } }, /labels key "app"/],
    ['0 requests', { pod: { resources: { requests: { cpu: '0', memory: '0' } } } }, /requests\.cpu 0 is below/],
    [
      '1 Ei limits',
      { pod: { resources: { limits: { memory: '1Ei' } } } },
      /limits\.memory 1Ei is above the maximum 8Gi/,
    ],
    ['a GPU', { pod: { resources: { limits: { 'nvidia.com/gpu': 1 } } } }, /nvidia\.com\/gpu is not allowed/],
    ['private networks', { navigation: { allowPrivateNetworks: true } }, /allowPrivateNetworks is not allowed/],
    ['the unsandboxed CEF engine', { engine: 'cef' }, /spec\.engine "cef" is not allowed/],
    ['every codec the CRD offers (vp9)', { videoCodec: 'vp9' }, undefined],
    ['every codec the CRD offers (av1)', { videoCodec: 'av1' }, undefined],
  ];
  for (const [what, spec, want] of cases) {
    it(`${what} → ${want ? 'refused' : 'allowed'}`, () => {
      const p = problems(spec);
      if (want === undefined) assert.deepEqual(p, []);
      else assert.match(p.join('; '), want);
    });
  }
  it('lists every problem at once', () => {
    assert.equal(problems({ room: 'x', pod: { image: 'a', runtimeClassName: 'b' } }).length, 3);
  });
});

describe('checkPolicy with an admin allowlist', () => {
  const policy = parsePolicy({
    roomPrefix: 'rooms-{namespace}-',
    identityPrefix: '{namespace}-',
    namespaces: { shared: { roomPrefix: '' } },
    images: ['registry.example/lkb/*', 'ghcr.io/lkbrowser/runtime:1.0.0'],
    runtimeClassNames: ['gvisor'],
    nodeSelectorKeys: ['pool'],
    tolerationKeys: ['dedicated'],
    labelKeys: ['cost-center', 'example.com/*'],
    annotationKeys: ['example.com/owner'],
    resources: { cpu: { max: '2' }, memory: { min: '1Gi', max: '4Gi' } },
    engines: ['chromium', 'cef'],
    videoCodecs: ['vp8', 'h264'],
    allowPrivateNetworks: true,
  });
  const ok = {
    room: 'rooms-team-a-x',
    participant: { identity: 'team-a-browser' },
    engine: 'cef',
    videoCodec: 'h264',
    navigation: { allowPrivateNetworks: true },
    pod: {
      image: 'registry.example/lkb/runtime:2',
      runtimeClassName: 'gvisor',
      nodeSelector: { pool: 'browsers' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'browsers', effect: 'NoSchedule' }],
      labels: { 'cost-center': 'x', 'example.com/team': 'y' },
      annotations: { 'example.com/owner': 'z' },
      resources: { limits: { cpu: '1500m', memory: '3Gi' } },
    },
  };
  it('allows exactly what is listed', () => assert.deepEqual(problems(ok, policy), []));
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['an image outside the prefix', { pod: { ...ok.pod, image: 'registry.example/other:1' } }, /image/],
    ['a prefix is not a substring match', { pod: { ...ok.pod, image: 'evil/registry.example/lkb/x' } }, /image/],
    ['cpu above 2', { pod: { ...ok.pod, resources: { limits: { cpu: 3 } } } }, /limits\.cpu 3 is above/],
    [
      'ephemeral-storage not listed',
      { pod: { ...ok.pod, resources: { limits: { 'ephemeral-storage': '1Gi' } } } },
      /ephemeral-storage is not allowed/,
    ],
    ['an identity without the prefix', { participant: { identity: 'agent-1' } }, /identity must start with "team-a-"/],
    ['a codec outside the list', { videoCodec: 'av1' }, /spec\.videoCodec "av1" is not allowed \(allowed: vp8, h264\)/],
  ];
  for (const [what, over, want] of bad) {
    it(`refuses ${what}`, () => assert.match(problems({ ...ok, ...over }, policy).join('; '), want));
  }
  it('per-namespace overrides and {namespace}', () => {
    assert.deepEqual(prefixesFor(policy, 'team-a'), { room: 'rooms-team-a-', identity: 'team-a-' });
    assert.deepEqual(prefixesFor(policy, 'shared'), { room: '', identity: 'shared-' });
    assert.deepEqual(prefixesFor(DEFAULT_POLICY, 'x'), { room: 'x.', identity: '' });
  });
});

describe('parsePolicy / loadPolicy', () => {
  it('unset fields keep the safe defaults; no file = the defaults', () => {
    assert.deepEqual(parsePolicy({}), DEFAULT_POLICY);
    assert.deepEqual(parsePolicy(null), DEFAULT_POLICY);
    assert.deepEqual(loadPolicy(''), DEFAULT_POLICY);
    assert.deepEqual(parsePolicy({ images: ['a'] }).engines, ['chromium']);
  });
  const bad: [string, unknown, RegExp][] = [
    ['unknown field', { imgs: [] }, /unknown field imgs/],
    ['list of non-strings', { images: [1] }, /images must be a list/],
    ['empty pattern', { labelKeys: [''] }, /labelKeys/],
    ['bad quantity', { resources: { cpu: { max: 'lots' } } }, /not a quantity/],
    ['unknown bound', { resources: { cpu: { maximum: '1' } } }, /unknown field maximum/],
    ['non-boolean', { allowPrivateNetworks: 'yes' }, /true or false/],
    ['not an object', [], /must be an object/],
  ];
  for (const [what, doc, want] of bad) it(`refuses ${what}`, () => assert.throws(() => parsePolicy(doc), want));
  it('reads JSON or YAML files and names the file in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lkb-policy-'));
    try {
      writeFileSync(join(dir, 'p.json'), JSON.stringify({ images: ['x'] }));
      writeFileSync(join(dir, 'p.yaml'), 'roomPrefix: ""\nimages: [y]\n');
      writeFileSync(join(dir, 'bad.yaml'), 'nope: 1\n');
      assert.deepEqual(loadPolicy(join(dir, 'p.json')).images, ['x']);
      assert.equal(loadPolicy(join(dir, 'p.yaml')).roomPrefix, '');
      assert.throws(() => loadPolicy(join(dir, 'bad.yaml')), /bad\.yaml: policy: unknown field nope/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('patterns: exact, or prefix with a trailing *', () => {
    assert.equal(matches(['a/*'], 'a/b'), true);
    assert.equal(matches(['a/*'], 'b/a/b'), false);
    assert.equal(matches(['a'], 'ab'), false);
    assert.equal(matches([], 'a'), false);
  });
  it('quantities', () => {
    const cases: [string | number, number][] = [
      ['500m', 0.5],
      ['2', 2],
      [4, 4],
      ['1Gi', 2 ** 30],
      ['1.5Gi', 1.5 * 2 ** 30],
      ['1e3', 1000],
      ['1k', 1000],
      ['0', 0],
    ];
    for (const [q, want] of cases) assert.equal(parseQuantity(q), want, String(q));
    for (const q of ['', 'x', '1Q', '1 Gi', '--1']) assert.throws(() => parseQuantity(q), /not a quantity/, q);
  });
});
