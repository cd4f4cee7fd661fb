// crds/browsersession.yaml on a real kube-apiserver: it installs (the server checks it is structural, that every
// default passes its own schema and rules, and that the CEL rules compile within the cost budget), and each schema
// bound and CEL rule accepts and refuses what it should, applied with kubectl (creates as server-side dry runs,
// updates and status writes for real). Printer columns, short name and category are what kubectl shows.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type KubeControlPlane, startKubeControlPlane } from '@lkbrowser/testkit';
import { parse as yamlParse } from 'yaml';

// biome-ignore lint/suspicious/noExplicitAny: test-only navigation of parsed YAML and API objects
type AnyObj = any;

const root = new URL('../../', import.meta.url);
const read = (p: string): string => readFileSync(new URL(p, root), 'utf8');
const crdPath = new URL('crds/browsersession.yaml', root).pathname;
const crd = yamlParse(read('crds/browsersession.yaml')) as AnyObj;
const NS = 'crd-test';

let seq = 0;
function session(spec: Record<string, unknown> | undefined, name = `bs-${++seq}`): AnyObj {
  const o: AnyObj = { apiVersion: 'lkbrowser.dev/v1alpha1', kind: 'BrowserSession', metadata: { name, namespace: NS } };
  if (spec !== undefined) o.spec = spec;
  return o;
}
const base = { url: 'https://example.com/', room: 'room-1' };
const withSpec = (extra: Record<string, unknown>): AnyObj => session({ ...base, ...extra });

let cp: KubeControlPlane;

/** kubectl create --dry-run=server: the full validation and defaulting path, nothing stored. */
async function dryCreate(obj: AnyObj): Promise<{ code: number; stderr: string; obj?: AnyObj }> {
  const r = await cp.kubectl(['create', '--dry-run=server', '-o', 'json', '-f', '-'], {
    input: JSON.stringify(obj),
    allowFail: true,
  });
  return { code: r.code, stderr: r.stderr, obj: r.code === 0 ? (JSON.parse(r.stdout) as AnyObj) : undefined };
}
async function accepts(obj: AnyObj): Promise<AnyObj> {
  const r = await dryCreate(obj);
  assert.equal(r.code, 0, `expected accept, got: ${r.stderr}`);
  return r.obj;
}
async function refuses(obj: AnyObj, expect: RegExp): Promise<void> {
  const r = await dryCreate(obj);
  assert.notEqual(r.code, 0, `expected refusal matching ${expect}, but it was accepted`);
  assert.match(r.stderr, expect);
}
async function createReal(obj: AnyObj): Promise<void> {
  await cp.kubectl(['create', '-f', '-'], { input: JSON.stringify(obj) });
}
async function patch(name: string, p: unknown, subresource?: string): Promise<{ code: number; stderr: string }> {
  const args = ['patch', 'browsersession', name, '-n', NS, '--type=merge', '-p', JSON.stringify(p)];
  if (subresource) args.push(`--subresource=${subresource}`);
  return cp.kubectl(args, { allowFail: true });
}

before(async () => {
  cp = await startKubeControlPlane({ controllerManager: false });
  await cp.kubectl(['apply', '-f', crdPath]);
  await cp.kubectl(['wait', '--for=condition=Established', 'crd/browsersessions.lkbrowser.dev', '--timeout=60s']);
  await cp.kubectl(['create', 'namespace', NS]);
});
after(async () => {
  await cp?.stop();
});

describe('the CRD on a real apiserver', () => {
  it('installs: structural, defaults valid, CEL rules compiled; NamesAccepted and Established', async () => {
    const got = JSON.parse(
      (await cp.kubectl(['get', 'crd', 'browsersessions.lkbrowser.dev', '-o', 'json'])).stdout,
    ) as AnyObj;
    const conds = Object.fromEntries(got.status.conditions.map((c: AnyObj) => [c.type, c.status]));
    assert.equal(conds.NamesAccepted, 'True');
    assert.equal(conds.Established, 'True');
    assert.equal(conds.NonStructuralSchema, undefined);
    assert.deepEqual(got.status.acceptedNames, { ...crd.spec.names });
  });

  it('serves the short name bs and the category lkbrowser, with the documented printer columns', async () => {
    await createReal(session({ ...base }, 'columns'));
    const res = (await cp.kubectl(['api-resources', '--api-group=lkbrowser.dev', '-o', 'wide'])).stdout;
    assert.match(res, /browsersessions\s+bs\s+lkbrowser\.dev\/v1alpha1\s+true\s+BrowserSession/);
    assert.match(res, /lkbrowser/);
    const header = (await cp.kubectl(['get', 'bs', '-n', NS, '-o', 'wide'])).stdout.split('\n')[0] ?? '';
    assert.deepEqual(header.trim().split(/\s+/), [
      'NAME',
      'ROOM',
      'URL',
      'PHASE',
      'FOCUS',
      'READY',
      'AGE',
      'POD',
      'IDENTITY',
      'WARM',
      'SANDBOX',
    ]);
    const narrow = (await cp.kubectl(['get', 'lkbrowser', '-n', NS])).stdout.split('\n')[0] ?? '';
    assert.deepEqual(narrow.trim().split(/\s+/), ['NAME', 'ROOM', 'URL', 'PHASE', 'FOCUS', 'READY', 'AGE']);
  });

  it('is byte-identical to the copy the Helm chart templates', () => {
    assert.equal(read('helm/lkbrowser/files/browsersession.yaml'), read('crds/browsersession.yaml'));
    assert.equal(read('helm/lkbrowser/files/browserpool.yaml'), read('crds/browserpool.yaml'));
  });

  it('bounds every spec string, list and map and describes every spec field (CEL cost, kubectl explain)', () => {
    // Not a server rule but this CRD's own policy: unbounded fields make CEL cost estimates hit the budget.
    const walk = (s: AnyObj, path: string, fn: (s: AnyObj, path: string) => void): void => {
      fn(s, path);
      for (const [k, v] of Object.entries(s.properties ?? {})) walk(v, `${path}.${k}`, fn);
      if (s.additionalProperties && typeof s.additionalProperties === 'object')
        walk(s.additionalProperties, `${path}[*]`, fn);
      if (s.items) walk(s.items, `${path}[]`, fn);
    };
    walk(crd.spec.versions[0].schema.openAPIV3Schema.properties.spec, '.spec', (s, path) => {
      if (s.type === 'string') assert.ok(s.maxLength !== undefined || s.enum !== undefined, `${path} unbounded string`);
      if (s.type === 'array') assert.ok(s.maxItems !== undefined, `${path} unbounded list`);
      if (s.type === 'object' && s.additionalProperties)
        assert.ok(s.maxProperties !== undefined, `${path} unbounded map`);
      if (s.type === 'integer') assert.ok(s.maximum !== undefined || s.format !== undefined, `${path} unbounded int`);
      const isItem = path.endsWith('[]') || path.endsWith('[*]') || /\.tolerations\[\]\./.test(path);
      if (!isItem)
        assert.ok(typeof s.description === 'string' && s.description.length > 0, `${path} has no description`);
    });
  });

  it('kubectl explain shows the field descriptions from the server', async () => {
    const out = (await cp.kubectl(['explain', 'browsersession.spec.viewport'])).stdout;
    assert.match(out, /Browser viewport, which is also the published video size/);
    assert.match(out, /framerate\s+<integer>/);
  });
});

describe('examples/ on the real apiserver', () => {
  it('browsersession.yaml (minimal) is accepted and gets the documented defaults', async () => {
    const doc = yamlParse(read('examples/browsersession.yaml')) as AnyObj;
    doc.metadata.namespace = NS;
    const got = await accepts(doc);
    assert.deepEqual(got.spec, {
      url: 'https://example.com/',
      room: 'lkb-system.demo-room',
      viewport: { width: 1280, height: 720, framerate: 30 },
      videoCodec: 'vp8',
      audio: true,
      engine: 'chromium',
      navigation: { allowPrivateNetworks: false },
      focus: { idleReleaseSeconds: 120 },
      lifetime: { maxDurationSeconds: 0, emptyRoomTimeoutSeconds: 0 },
      automation: { enabled: false },
    });
  });

  it('browsersession-full.yaml is accepted and stored unchanged (no field pruned)', async () => {
    const doc = yamlParse(read('examples/browsersession-full.yaml')) as AnyObj;
    doc.metadata.namespace = NS;
    const got = await accepts(doc);
    // Quantities come back as written (int-or-string), every field survives pruning.
    assert.deepEqual(got.spec, doc.spec);
  });

  it('spec.engine cef is accepted as written', async () => {
    const got = await accepts(withSpec({ engine: 'cef' }));
    assert.equal(got.spec.engine, 'cef');
  });

  it('a partial viewport gets the other two defaults', async () => {
    const got = await accepts(withSpec({ viewport: { width: 1920 } }));
    assert.deepEqual(got.spec.viewport, { width: 1920, height: 720, framerate: 30 });
  });

  it("spec.livekit does not exist: the LiveKit server and credentials are the operator's (#12)", async () => {
    await refuses(
      withSpec({ livekit: { url: 'ws://attacker.example', credentialsSecret: { name: 'payments-db' } } }),
      /unknown field "spec\.livekit"/,
    );
  });

  it('spec.automation cannot name a Secret: the operator generates the token Secret (#12)', async () => {
    await refuses(
      withSpec({ automation: { enabled: true, tokenSecretName: 'payments-db' } }),
      /unknown field "spec\.automation\.tokenSecretName"/,
    );
  });
});

describe('spec validation on create (kubectl create --dry-run=server)', () => {
  const bad: [string, AnyObj, RegExp][] = [
    ['missing spec', session(undefined), /spec: Required value/],
    ['missing url', session({ room: 'r' }), /spec\.url: Required value/],
    ['missing room', session({ url: 'https://a.io' }), /spec\.room: Required value/],
    ['ftp url', withSpec({ url: 'ftp://example.com/file' }), /url must start with http:\/\/ or https:\/\//],
    ['javascript url', withSpec({ url: 'javascript:alert(1)' }), /url must start with http/],
    ['url with whitespace', withSpec({ url: 'https://a.io/x y' }), /url must not contain whitespace/],
    ['url with a tab', withSpec({ url: 'https://a.io/x\ty' }), /url must not contain whitespace/],
    ['url shorter than 8', withSpec({ url: 'http://' }), /spec\.url.*at least 8/],
    ['url too long', withSpec({ url: `https://a.io/${'x'.repeat(2048)}` }), /spec\.url: Too long/],
    ['empty room', withSpec({ room: '' }), /spec\.room.*at least 1/],
    ['room with space', withSpec({ room: 'my room' }), /spec\.room.*should match/],
    ['room too long', withSpec({ room: 'r'.repeat(129) }), /spec\.room: Too long/],
    ['identity empty', withSpec({ participant: { identity: '' } }), /spec\.participant\.identity.*at least 1/],
    [
      'identity with slash',
      withSpec({ participant: { identity: 'a/b' } }),
      /spec\.participant\.identity.*should match/,
    ],
    [
      'identity too long',
      withSpec({ participant: { identity: 'i'.repeat(129) } }),
      /spec\.participant\.identity: Too long/,
    ],
    [
      'participant name too long',
      withSpec({ participant: { name: 'n'.repeat(129) } }),
      /spec\.participant\.name: Too long/,
    ],
    ['width too small', withSpec({ viewport: { width: 100 } }), /spec\.viewport\.width.*greater than or equal to 320/],
    ['width too large', withSpec({ viewport: { width: 2000 } }), /spec\.viewport\.width.*less than or equal to 1920/],
    [
      'height too small',
      withSpec({ viewport: { height: 239 } }),
      /spec\.viewport\.height.*greater than or equal to 240/,
    ],
    [
      'height too large',
      withSpec({ viewport: { height: 1081 } }),
      /spec\.viewport\.height.*less than or equal to 1080/,
    ],
    ['framerate 0', withSpec({ viewport: { framerate: 0 } }), /spec\.viewport\.framerate.*greater than or equal to 1/],
    ['framerate 61', withSpec({ viewport: { framerate: 61 } }), /spec\.viewport\.framerate.*less than or equal to 60/],
    ['fractional width', withSpec({ viewport: { width: 1280.5 } }), /spec\.viewport\.width.*must be of type integer/],
    ['audio as string', withSpec({ audio: 'yes' }), /spec\.audio.*must be of type boolean/],
    ['unknown engine', withSpec({ engine: 'firefox' }), /spec\.engine.*Unsupported value: "firefox"/],
    ['unknown codec', withSpec({ videoCodec: 'h265' }), /spec\.videoCodec.*Unsupported value: "h265"/],
    [
      'origin with path',
      withSpec({ navigation: { allowedOrigins: ['https://a.io/path'] } }),
      /each allowed origin must be http\(s\):\/\/host\[:port\]/,
    ],
    [
      'origin with trailing slash',
      withSpec({ navigation: { allowedOrigins: ['https://a.io/'] } }),
      /each allowed origin must be/,
    ],
    [
      'origin with userinfo',
      withSpec({ navigation: { allowedOrigins: ['https://u@a.io'] } }),
      /each allowed origin must be/,
    ],
    ['origin not http', withSpec({ navigation: { allowedOrigins: ['file://x'] } }), /each allowed origin must be/],
    [
      'origin too long',
      withSpec({ navigation: { allowedOrigins: [`https://${'h'.repeat(512)}`] } }),
      /allowedOrigins\[0\]: Too long/,
    ],
    [
      'duplicate origins',
      withSpec({ navigation: { allowedOrigins: ['https://a.io', 'https://a.io'] } }),
      /allowedOrigins\[1\]: Duplicate value/,
    ],
    [
      '65 origins',
      withSpec({ navigation: { allowedOrigins: Array.from({ length: 65 }, (_, i) => `https://h${i}.io`) } }),
      /allowedOrigins: Too many: 65: must have at most 64 items/,
    ],
    [
      'allowPrivateNetworks string',
      withSpec({ navigation: { allowPrivateNetworks: 'true' } }),
      /allowPrivateNetworks.*must be of type boolean/,
    ],
    [
      'idle release negative',
      withSpec({ focus: { idleReleaseSeconds: -1 } }),
      /idleReleaseSeconds.*greater than or equal to 0/,
    ],
    [
      'idle release > 1 day',
      withSpec({ focus: { idleReleaseSeconds: 86401 } }),
      /idleReleaseSeconds.*less than or equal to 86400/,
    ],
    [
      '17 priority identities',
      withSpec({ focus: { priorityIdentities: Array.from({ length: 17 }, (_, i) => `p${i}`) } }),
      /priorityIdentities: Too many: 17/,
    ],
    [
      'empty priority identity',
      withSpec({ focus: { priorityIdentities: [''] } }),
      /priorityIdentities\[0\].*at least 1/,
    ],
    [
      'duplicate priority identities',
      withSpec({ focus: { priorityIdentities: ['a', 'a'] } }),
      /priorityIdentities\[1\]: Duplicate value/,
    ],
    [
      'negative max duration',
      withSpec({ lifetime: { maxDurationSeconds: -5 } }),
      /maxDurationSeconds.*greater than or equal to 0/,
    ],
    [
      'max duration > 1 year',
      withSpec({ lifetime: { maxDurationSeconds: 31536001 } }),
      /maxDurationSeconds.*less than or equal to 31536000/,
    ],
    [
      'negative empty timeout',
      withSpec({ lifetime: { emptyRoomTimeoutSeconds: -1 } }),
      /emptyRoomTimeoutSeconds.*greater than or equal to 0/,
    ],
    ['empty image', withSpec({ pod: { image: '' } }), /spec\.pod\.image.*at least 1/],
    [
      'bad pull policy',
      withSpec({ pod: { imagePullPolicy: 'Sometimes' } }),
      /spec\.pod\.imagePullPolicy: Unsupported value: "Sometimes"/,
    ],
    [
      'bad cpu quantity',
      withSpec({ pod: { resources: { limits: { cpu: 'lots' } } } }),
      /spec\.pod\.resources\.limits\.cpu.*should match/,
    ],
    [
      '17 resource requests',
      withSpec({
        pod: { resources: { requests: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`r${i}`, 1])) } },
      }),
      /spec\.pod\.resources\.requests: Too many: 17/,
    ],
    [
      'resources unknown key',
      withSpec({ pod: { resources: { wants: { cpu: '1' } } } }),
      /unknown field "spec\.pod\.resources\.wants"/,
    ],
    [
      'nodeSelector non-string',
      withSpec({ pod: { nodeSelector: { a: 1 } } }),
      /spec\.pod\.nodeSelector\.a.*must be of type string/,
    ],
    [
      'nodeSelector value too long',
      withSpec({ pod: { nodeSelector: { a: 'v'.repeat(64) } } }),
      /spec\.pod\.nodeSelector\.a: Too long/,
    ],
    [
      'toleration bad operator',
      withSpec({ pod: { tolerations: [{ key: 'k', operator: 'Maybe' }] } }),
      /tolerations\[0\]\.operator: Unsupported value/,
    ],
    [
      'toleration bad effect',
      withSpec({ pod: { tolerations: [{ key: 'k', effect: 'Never' }] } }),
      /tolerations\[0\]\.effect: Unsupported value/,
    ],
    [
      '33 tolerations',
      withSpec({ pod: { tolerations: Array.from({ length: 33 }, (_, i) => ({ key: `k${i}`, operator: 'Exists' })) } }),
      /tolerations: Too many: 33/,
    ],
    ...[
      'app.kubernetes.io/name',
      'app.kubernetes.io/instance',
      'app.kubernetes.io/component',
      'app.kubernetes.io/managed-by',
      'lkbrowser.dev/session',
    ].map((k): [string, AnyObj, RegExp] => [
      `reserved label ${k}`,
      withSpec({ pod: { labels: { [k]: 'x' } } }),
      /pod\.labels must not set labels reserved for the operator/,
    ]),
    [
      'label value too long',
      withSpec({ pod: { labels: { team: 'v'.repeat(64) } } }),
      /spec\.pod\.labels\.team: Too long/,
    ],
    [
      'annotation value too long',
      withSpec({ pod: { annotations: { a: 'v'.repeat(4097) } } }),
      /spec\.pod\.annotations\.a: Too long/,
    ],
    [
      'runtimeClassName not DNS',
      withSpec({ pod: { runtimeClassName: 'G Visor' } }),
      /spec\.pod\.runtimeClassName.*should match/,
    ],
    ['unknown spec field', withSpec({ foo: 1 }), /unknown field "spec\.foo"/],
    ['unknown nested field', withSpec({ viewport: { depth: 24 } }), /unknown field "spec\.viewport\.depth"/],
  ];
  for (const [name, obj, expect] of bad) it(`refuses: ${name}`, () => refuses(obj, expect));

  const good: [string, AnyObj][] = [
    ['http url', withSpec({ url: 'http://intranet.example:8080/a?b=c#d' })],
    ['url of exactly 8 characters', withSpec({ url: 'http://a' })],
    ['room with allowed punctuation', withSpec({ room: 'team_1.support:eu@x=y+z-2' })],
    ['room of 128 characters', withSpec({ room: 'r'.repeat(128) })],
    ['max viewport', withSpec({ viewport: { width: 1920, height: 1080, framerate: 60 } })],
    ['min viewport', withSpec({ viewport: { width: 320, height: 240, framerate: 1 } })],
    [
      'origins with ports and IPv6',
      withSpec({ navigation: { allowedOrigins: ['http://a.io:8080', 'https://[::1]:8443'] } }),
    ],
    [
      '64 origins',
      withSpec({ navigation: { allowedOrigins: Array.from({ length: 64 }, (_, i) => `https://h${i}.io`) } }),
    ],
    [
      'integer quantities',
      withSpec({ pod: { resources: { requests: { cpu: 1, memory: '512Mi' }, limits: { cpu: '1500m' } } } }),
    ],
    ['other labels allowed', withSpec({ pod: { labels: { 'app.kubernetes.io/part-of': 'demo', team: 'a' } } })],
    ['zero durations', withSpec({ focus: { idleReleaseSeconds: 0 }, lifetime: { maxDurationSeconds: 0 } })],
    ['participant identity on create', withSpec({ participant: { identity: 'new' } })],
    ['automation on', withSpec({ automation: { enabled: true } })],
  ];
  for (const [name, obj] of good) it(`accepts: ${name}`, async () => void (await accepts(obj)));
});

describe('transition rules on update (kubectl patch)', () => {
  it('lets url, viewport, focus and participant.name change, keeping the identity', async () => {
    await createReal(session({ ...base, participant: { identity: 'browser-1', name: 'B' } }, 'mut-1'));
    const r = await patch('mut-1', {
      spec: {
        url: 'https://other.example/',
        participant: { name: 'C' },
        viewport: { width: 800 },
        focus: { idleReleaseSeconds: 5 },
      },
    });
    assert.equal(r.code, 0, r.stderr);
  });
  it('refuses changing spec.room, accepts the same room', async () => {
    await createReal(session({ ...base }, 'room-1'));
    const r = await patch('room-1', { spec: { room: 'room-2' } });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec\.room: Forbidden: spec\.room is immutable/);
    assert.equal((await patch('room-1', { spec: { room: base.room, url: 'https://b.io/' } })).code, 0);
  });
  it('refuses changing, removing, or dropping the block of participant.identity (at its fieldPath)', async () => {
    await createReal(session({ ...base, participant: { identity: 'browser-1', name: 'B' } }, 'id-1'));
    for (const p of [
      { participant: { identity: 'browser-2' } },
      { participant: { identity: null } },
      { participant: null },
    ]) {
      const r = await patch('id-1', { spec: p });
      assert.notEqual(r.code, 0, JSON.stringify(p));
      assert.match(r.stderr, /spec\.participant\.identity: Forbidden: spec\.participant\.identity is immutable/);
    }
  });
  it('refuses adding participant.identity after creation (the identity was metadata.name)', async () => {
    await createReal(session({ ...base }, 'id-2'));
    const r = await patch('id-2', { spec: { participant: { identity: 'late' } } });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec\.participant\.identity is immutable/);
    assert.equal((await patch('id-2', { spec: { participant: { name: 'x' } } })).code, 0, 'a name alone is fine');
  });
  it('bumps metadata.generation on spec changes only (the operator relies on observedGeneration)', async () => {
    await createReal(session({ ...base }, 'gen-1'));
    const g = async (): Promise<number> =>
      JSON.parse((await cp.kubectl(['get', 'bs', 'gen-1', '-n', NS, '-o', 'json'])).stdout).metadata
        .generation as number;
    assert.equal(await g(), 1);
    assert.equal((await patch('gen-1', { spec: { url: 'https://c.io/' } })).code, 0);
    assert.equal(await g(), 2);
    assert.equal((await patch('gen-1', { status: { phase: 'Pending' } }, 'status')).code, 0);
    assert.equal(await g(), 2);
    assert.equal((await patch('gen-1', { metadata: { labels: { a: 'b' } } })).code, 0);
    assert.equal(await g(), 2);
  });
});

describe('status validation (kubectl patch --subresource=status)', () => {
  const cond = (type: string, st = 'True'): AnyObj => ({
    type,
    status: st,
    reason: 'PodRunning',
    message: 'ok',
    lastTransitionTime: '2026-11-25T14:00:00Z',
    observedGeneration: 1,
  });
  before(async () => {
    await createReal(session({ ...base }, 'st'));
  });
  async function statusRefused(status: AnyObj, expect: RegExp): Promise<void> {
    const r = await patch('st', { status }, 'status');
    assert.notEqual(r.code, 0, `accepted ${JSON.stringify(status)}`);
    assert.match(r.stderr, expect);
  }

  it('accepts a full status, and the status endpoint ignores spec changes', async () => {
    const status = {
      phase: 'Running',
      observedGeneration: 3,
      conditions: [cond('Ready'), cond('Publishing', 'False')],
      podName: 'st-browser',
      participantIdentity: 'st',
      startTime: '2026-11-25T14:00:01Z',
      restarts: 0,
      url: 'https://example.com/next',
      focusHolder: 'alice',
      message: 'streaming',
    };
    const r = await patch('st', { status, spec: { url: 'https://ignored.example/' } }, 'status');
    assert.equal(r.code, 0, r.stderr);
    const got = JSON.parse((await cp.kubectl(['get', 'bs', 'st', '-n', NS, '-o', 'json'])).stdout) as AnyObj;
    assert.deepEqual(got.status, status);
    assert.equal(got.spec.url, base.url);
    const row = (await cp.kubectl(['get', 'bs', 'st', '-n', NS, '-o', 'wide', '--no-headers'])).stdout
      .trim()
      .split(/\s+/);
    assert.deepEqual([row[3], row[4], row[5], row[7], row[8]], ['Running', 'alice', 'True', 'st-browser', 'st']);
  });
  it('refuses an unknown phase', () =>
    statusRefused({ phase: 'Sleeping' }, /status\.phase: Unsupported value: "Sleeping"/));
  it('refuses two conditions of the same type (list-map keyed by type)', () =>
    statusRefused({ conditions: [cond('Ready'), cond('Ready', 'False')] }, /status\.conditions\[1\]: Duplicate value/));
  it('refuses a condition without reason', () => {
    const { reason: _r, ...c } = cond('Ready');
    return statusRefused({ conditions: [c] }, /status\.conditions\[0\]\.reason: Required value/);
  });
  it('refuses a condition status other than True/False/Unknown', () =>
    statusRefused({ conditions: [cond('Ready', 'Yes')] }, /status\.conditions\[0\]\.status: Unsupported value: "Yes"/));
  it('refuses a condition reason that is not CamelCase', () =>
    statusRefused(
      { conditions: [{ ...cond('Ready'), reason: 'not ok' }] },
      /status\.conditions\[0\]\.reason.*should match/,
    ));
  it('refuses a condition type that is not a qualified name', () =>
    statusRefused({ conditions: [cond('bad type')] }, /status\.conditions\[0\]\.type.*should match/));
  it('refuses a non date-time startTime', () =>
    statusRefused({ startTime: 'yesterday' }, /status\.startTime.*date-time/));
  it('refuses negative restarts', () =>
    statusRefused({ restarts: -1 }, /status\.restarts.*greater than or equal to 0/));
  it('refuses a negative condition observedGeneration', () =>
    statusRefused(
      { conditions: [{ ...cond('Ready'), observedGeneration: -1 }] },
      /observedGeneration.*greater than or equal to 0/,
    ));
});
