// The operator's types and validation against crds/browsersession.yaml (owned by the chart/CRD work): every CRD
// field exists in operator/src/types.ts and vice versa, and validate.ts accepts/rejects exactly what the CRD's
// OpenAPI rules + CEL accept/reject (using the offline CRD validator from helm/test/lib), except for the few
// rules only the operator can check, listed below.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { CrdValidator, type Schema } from '../../helm/test/lib/crd-validator.ts';
import { resolveSpec } from '../src/browsersession/defaults.ts';
import { desiredPod } from '../src/browsersession/pod-spec.ts';
import type { BrowserSession, BrowserSessionSpec, BrowserSessionStatus } from '../src/browsersession/types.ts';
import { validateSession } from '../src/browsersession/validate.ts';
import { testConfig } from './helpers.ts';

const crd = parse(readFileSync(new URL('../../crds/browsersession.yaml', import.meta.url), 'utf8')) as {
  spec: { group: string; names: { kind: string; plural: string; shortNames: string[] }; versions: { name: string; schema: { openAPIV3Schema: Schema } }[] };
};
const version = crd.spec.versions[0];
assert.ok(version);
const schema = version.schema.openAPIV3Schema;
const validator = new CrdValidator(schema);

type DeepRequired<T> = T extends (infer U)[] ? DeepRequired<U>[] : T extends object ? { [K in keyof T]-?: DeepRequired<T[K]> } : T;

// Every field of the TS types must appear here (the compiler enforces it through DeepRequired).
const fullSpec: DeepRequired<BrowserSessionSpec> = {
  url: 'https://example.com',
  room: 'demo',
  participant: { identity: 'browser', name: 'Browser' },
  livekit: { url: 'wss://lk.example.com', credentialsSecret: { name: 'lk', apiKeyKey: 'apiKey', apiSecretKey: 'apiSecret' } },
  viewport: { width: 1280, height: 720, framerate: 30 },
  audio: true,
  navigation: { allowedOrigins: ['https://example.com'], allowPrivateNetworks: false },
  focus: { idleReleaseSeconds: 120, priorityIdentities: ['agent-1'] },
  lifetime: { maxDurationSeconds: 0, emptyRoomTimeoutSeconds: 0 },
  pod: {
    image: 'lkbrowser-runtime:0.1.0',
    imagePullPolicy: 'IfNotPresent',
    resources: { requests: { cpu: '1' }, limits: { memory: '2Gi' } },
    nodeSelector: { pool: 'browsers' },
    tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule', tolerationSeconds: 10 }],
    labels: { team: 'a' },
    annotations: { a: 'b' },
    runtimeClassName: 'gvisor',
  },
};
const fullStatus: DeepRequired<BrowserSessionStatus> = {
  phase: 'Running',
  observedGeneration: 1,
  conditions: [{ type: 'Ready', status: 'True', reason: 'RuntimeReady', message: '', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 1 }],
  podName: 'p',
  participantIdentity: 'browser',
  startTime: '2026-01-01T00:00:00Z',
  restarts: 0,
  url: 'https://example.com',
  focusHolder: 'alice',
  message: 'ok',
};

/** Property paths of a schema, stopping at free-form maps (additionalProperties). */
function schemaPaths(s: Schema, prefix: string, out: Set<string>): void {
  const props = s.properties as Record<string, Schema> | undefined;
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      out.add(`${prefix}.${k}`);
      schemaPaths(v, `${prefix}.${k}`, out);
    }
  }
  const items = s.items as Schema | undefined;
  if (items) schemaPaths(items, `${prefix}[]`, out);
}
/** Property paths of a sample value, with the same map boundaries as the schema. */
function valuePaths(v: unknown, s: Schema, prefix: string, out: Set<string>): void {
  if (Array.isArray(v)) {
    for (const x of v) valuePaths(x, (s.items as Schema) ?? {}, `${prefix}[]`, out);
    return;
  }
  if (v === null || typeof v !== 'object' || !s.properties) return;
  const props = s.properties as Record<string, Schema>;
  for (const [k, x] of Object.entries(v)) {
    out.add(`${prefix}.${k}`);
    valuePaths(x, props[k] ?? {}, `${prefix}.${k}`, out);
  }
}

test('CRD identity: group, version, kind, plural, short name', () => {
  assert.equal(crd.spec.group, 'lkbrowser.dev');
  assert.equal(version.name, 'v1alpha1');
  assert.equal(crd.spec.names.kind, 'BrowserSession');
  assert.equal(crd.spec.names.plural, 'browsersessions');
  assert.deepEqual(crd.spec.names.shortNames, ['bs']);
});

test('types.ts has exactly the fields of the CRD schema (spec and status)', () => {
  for (const part of ['spec', 'status'] as const) {
    const sub = (schema.properties as Record<string, Schema>)[part] as Schema;
    const fromCrd = new Set<string>();
    schemaPaths(sub, part, fromCrd);
    const fromTypes = new Set<string>();
    valuePaths(part === 'spec' ? fullSpec : fullStatus, sub, part, fromTypes);
    assert.deepEqual([...fromTypes].sort(), [...fromCrd].sort(), part);
  }
  const obj = { apiVersion: 'lkbrowser.dev/v1alpha1', kind: 'BrowserSession', metadata: { name: 'full' }, spec: fullSpec, status: fullStatus };
  assert.deepEqual(validator.validate(obj), [], 'the full sample is valid for the CRD');
});

// [description, spec, rules only the operator enforces?]
const cases: [string, Record<string, unknown>][] = [
  ['minimal', { url: 'https://example.com', room: 'demo' }],
  ['full', fullSpec as unknown as Record<string, unknown>],
  ['ftp url', { url: 'ftp://example.com', room: 'demo' }],
  ['url with space', { url: 'https://exa mple.com', room: 'demo' }],
  ['short url', { url: 'http://', room: 'demo' }],
  ['bad room', { url: 'https://example.com', room: '-x' }],
  ['long room', { url: 'https://example.com', room: 'r'.repeat(129) }],
  ['bad identity', { url: 'https://example.com', room: 'demo', participant: { identity: 'a b' } }],
  ['long name', { url: 'https://example.com', room: 'demo', participant: { name: 'n'.repeat(129) } }],
  ['tcp livekit', { url: 'https://example.com', room: 'demo', livekit: { url: 'tcp://x.example' } }],
  ['ws livekit', { url: 'https://example.com', room: 'demo', livekit: { url: 'ws://x.example:7880' } }],
  ['bad secret name', { url: 'https://example.com', room: 'demo', livekit: { credentialsSecret: { name: 'Bad' } } }],
  ['bad secret key', { url: 'https://example.com', room: 'demo', livekit: { credentialsSecret: { name: 'ok', apiSecretKey: 'a/b' } } }],
  ['width low', { url: 'https://example.com', room: 'demo', viewport: { width: 319 } }],
  ['width high', { url: 'https://example.com', room: 'demo', viewport: { width: 1921 } }],
  ['height high', { url: 'https://example.com', room: 'demo', viewport: { height: 1081 } }],
  ['fps 0', { url: 'https://example.com', room: 'demo', viewport: { framerate: 0 } }],
  ['fps 61', { url: 'https://example.com', room: 'demo', viewport: { framerate: 61 } }],
  ['max viewport', { url: 'https://example.com', room: 'demo', viewport: { width: 1920, height: 1080, framerate: 60 } }],
  ['origin with path', { url: 'https://example.com', room: 'demo', navigation: { allowedOrigins: ['https://a.example/x'] } }],
  ['origin with port', { url: 'https://example.com', room: 'demo', navigation: { allowedOrigins: ['https://a.example:8443'] } }],
  ['duplicate origins', { url: 'https://example.com', room: 'demo', navigation: { allowedOrigins: ['https://a.example', 'https://a.example'] } }],
  ['idle -1', { url: 'https://example.com', room: 'demo', focus: { idleReleaseSeconds: -1 } }],
  ['idle max', { url: 'https://example.com', room: 'demo', focus: { idleReleaseSeconds: 86400 } }],
  ['idle too long', { url: 'https://example.com', room: 'demo', focus: { idleReleaseSeconds: 86401 } }],
  ['17 priority ids', { url: 'https://example.com', room: 'demo', focus: { priorityIdentities: Array.from({ length: 17 }, (_, i) => `p${i}`) } }],
  ['empty priority id', { url: 'https://example.com', room: 'demo', focus: { priorityIdentities: [''] } }],
  ['negative lifetime', { url: 'https://example.com', room: 'demo', lifetime: { maxDurationSeconds: -1 } }],
  ['lifetime too long', { url: 'https://example.com', room: 'demo', lifetime: { emptyRoomTimeoutSeconds: 31536001 } }],
  ['bad pull policy', { url: 'https://example.com', room: 'demo', pod: { imagePullPolicy: 'Sometimes' } }],
  ['empty image', { url: 'https://example.com', room: 'demo', pod: { image: '' } }],
  ['bad quantity', { url: 'https://example.com', room: 'demo', pod: { resources: { limits: { memory: 'lots' } } } }],
  ['int quantity', { url: 'https://example.com', room: 'demo', pod: { resources: { limits: { cpu: 2 } } } }],
  ['reserved label', { url: 'https://example.com', room: 'demo', pod: { labels: { 'lkbrowser.dev/session': 'x' } } }],
  ['long label value', { url: 'https://example.com', room: 'demo', pod: { labels: { a: 'v'.repeat(64) } } }],
  ['bad toleration op', { url: 'https://example.com', room: 'demo', pod: { tolerations: [{ operator: 'Maybe' }] } }],
  ['bad runtime class', { url: 'https://example.com', room: 'demo', pod: { runtimeClassName: 'Gvisor' } }],
];

test('validate.ts agrees with the CRD (OpenAPI + CEL) on every case', () => {
  const cfg = testConfig();
  for (const [name, spec] of cases) {
    const obj = { apiVersion: 'lkbrowser.dev/v1alpha1', kind: 'BrowserSession', metadata: { name: 'parity' }, spec };
    const crdIssues = validator.validate(obj);
    // The operator sees what the apiserver stored: the CRD-defaulted object.
    const stored = validator.defaulted(obj) as unknown as BrowserSession;
    const opIssues = validateSession(stored, resolveSpec(stored, cfg));
    assert.equal(opIssues.length === 0, crdIssues.length === 0, `${name}: CRD ${JSON.stringify(crdIssues)} vs operator ${JSON.stringify(opIssues)}`);
  }
});

test('rules only the operator enforces (documented differences)', () => {
  const cfg = testConfig();
  const check = (spec: Record<string, unknown>, crdOk: boolean, opRe: RegExp, c = cfg) => {
    const obj = { apiVersion: 'lkbrowser.dev/v1alpha1', kind: 'BrowserSession', metadata: { name: 'parity' }, spec };
    assert.equal(validator.validate(obj).length === 0, crdOk);
    const stored = validator.defaulted(obj) as unknown as BrowserSession;
    assert.match(validateSession(stored, resolveSpec(stored, c)).join(';'), opRe);
  };
  // LKB_FOCUS_PRIORITY is a comma-separated env var: a comma inside an identity would split it.
  check({ url: 'https://example.com', room: 'demo', focus: { priorityIdentities: ['a,b'] } }, true, /must not contain a comma/);
  // Without a --livekit-url default, a session must name its LiveKit server.
  check({ url: 'https://example.com', room: 'demo' }, true, /spec\.livekit\.url is required/, testConfig({ livekitUrl: '' }));
});

test('the examples/ sessions are accepted by the operator and produce a pod', () => {
  const cfg = testConfig();
  const dir = new URL('../../examples/', import.meta.url);
  let n = 0;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(new URL(f, dir), 'utf8'))) {
      const obj = doc.toJS() as { kind?: string } | null;
      if (obj?.kind !== 'BrowserSession') continue;
      n++;
      assert.deepEqual(validator.validate(obj), [], `${f}: CRD`);
      const stored = { ...validator.defaulted(obj), metadata: { ...(obj as BrowserSession).metadata, namespace: 'default', uid: 'u', generation: 1 } } as unknown as BrowserSession;
      const r = resolveSpec(stored, cfg);
      assert.deepEqual(validateSession(stored, r), [], `${f}: operator`);
      const pod = desiredPod(stored, r, cfg);
      assert.equal(pod.spec?.containers[0]?.env?.find((e) => e.name === 'LIVEKIT_ROOM')?.value, stored.spec.room, f);
    }
  }
  assert.ok(n >= 2, `found ${n} BrowserSession examples`);
});
