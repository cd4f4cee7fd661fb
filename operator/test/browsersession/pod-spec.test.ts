import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_RESOURCES,
  desiredPod,
  specHash,
  labelValue,
  PRIOR_RESTARTS_ANNOTATION,
  podNameFor,
  SPEC_HASH_ANNOTATION,
  stableStringify,
} from '../../src/browsersession/pod-spec.ts';
import { resolveSpec } from '../../src/browsersession/resolved-spec.ts';
import type { BrowserSession } from '../../src/browsersession/types.ts';
import { served } from '../support/crd.ts';
import { testConfig } from '../support/helpers.ts';

/** A session as served: the CRD's defaults applied to what the user wrote. */
function mk(spec: Record<string, unknown> = {}, name = 'demo'): BrowserSession {
  return served({ url: 'https://example.com', room: 'demo-room', ...spec }, { name, namespace: 'team-a' });
}
const cfg = testConfig({ livekitUrl: 'wss://lk.example.com', runtimeImage: 'lkbrowser-runtime:0.1.0' });
const build = (s: BrowserSession, prior = 0) => desiredPod(s, resolveSpec(s, cfg), cfg, prior);
const envOf = (s: BrowserSession) =>
  Object.fromEntries((build(s).spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));

test('env: table of spec → runtime environment', () => {
  const cases: { name: string; spec: Record<string, unknown>; want: Record<string, unknown> }[] = [
    {
      name: 'defaults',
      spec: {},
      want: {
        LIVEKIT_URL: 'wss://lk.example.com',
        LIVEKIT_ROOM: 'demo-room',
        LIVEKIT_IDENTITY: 'demo',
        LIVEKIT_NAME: 'demo',
        LKB_TOKEN_FILE: '/var/run/lkbrowser/livekit/token',
        LKB_URL: 'https://example.com',
        LKB_WIDTH: '1280',
        LKB_HEIGHT: '720',
        LKB_FRAMERATE: '30',
        LKB_AUDIO: 'true',
        LKB_ENGINE: 'chromium',
        LKB_NAV_ALLOWED_ORIGINS: '',
        LKB_NAV_ALLOW_PRIVATE_NETWORKS: 'false',
        LKB_FOCUS_IDLE_RELEASE_SECONDS: '120',
        LKB_FOCUS_PRIORITY_IDENTITIES: '',
        LKB_EMPTY_ROOM_TIMEOUT_SECONDS: '0',
        LKB_MAX_DURATION_SECONDS: '0',
        LKB_METRICS_PORT: '9090',
      },
    },
    {
      name: 'everything set',
      spec: {
        participant: { identity: 'browser-1', name: 'Shared browser' },
        viewport: { width: 1920, height: 1080, framerate: 60 },
        audio: false,
        engine: 'cef',
        navigation: { allowedOrigins: ['https://a.example', 'https://b.example:8443'], allowPrivateNetworks: true },
        focus: { idleReleaseSeconds: 0, priorityIdentities: ['agent-1', 'agent-2'] },
        lifetime: { maxDurationSeconds: 3600, emptyRoomTimeoutSeconds: 300 },
      },
      want: {
        LIVEKIT_URL: 'wss://lk.example.com',
        LIVEKIT_IDENTITY: 'browser-1',
        LIVEKIT_NAME: 'Shared browser',
        LKB_WIDTH: '1920',
        LKB_HEIGHT: '1080',
        LKB_FRAMERATE: '60',
        LKB_AUDIO: 'false',
        LKB_ENGINE: 'cef',
        LKB_NAV_ALLOWED_ORIGINS: 'https://a.example,https://b.example:8443',
        LKB_NAV_ALLOW_PRIVATE_NETWORKS: 'true',
        LKB_FOCUS_IDLE_RELEASE_SECONDS: '0',
        LKB_FOCUS_PRIORITY_IDENTITIES: 'agent-1,agent-2',
        LKB_EMPTY_ROOM_TIMEOUT_SECONDS: '300',
        LKB_MAX_DURATION_SECONDS: '3600',
      },
    },
  ];
  for (const c of cases) {
    const env = envOf(mk(c.spec));
    for (const [k, v] of Object.entries(c.want)) assert.deepEqual(env[k], v, `${c.name}: ${k}`);
  }
});

test('no API key or secret reaches the pod: only the per-session token Secret, mounted read-only', () => {
  const pod = build(mk());
  const text = JSON.stringify(pod);
  for (const e of pod.spec?.containers[0]?.env ?? []) {
    assert.doesNotMatch(e.name, /API_KEY|API_SECRET/, e.name);
    assert.equal(e.valueFrom, undefined, `${e.name} references no Secret key`);
  }
  assert.ok(!text.includes('secretKeyRef'));
  const secretVolumes = pod.spec?.volumes?.filter((v) => v.secret) ?? [];
  assert.deepEqual(secretVolumes, [
    { name: 'livekit-token', secret: { secretName: 'demo-livekit-token', defaultMode: 0o440 } },
  ]);
  assert.deepEqual(
    pod.spec?.containers[0]?.volumeMounts?.find((m) => m.name === 'livekit-token'),
    { name: 'livekit-token', mountPath: '/var/run/lkbrowser/livekit', readOnly: true },
  );
});

test('the cluster CIDRs reach the runtime as LKB_EGRESS_DENY_CIDRS', () => {
  assert.equal(envOf(mk()).LKB_EGRESS_DENY_CIDRS, undefined, 'unset without --egress-deny-cidrs');
  const c2 = testConfig({ egressDenyCidrs: ['10.244.0.0/16', '10.96.0.0/12'] });
  const pod = desiredPod(mk(), resolveSpec(mk(), c2), c2);
  const env = pod.spec?.containers[0]?.env ?? [];
  assert.equal(env.find((e) => e.name === 'LKB_EGRESS_DENY_CIDRS')?.value, '10.244.0.0/16,10.96.0.0/12');
});

test('hostNetwork (test clusters without a pod network): only with --runtime-host-network; crashes say why', () => {
  const plain = desiredPod(mk(), resolveSpec(mk(), testConfig()), testConfig()).spec;
  assert.equal(plain?.hostNetwork, undefined);
  assert.equal(plain?.dnsPolicy, undefined);
  const c2 = testConfig({ runtimeHostNetwork: true });
  const spec = desiredPod(mk(), resolveSpec(mk(), c2), c2).spec;
  assert.equal(spec?.hostNetwork, true);
  assert.equal(spec?.dnsPolicy, 'ClusterFirstWithHostNet');
  assert.equal(plain?.containers[0]?.terminationMessagePolicy, 'FallbackToLogsOnError');
});

test("seccomp: RuntimeDefault unless the admin names a Localhost profile (Chromium's sandbox), pod and container", () => {
  const c2 = testConfig({ runtimeSeccompProfile: 'lkbrowser/chromium.json' });
  const pod = desiredPod(mk(), resolveSpec(mk(), c2), c2);
  const want = { type: 'Localhost', localhostProfile: 'lkbrowser/chromium.json' };
  assert.deepEqual(pod.spec?.securityContext?.seccompProfile, want);
  assert.deepEqual(pod.spec?.containers[0]?.securityContext?.seccompProfile, want);
  // the rest of the hardening is unchanged (PodSecurity restricted allows RuntimeDefault and Localhost only)
  assert.deepEqual(pod.spec?.containers[0]?.securityContext?.capabilities, { drop: ['ALL'] });
  assert.equal(pod.spec?.containers[0]?.securityContext?.allowPrivilegeEscalation, false);
  assert.notEqual(specHash(pod), specHash(build(mk())), 'a new profile is a new pod');
});

test('metadata: owner reference, labels, annotations, name', () => {
  const s = mk({ pod: { labels: { team: 'x' }, annotations: { 'example.com/a': 'b' } } });
  const pod = build(s, 3);
  assert.equal(pod.metadata.name, 'demo-browser');
  assert.equal(pod.metadata.namespace, 'team-a');
  assert.deepEqual(pod.metadata.ownerReferences, [
    {
      apiVersion: 'lkbrowser.dev/v1alpha1',
      kind: 'BrowserSession',
      name: 'demo',
      uid: 'uid-1',
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  assert.deepEqual(pod.metadata.labels, {
    team: 'x',
    'app.kubernetes.io/name': 'lkbrowser-runtime',
    'app.kubernetes.io/instance': 'demo',
    'app.kubernetes.io/component': 'browser',
    'app.kubernetes.io/managed-by': 'lkbrowser-operator',
    'lkbrowser.dev/session': 'demo',
  });
  assert.equal(pod.metadata.annotations?.['example.com/a'], 'b');
  assert.equal(pod.metadata.annotations?.['lkbrowser.dev/room'], 'demo-room');
  assert.equal(pod.metadata.annotations?.[PRIOR_RESTARTS_ANNOTATION], '3');
  const long = 'x'.repeat(250);
  assert.ok(podNameFor(long).length <= 253);
  assert.ok(podNameFor(long).endsWith('-browser'));
  assert.equal(labelValue(long).length <= 63, true);
  assert.notEqual(labelValue(`${long}a`), labelValue(`${long}b`));
});

test('spec: restricted security, probes, volumes, restart policy', () => {
  const pod = build(mk());
  const spec = pod.spec;
  const c = spec?.containers[0];
  assert.equal(spec?.restartPolicy, 'OnFailure');
  assert.equal(spec?.automountServiceAccountToken, false);
  assert.equal(spec?.enableServiceLinks, false);
  assert.deepEqual(spec?.securityContext, {
    runAsNonRoot: true,
    runAsUser: 1000,
    runAsGroup: 1000,
    fsGroup: 1000,
    seccompProfile: { type: 'RuntimeDefault' },
  });
  assert.deepEqual(c?.securityContext, {
    runAsNonRoot: true,
    runAsUser: 1000,
    runAsGroup: 1000,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  });
  assert.deepEqual(c?.readinessProbe?.httpGet, { path: '/readyz', port: 9090 });
  assert.deepEqual(c?.livenessProbe?.httpGet, { path: '/healthz', port: 9090 });
  assert.deepEqual(c?.ports, [{ name: 'metrics', containerPort: 9090, protocol: 'TCP' }]);
  assert.deepEqual(
    c?.volumeMounts?.map((m) => m.mountPath),
    ['/tmp', '/home/lkb', '/dev/shm', '/var/run/lkbrowser/livekit'],
  );
  assert.deepEqual(spec?.volumes?.find((v) => v.name === 'dshm')?.emptyDir, { medium: 'Memory', sizeLimit: '512Mi' });
  assert.equal(c?.image, 'lkbrowser-runtime:0.1.0');
  assert.equal(c?.imagePullPolicy, 'IfNotPresent');
  assert.deepEqual(c?.resources, DEFAULT_RESOURCES);
  assert.equal(spec?.nodeSelector, undefined);
  assert.equal(spec?.runtimeClassName, undefined);
});

test('image by engine: the CEF runtime image for cef sessions, spec.pod.image wins', () => {
  const withCef = testConfig({ runtimeImage: 'lkb-runtime:1', cefRuntimeImage: 'lkb-runtime-cef:1' });
  const imageOf = (spec: Record<string, unknown>, c = withCef) =>
    desiredPod(mk(spec), resolveSpec(mk(spec), c), c).spec?.containers[0]?.image;
  assert.equal(imageOf({}), 'lkb-runtime:1');
  assert.equal(imageOf({ engine: 'chromium' }), 'lkb-runtime:1');
  assert.equal(imageOf({ engine: 'cef' }), 'lkb-runtime-cef:1');
  assert.equal(imageOf({ engine: 'cef', pod: { image: 'registry.example/own:2' } }), 'registry.example/own:2');
  assert.notEqual(
    build(mk({ engine: 'cef' })).metadata.annotations?.[SPEC_HASH_ANNOTATION],
    build(mk()).metadata.annotations?.[SPEC_HASH_ANNOTATION],
    'changing the engine recreates the pod',
  );
});

test('pod overrides are merged', () => {
  const pod = build(
    mk({
      pod: {
        image: 'registry.example/lkb:1',
        imagePullPolicy: 'Always',
        resources: { requests: { cpu: '500m' }, limits: { cpu: 2, memory: '4Gi' } },
        nodeSelector: { pool: 'browsers' },
        tolerations: [{ key: 'browsers', operator: 'Exists', effect: 'NoSchedule' }],
        runtimeClassName: 'gvisor',
      },
    }),
  );
  const c = pod.spec?.containers[0];
  assert.equal(c?.image, 'registry.example/lkb:1');
  assert.equal(c?.imagePullPolicy, 'Always');
  assert.deepEqual(c?.resources, { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: 2, memory: '4Gi' } });
  assert.deepEqual(pod.spec?.nodeSelector, { pool: 'browsers' });
  assert.deepEqual(pod.spec?.tolerations, [{ key: 'browsers', operator: 'Exists', effect: 'NoSchedule' }]);
  assert.equal(pod.spec?.runtimeClassName, 'gvisor');
  const cfg2 = testConfig({ runtimePort: 9191, shmSize: '1Gi' });
  const p2 = desiredPod(mk(), resolveSpec(mk(), cfg2), cfg2);
  assert.deepEqual(p2.spec?.containers[0]?.readinessProbe?.httpGet, { path: '/readyz', port: 9191 });
  assert.equal(p2.spec?.volumes?.find((v) => v.name === 'dshm')?.emptyDir?.sizeLimit, '1Gi');
});

test('spec hash: stable, independent of key order and restart bookkeeping, sensitive to every input', () => {
  const base = build(mk()).metadata.annotations?.[SPEC_HASH_ANNOTATION];
  assert.match(base ?? '', /^[0-9a-f]{16}$/);
  assert.equal(build(mk(), 7).metadata.annotations?.[SPEC_HASH_ANNOTATION], base, 'prior restarts not hashed');
  const reordered = mk();
  reordered.spec = Object.fromEntries(Object.entries(reordered.spec).reverse()) as BrowserSession['spec'];
  assert.equal(build(reordered).metadata.annotations?.[SPEC_HASH_ANNOTATION], base);
  const variants: Record<string, unknown>[] = [
    { url: 'https://example.org' },
    { viewport: { width: 1281 } },
    { audio: false },
    { focus: { priorityIdentities: ['a'] } },
    { pod: { labels: { x: 'y' } } },
    { pod: { annotations: { x: 'y' } } },
    { pod: { resources: { limits: { memory: '3Gi' } } } },
  ];
  const seen = new Set([base]);
  for (const v of variants) {
    const h = build(mk(v)).metadata.annotations?.[SPEC_HASH_ANNOTATION];
    assert.ok(!seen.has(h), `variant ${JSON.stringify(v)} must change the hash`);
    seen.add(h);
  }
  assert.equal(stableStringify({ b: 1, a: [{ d: 2, c: 3 }] }), '{"a":[{"c":3,"d":2}],"b":1}');
});

test("spec.automation: off by default; on, the operator's token Secret is a read-only file and the port is named", () => {
  const off = build(mk());
  assert.equal(envOf(mk()).LKB_AUTOMATION, undefined);
  assert.equal(
    off.spec?.volumes?.some((v) => v.name === 'automation-token'),
    false,
  );
  const s = mk({ automation: { enabled: true } });
  const pod = build(s);
  const c = pod.spec?.containers[0];
  assert.equal(envOf(s).LKB_AUTOMATION, 'true');
  assert.equal(envOf(s).LKB_AUTOMATION_PORT, '9223');
  assert.equal(envOf(s).LKB_AUTOMATION_TOKEN_FILE, '/var/run/lkbrowser/automation/token');
  assert.deepEqual(pod.spec?.volumes?.find((v) => v.name === 'automation-token')?.secret, {
    secretName: `${s.metadata.name}-automation`,
    items: [{ key: 'token', path: 'token' }],
    defaultMode: 0o440,
  });
  assert.deepEqual(
    c?.volumeMounts?.find((m) => m.name === 'automation-token'),
    {
      name: 'automation-token',
      mountPath: '/var/run/lkbrowser/automation',
      readOnly: true,
    },
  );
  assert.ok(c?.ports?.some((p) => p.name === 'automation' && p.containerPort === 9223));
  assert.notEqual(pod.metadata.annotations?.[SPEC_HASH_ANNOTATION], off.metadata.annotations?.[SPEC_HASH_ANNOTATION]);
  // The token itself never appears in the pod (only the Secret's name).
  assert.ok(!JSON.stringify(pod).includes('Bearer'));
});
