// crds/browsersession.yaml: shape, structural-schema rules, defaults, bounds and every CEL rule, checked offline
// against the examples in examples/ and a table of bad objects and updates.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse as celParse } from '@bufbuild/cel';
import { parseAllDocuments } from 'yaml';
import {
  CrdValidator,
  collectRules,
  isObject,
  type Schema,
  toJsonSchema,
  usesOldSelf,
  type ValidationIssue,
} from './lib/crd-validator.ts';

const root = new URL('../../', import.meta.url);
const read = (p: string): string => readFileSync(new URL(p, root), 'utf8');

function loadDocs(p: string): Record<string, unknown>[] {
  return parseAllDocuments(read(p)).map((d) => {
    if (d.errors.length > 0) throw new Error(`${p}: ${d.errors[0]?.message}`);
    return d.toJS() as Record<string, unknown>;
  });
}

const crdText = read('crds/browsersession.yaml');
// The parsed CRD is navigated with many literal paths below; `any` keeps those assertions readable (test-only).
// biome-ignore lint/suspicious/noExplicitAny: test-only navigation of parsed YAML
const [crd] = loadDocs('crds/browsersession.yaml') as [Record<string, any>];
const version = crd.spec.versions[0];
const schema = version.schema.openAPIV3Schema as Schema;
const validator = new CrdValidator(schema);

function session(spec: Record<string, unknown>, name = 'bs'): Record<string, unknown> {
  return { apiVersion: 'lkbrowser.dev/v1alpha1', kind: 'BrowserSession', metadata: { name }, spec };
}
const base = { url: 'https://example.com/', room: 'room-1' };
const withSpec = (extra: Record<string, unknown>): Record<string, unknown> => session({ ...base, ...extra });

function fmt(issues: ValidationIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('\n');
}
function accepts(obj: unknown, old?: unknown): void {
  const issues = validator.validate(obj, old);
  assert.deepEqual(issues, [], `expected accept, got:\n${fmt(issues)}`);
}
function rejects(obj: unknown, expect: RegExp, old?: unknown): void {
  const issues = validator.validate(obj, old);
  assert.ok(issues.length > 0, `expected rejection matching ${expect}, but it was accepted`);
  assert.match(fmt(issues), expect);
}

describe('CRD metadata', () => {
  it('is apiextensions v1, group lkbrowser.dev, namespaced, names as specified', () => {
    assert.equal(crd.apiVersion, 'apiextensions.k8s.io/v1');
    assert.equal(crd.kind, 'CustomResourceDefinition');
    assert.equal(crd.metadata.name, 'browsersessions.lkbrowser.dev');
    assert.equal(crd.spec.group, 'lkbrowser.dev');
    assert.equal(crd.spec.scope, 'Namespaced');
    assert.deepEqual(crd.spec.names, {
      kind: 'BrowserSession',
      listKind: 'BrowserSessionList',
      plural: 'browsersessions',
      singular: 'browsersession',
      shortNames: ['bs'],
      categories: ['lkbrowser'],
    });
  });

  it('has exactly one version v1alpha1, served and storage, with a status subresource', () => {
    assert.equal(crd.spec.versions.length, 1);
    assert.equal(version.name, 'v1alpha1');
    assert.equal(version.served, true);
    assert.equal(version.storage, true);
    assert.deepEqual(version.subresources, { status: {} });
  });

  it('has the printer columns Room, URL, Phase, Focus, Ready, Age and wide-only Pod, Identity', () => {
    const cols = version.additionalPrinterColumns as { name: string; jsonPath: string; type: string; priority?: number }[];
    const byName = Object.fromEntries(cols.map((c) => [c.name, c]));
    assert.deepEqual(
      cols.filter((c) => !c.priority).map((c) => [c.name, c.jsonPath]),
      [
        ['Room', '.spec.room'],
        ['URL', '.spec.url'],
        ['Phase', '.status.phase'],
        ['Focus', '.status.focusHolder'],
        ['Ready', '.status.conditions[?(@.type=="Ready")].status'],
        ['Age', '.metadata.creationTimestamp'],
      ],
    );
    assert.equal(byName.Age?.type, 'date');
    assert.equal(byName.Pod?.jsonPath, '.status.podName');
    assert.equal(byName.Pod?.priority, 1);
    assert.equal(byName.Identity?.jsonPath, '.status.participantIdentity');
    assert.equal(byName.Identity?.priority, 1);
  });
});

describe('structural schema', () => {
  // Walk every schema node with its path.
  function walk(s: Schema, path: string, fn: (s: Schema, path: string) => void): void {
    fn(s, path);
    if (isObject(s.properties)) for (const [k, v] of Object.entries(s.properties)) walk(v as Schema, `${path}.${k}`, fn);
    if (isObject(s.additionalProperties)) walk(s.additionalProperties as Schema, `${path}[*]`, fn);
    if (isObject(s.items)) walk(s.items as Schema, `${path}[]`, fn);
  }

  it('gives every node a type (int-or-string nodes excepted) and never mixes properties with additionalProperties', () => {
    walk(schema, '', (s, path) => {
      if (s['x-kubernetes-int-or-string'] === true) assert.equal(s.type, undefined, path);
      else assert.ok(typeof s.type === 'string', `${path} has no type`);
      assert.ok(!(s.properties && s.additionalProperties), `${path} has properties and additionalProperties`);
      if (s.type === 'object' && !s.properties && !s.additionalProperties && path !== '.metadata')
        assert.equal(s['x-kubernetes-preserve-unknown-fields'], true, `${path} is an empty object schema`);
    });
  });

  it('translates to JSON Schema without unknown keywords', () => {
    assert.doesNotThrow(() => toJsonSchema(schema));
    assert.throws(() => toJsonSchema({ type: 'string', 'x-kubernetes-embedded-resource': true }), /unsupported/);
  });

  it('bounds every spec string, list and map (keeps CEL cost estimation finite) and describes every spec field', () => {
    walk(schema.properties ? ((schema.properties as Record<string, Schema>).spec as Schema) : {}, '.spec', (s, path) => {
      if (s.type === 'string') assert.ok(s.maxLength !== undefined || s.enum !== undefined, `${path} unbounded string`);
      if (s.type === 'array') assert.ok(s.maxItems !== undefined, `${path} unbounded list`);
      if (s.type === 'object' && s.additionalProperties) assert.ok(s.maxProperties !== undefined, `${path} unbounded map`);
      if (s.type === 'integer') assert.ok(s.maximum !== undefined || s.format !== undefined, `${path} unbounded int`);
      const isItem = path.endsWith('[]') || path.endsWith('[*]') || /\.tolerations\[\]\./.test(path);
      if (!isItem) assert.ok(typeof s.description === 'string' && s.description.length > 0, `${path} has no description`);
    });
  });

  it('has defaults that are themselves valid for their field', () => {
    let count = 0;
    walk(schema, '', (s, path) => {
      if (s.default === undefined) return;
      count++;
      const v = new CrdValidator({ type: 'object', properties: { x: s } });
      const issues = v.validate({ x: s.default });
      assert.deepEqual(issues, [], `${path} default invalid: ${fmt(issues)}`);
    });
    assert.ok(count >= 12, `expected the documented defaults, found ${count}`);
  });

  it('only uses standard CEL (no Kubernetes-only libraries) and every rule parses', () => {
    const rules = collectRules(schema);
    assert.ok(rules.length >= 8, `found ${rules.length} rules`);
    const k8sOnly =
      /\b(url|isURL|quantity|isQuantity|ip|isIP|cidr|isCIDR|lowerAscii|upperAscii|split|join|replace|indexOf|lastIndexOf|findAll|find|format|semver|isSemver)\s*\(/;
    for (const { path, rule } of rules) {
      assert.doesNotMatch(rule.rule, k8sOnly, `${path}: ${rule.rule}`);
      assert.doesNotThrow(() => celParse(rule.rule), `${path}: ${rule.rule}`);
      assert.ok(rule.message, `${path} rule without message`);
      if (rule.reason !== undefined)
        assert.ok(
          ['FieldValueInvalid', 'FieldValueForbidden', 'FieldValueRequired', 'FieldValueDuplicate'].includes(rule.reason),
          `${path}: reason ${rule.reason} is not one the apiserver accepts`,
        );
      if (rule.fieldPath) {
        // fieldPath must name a field of the node the rule sits on.
        let node: Schema | undefined = rules.find((r) => r.rule === rule)?.schema;
        for (const part of rule.fieldPath.split('.').filter(Boolean)) {
          node = node && isObject(node.properties) ? ((node.properties as Record<string, Schema>)[part] as Schema) : undefined;
        }
        assert.ok(node, `${path}: fieldPath ${rule.fieldPath} does not resolve`);
      }
    }
  });

  it('is byte-identical to the copy the Helm chart templates', () => {
    assert.equal(read('helm/lkbrowser/files/browsersession.yaml'), crdText);
  });
});

describe('examples/', () => {
  it('browsersession.yaml (minimal) is accepted and gets the documented defaults', () => {
    const docs = loadDocs('examples/browsersession.yaml');
    assert.equal(docs.length, 1);
    const [doc] = docs;
    accepts(doc);
    const spec = validator.defaulted(doc).spec as Record<string, unknown>;
    assert.deepEqual(spec, {
      url: 'https://example.com/',
      room: 'demo-room',
      viewport: { width: 1280, height: 720, framerate: 30 },
      audio: true,
      navigation: { allowPrivateNetworks: false },
      focus: { idleReleaseSeconds: 120 },
      lifetime: { maxDurationSeconds: 0, emptyRoomTimeoutSeconds: 0 },
    });
  });

  it('browsersession-full.yaml sets every spec field and is accepted', () => {
    const docs = loadDocs('examples/browsersession-full.yaml');
    assert.equal(docs.length, 1);
    const [doc] = docs as [Record<string, unknown>];
    accepts(doc);
    // Every leaf field of the spec schema appears in the full example.
    const missing: string[] = [];
    const check = (s: Schema, v: unknown, path: string): void => {
      if (v === undefined) {
        missing.push(path);
        return;
      }
      if (s.type === 'object' && isObject(s.properties))
        for (const [k, sub] of Object.entries(s.properties)) check(sub as Schema, (v as Record<string, unknown>)[k], `${path}.${k}`);
    };
    check((schema.properties as Record<string, Schema>).spec as Schema, doc.spec, '.spec');
    assert.deepEqual(missing, []);
  });

  it('livekit-credentials-secret.yaml is an Opaque Secret with the keys the CRD defaults name', () => {
    // biome-ignore lint/suspicious/noExplicitAny: test-only navigation of parsed YAML
    const [doc] = loadDocs('examples/livekit-credentials-secret.yaml') as [Record<string, any>];
    // biome-ignore lint/suspicious/noExplicitAny: test-only navigation of parsed YAML
    const [full] = loadDocs('examples/browsersession-full.yaml') as [Record<string, any>];
    assert.equal(doc.apiVersion, 'v1');
    assert.equal(doc.kind, 'Secret');
    assert.equal(doc.type, 'Opaque');
    const cs = full.spec.livekit.credentialsSecret;
    assert.equal(doc.metadata.name, cs.name);
    assert.deepEqual(Object.keys(doc.stringData).sort(), [cs.apiKeyKey, cs.apiSecretKey].sort());
    // biome-ignore lint/suspicious/noExplicitAny: test-only navigation of parsed YAML
    const specSchema = (schema.properties as Record<string, any>).spec;
    const csSchema = specSchema.properties.livekit.properties.credentialsSecret.properties;
    assert.equal(csSchema.apiKeyKey.default, 'apiKey');
    assert.equal(csSchema.apiSecretKey.default, 'apiSecret');
  });
});

describe('spec validation on create', () => {
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['missing spec', { apiVersion: 'lkbrowser.dev/v1alpha1', kind: 'BrowserSession', metadata: { name: 'x' } }, /required/],
    ['missing url', session({ room: 'r' }), /required.*url/],
    ['missing room', session({ url: 'https://a.io' }), /required.*room/],
    ['ftp url', withSpec({ url: 'ftp://example.com/file' }), /url must start with http/],
    ['javascript url', withSpec({ url: 'javascript:alert(1)' }), /url must start with http/],
    ['url with whitespace', withSpec({ url: 'https://a.io/x y' }), /whitespace/],
    ['url too long', withSpec({ url: `https://a.io/${'x'.repeat(2048)}` }), /maxLength/],
    ['empty room', withSpec({ room: '' }), /minLength/],
    ['room with space', withSpec({ room: 'my room' }), /pattern/],
    ['room too long', withSpec({ room: 'r'.repeat(129) }), /maxLength/],
    ['identity empty', withSpec({ participant: { identity: '' } }), /minLength/],
    ['identity with slash', withSpec({ participant: { identity: 'a/b' } }), /pattern/],
    ['participant name too long', withSpec({ participant: { name: 'n'.repeat(129) } }), /maxLength/],
    ['livekit tcp url', withSpec({ livekit: { url: 'tcp://lk:7880' } }), /livekit.url must start with/],
    ['secret without name', withSpec({ livekit: { credentialsSecret: { apiKeyKey: 'k' } } }), /required.*name/],
    ['secret name not DNS', withSpec({ livekit: { credentialsSecret: { name: 'Bad_Name' } } }), /pattern/],
    ['secret key with slash', withSpec({ livekit: { credentialsSecret: { name: 's', apiKeyKey: 'a/b' } } }), /pattern/],
    ['width too small', withSpec({ viewport: { width: 100 } }), /minimum/],
    ['width too large', withSpec({ viewport: { width: 2000 } }), /maximum/],
    ['height too large', withSpec({ viewport: { height: 1081 } }), /maximum/],
    ['framerate 0', withSpec({ viewport: { framerate: 0 } }), /minimum/],
    ['framerate 61', withSpec({ viewport: { framerate: 61 } }), /maximum/],
    ['fractional width', withSpec({ viewport: { width: 1280.5 } }), /integer/],
    ['audio as string', withSpec({ audio: 'yes' }), /boolean/],
    ['origin with path', withSpec({ navigation: { allowedOrigins: ['https://a.io/path'] } }), /allowed origin/],
    ['origin with trailing slash', withSpec({ navigation: { allowedOrigins: ['https://a.io/'] } }), /allowed origin/],
    ['origin with userinfo', withSpec({ navigation: { allowedOrigins: ['https://u@a.io'] } }), /allowed origin/],
    ['origin not http', withSpec({ navigation: { allowedOrigins: ['file://x'] } }), /allowed origin/],
    ['duplicate origins', withSpec({ navigation: { allowedOrigins: ['https://a.io', 'https://a.io'] } }), /duplicate/i],
    [
      '65 origins',
      withSpec({ navigation: { allowedOrigins: Array.from({ length: 65 }, (_, i) => `https://h${i}.io`) } }),
      /maxItems/,
    ],
    ['allowPrivateNetworks string', withSpec({ navigation: { allowPrivateNetworks: 'true' } }), /boolean/],
    ['idle release negative', withSpec({ focus: { idleReleaseSeconds: -1 } }), /minimum/],
    ['idle release > 1 day', withSpec({ focus: { idleReleaseSeconds: 86401 } }), /maximum/],
    [
      '17 priority identities',
      withSpec({ focus: { priorityIdentities: Array.from({ length: 17 }, (_, i) => `p${i}`) } }),
      /maxItems/,
    ],
    ['negative max duration', withSpec({ lifetime: { maxDurationSeconds: -5 } }), /minimum/],
    ['negative empty timeout', withSpec({ lifetime: { emptyRoomTimeoutSeconds: -1 } }), /minimum/],
    ['bad pull policy', withSpec({ pod: { imagePullPolicy: 'Sometimes' } }), /enum/],
    ['bad cpu quantity', withSpec({ pod: { resources: { limits: { cpu: 'lots' } } } }), /pattern/],
    ['resources unknown key', withSpec({ pod: { resources: { wants: { cpu: '1' } } } }), /additional/],
    ['nodeSelector non-string', withSpec({ pod: { nodeSelector: { a: 1 } } }), /string/],
    ['toleration bad operator', withSpec({ pod: { tolerations: [{ key: 'k', operator: 'Maybe' }] } }), /enum/],
    ['toleration bad effect', withSpec({ pod: { tolerations: [{ key: 'k', effect: 'Never' }] } }), /enum/],
    ['reserved label name', withSpec({ pod: { labels: { 'app.kubernetes.io/name': 'x' } } }), /reserved/],
    ['reserved label session', withSpec({ pod: { labels: { 'lkbrowser.dev/session': 'x' } } }), /reserved/],
    ['runtimeClassName not DNS', withSpec({ pod: { runtimeClassName: 'G Visor' } }), /pattern/],
    ['unknown spec field', withSpec({ foo: 1 }), /additional/],
    ['unknown nested field', withSpec({ viewport: { depth: 24 } }), /additional/],
  ];
  for (const [name, obj, expect] of bad) it(`rejects: ${name}`, () => rejects(obj, expect));

  const good: [string, Record<string, unknown>][] = [
    ['http url', withSpec({ url: 'http://intranet.example:8080/a?b=c#d' })],
    ['room with allowed punctuation', withSpec({ room: 'team_1.support:eu@x=y+z-2' })],
    ['max viewport', withSpec({ viewport: { width: 1920, height: 1080, framerate: 60 } })],
    ['min viewport', withSpec({ viewport: { width: 320, height: 240, framerate: 1 } })],
    ['livekit ws url only', withSpec({ livekit: { url: 'ws://livekit.livekit.svc:7880' } })],
    ['origins with ports and IPv6', withSpec({ navigation: { allowedOrigins: ['http://a.io:8080', 'https://[::1]:8443'] } })],
    ['integer quantities', withSpec({ pod: { resources: { requests: { cpu: 1, memory: '512Mi' }, limits: { cpu: '1500m' } } } })],
    ['other labels allowed', withSpec({ pod: { labels: { 'app.kubernetes.io/part-of': 'demo', team: 'a' } } })],
    ['zero durations', withSpec({ focus: { idleReleaseSeconds: 0 }, lifetime: { maxDurationSeconds: 0 } })],
  ];
  for (const [name, obj] of good) it(`accepts: ${name}`, () => accepts(obj));

  it('runs each CEL rule at least once against a failing object in the table above', () => {
    // Guard against rules that can never fail because of a typo: each rule must have produced its own message.
    const messages = bad.flatMap(([, obj]) => validator.validate(obj).map((i) => i.message));
    const transition = validator.validate(withSpec({ room: 'other' }), withSpec({}));
    messages.push(...transition.map((i) => i.message));
    messages.push(...validator.validate(withSpec({ participant: { identity: 'b' } }), withSpec({ participant: { identity: 'a' } })).map((i) => i.message));
    for (const { path, rule } of collectRules(schema)) {
      if (rule.rule.includes('1920 * 1080')) continue; // implied by the field bounds today; tested directly below
      assert.ok(messages.includes(rule.message ?? ''), `rule at ${path} never failed: ${rule.rule}`);
    }
  });

  it('viewport area rule evaluates on defaulted values and would reject more than 1920x1080 pixels', () => {
    const rule = collectRules(schema).find((r) => r.rule.rule.includes('1920 * 1080'));
    assert.ok(rule);
    // Directly on the node (the field bounds already stop this case at the schema level).
    const v = new CrdValidator({ type: 'object', properties: { viewport: { ...rule.schema, properties: { width: { type: 'integer' }, height: { type: 'integer' }, framerate: { type: 'integer' } } } } });
    assert.match(fmt(v.validate({ viewport: { width: 1920, height: 1200 } })), /1920x1080/);
    assert.deepEqual(v.validate({ viewport: { width: 1080, height: 1920 } }), []);
  });
});

describe('status validation', () => {
  const status = (s: Record<string, unknown>): Record<string, unknown> => ({ ...withSpec({}), status: s });
  const cond = (type: string, st = 'True'): Record<string, unknown> => ({
    type,
    status: st,
    reason: 'PodRunning',
    message: 'ok',
    lastTransitionTime: '2026-11-25T14:00:00Z',
    observedGeneration: 1,
  });

  it('accepts a full status', () => {
    accepts(
      status({
        phase: 'Running',
        observedGeneration: 3,
        conditions: [cond('Ready'), cond('Progressing', 'False')],
        podName: 'bs-runtime',
        participantIdentity: 'bs',
        startTime: '2026-11-25T14:00:01.123456Z',
        restarts: 0,
        url: 'https://example.com/next',
        focusHolder: 'alice',
        message: 'streaming',
      }),
    );
  });
  it('rejects an unknown phase', () => rejects(status({ phase: 'Sleeping' }), /enum/));
  it('rejects two conditions of the same type (list-map keyed by type)', () =>
    rejects(status({ conditions: [cond('Ready'), cond('Ready', 'False')] }), /Duplicate/));
  it('rejects a condition without reason', () => {
    const { reason: _r, ...c } = cond('Ready');
    rejects(status({ conditions: [c] }), /required.*reason/);
  });
  it('rejects a condition status other than True/False/Unknown', () =>
    rejects(status({ conditions: [cond('Ready', 'Yes')] }), /enum/));
  it('rejects a non date-time startTime', () => rejects(status({ startTime: 'yesterday' }), /format/));
  it('rejects negative restarts', () => rejects(status({ restarts: -1 }), /minimum/));
  it('declares conditions as a list-map keyed by type', () => {
    const c = ((schema.properties as Record<string, Schema>).status as Schema).properties as Record<string, Schema>;
    assert.equal(c.conditions?.['x-kubernetes-list-type'], 'map');
    assert.deepEqual(c.conditions?.['x-kubernetes-list-map-keys'], ['type']);
  });
});

describe('transition rules (update)', () => {
  const old = withSpec({ participant: { identity: 'browser-1', name: 'B' } });

  it('lets url, viewport, focus and participant.name change', () => {
    accepts(withSpec({ url: 'https://other.example/', participant: { identity: 'browser-1', name: 'C' }, viewport: { width: 800 } }), old);
  });
  it('rejects changing spec.room', () => rejects(withSpec({ room: 'room-2' }), /spec.room is immutable/, withSpec({})));
  it('accepts the same spec.room', () => accepts(withSpec({ url: 'https://b.io' }), withSpec({})));
  it('rejects changing participant.identity', () =>
    rejects(withSpec({ participant: { identity: 'browser-2' } }), /identity is immutable/, old));
  it('rejects removing participant.identity', () => rejects(withSpec({ participant: { name: 'B' } }), /identity is immutable/, old));
  it('rejects removing the whole participant block', () => rejects(withSpec({}), /identity is immutable/, old));
  it('rejects adding participant.identity after creation (the identity was metadata.name)', () =>
    rejects(withSpec({ participant: { identity: 'late' } }), /identity is immutable/, withSpec({})));
  it('accepts updates that never set an identity', () => accepts(withSpec({ participant: { name: 'x' } }), withSpec({})));
  it('does not run transition rules on create', () => accepts(withSpec({ participant: { identity: 'new' } })));
  it('reports the identity rule at its fieldPath', () => {
    const issues = validator.validate(withSpec({ participant: { identity: 'x2' } }), withSpec({ participant: { identity: 'x1' } }));
    assert.deepEqual(
      issues.map((i) => i.path),
      ['.spec.participant.identity'],
    );
  });
  it('marks only the room and identity rules as transition rules', () => {
    const t = collectRules(schema).filter((r) => usesOldSelf(r.rule.rule));
    assert.deepEqual(t.map((r) => r.path).sort(), ['.spec', '.spec.room']);
  });
});
