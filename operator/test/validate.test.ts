import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveSpec } from '../src/browsersession/defaults.ts';
import type { BrowserSession } from '../src/browsersession/types.ts';
import { type ValidationContext, validateSession } from '../src/browsersession/validate.ts';
import { testConfig } from './helpers.ts';

const cfg = testConfig();
function problems(spec: Record<string, unknown>, ctx: ValidationContext = {}, name = 'demo', config = cfg): string[] {
  const s = { apiVersion: 'lkbrowser.dev/v1alpha1', kind: 'BrowserSession', metadata: { name, namespace: 'ns' }, spec } as unknown as BrowserSession;
  return validateSession(s, resolveSpec(s, config), ctx);
}
const ok = { url: 'https://example.com', room: 'demo' };

test('valid specs pass', () => {
  const valid: Record<string, unknown>[] = [
    ok,
    { ...ok, url: 'http://intranet.example:8080/path?q=1' },
    { ...ok, room: 'team_1:call@2024=x+y-z.v' },
    { ...ok, participant: { identity: 'agent.browser', name: '' } },
    { ...ok, viewport: { width: 320, height: 240, framerate: 1 } },
    { ...ok, viewport: { width: 1920, height: 1080, framerate: 60 } },
    { ...ok, navigation: { allowedOrigins: ['https://a.example', 'http://b.example:8080'], allowPrivateNetworks: true } },
    { ...ok, focus: { idleReleaseSeconds: 86400, priorityIdentities: ['agent-1'] } },
    { ...ok, lifetime: { maxDurationSeconds: 31536000, emptyRoomTimeoutSeconds: 0 } },
    { ...ok, livekit: { url: 'ws://127.0.0.1:7880', credentialsSecret: { name: 'lk.creds-1', apiKeyKey: 'key', apiSecretKey: 'secret.v2' } } },
    { ...ok, pod: { resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: 2 } }, labels: { team: 'a' }, runtimeClassName: 'gvisor', tolerations: [{ operator: 'Exists' }] } },
  ];
  for (const spec of valid) assert.deepEqual(problems(spec), [], JSON.stringify(spec));
});

test('invalid specs fail with a message naming the field (table mirrors the CRD rules)', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ room: 'demo' }, /spec\.url is required/],
    [{ url: 'https://example.com' }, /spec\.room is required/],
    [{ ...ok, url: 'ftp://example.com' }, /must start with http:\/\/ or https:\/\//],
    [{ ...ok, url: 'https://exa mple.com' }, /must not contain whitespace/],
    [{ ...ok, url: `https://example.com/${'a'.repeat(2048)}` }, /spec\.url must be at most 2048/],
    [{ ...ok, room: '-bad' }, /spec\.room may only contain/],
    [{ ...ok, room: 'a'.repeat(129) }, /spec\.room must be at most 128/],
    [{ ...ok, participant: { identity: 'has space' } }, /spec\.participant\.identity may only contain/],
    [{ ...ok, participant: { name: 'n'.repeat(129) } }, /spec\.participant\.name must be at most 128/],
    [{ ...ok, livekit: { url: 'tcp://x.example' } }, /livekit\.url must start with ws:\/\/, wss:\/\/, http:\/\/ or https:\/\//],
    [{ ...ok, livekit: { credentialsSecret: { name: 'Bad_Name' } } }, /credentialsSecret\.name must be a DNS subdomain/],
    [{ ...ok, livekit: { credentialsSecret: { name: 'ok', apiKeyKey: 'a/b' } } }, /apiKeyKey must be a valid Secret key/],
    [{ ...ok, viewport: { width: 319 } }, /spec\.viewport\.width must be an integer in 320\.\.1920/],
    [{ ...ok, viewport: { height: 1081 } }, /spec\.viewport\.height must be an integer in 240\.\.1080/],
    [{ ...ok, viewport: { framerate: 0 } }, /spec\.viewport\.framerate must be an integer in 1\.\.60/],
    [{ ...ok, viewport: { framerate: 29.5 } }, /framerate must be an integer/],
    [{ ...ok, navigation: { allowedOrigins: ['https://a.example/path'] } }, /allowedOrigins\[0\]: each allowed origin must be http\(s\):\/\/host\[:port\]/],
    [{ ...ok, navigation: { allowedOrigins: ['https://user@a.example'] } }, /allowedOrigins\[0\]/],
    [{ ...ok, navigation: { allowedOrigins: ['https://a.example', 'https://a.example'] } }, /must not contain duplicates/],
    [{ ...ok, navigation: { allowedOrigins: Array.from({ length: 65 }, (_, i) => `https://h${i}.example`) } }, /at most 64 items/],
    [{ ...ok, focus: { idleReleaseSeconds: -1 } }, /idleReleaseSeconds must be an integer in 0\.\.86400/],
    [{ ...ok, focus: { idleReleaseSeconds: 86401 } }, /idleReleaseSeconds/],
    [{ ...ok, focus: { priorityIdentities: ['a,b'] } }, /must not contain a comma/],
    [{ ...ok, focus: { priorityIdentities: [''] } }, /priorityIdentities\[0\] must be at least 1/],
    [{ ...ok, focus: { priorityIdentities: Array.from({ length: 17 }, (_, i) => `p${i}`) } }, /at most 16 items/],
    [{ ...ok, lifetime: { maxDurationSeconds: -5 } }, /maxDurationSeconds must be an integer in 0\.\.31536000/],
    [{ ...ok, lifetime: { emptyRoomTimeoutSeconds: 31536001 } }, /emptyRoomTimeoutSeconds/],
    [{ ...ok, pod: { imagePullPolicy: 'Sometimes' } }, /imagePullPolicy must be Always, IfNotPresent or Never/],
    [{ ...ok, pod: { image: '' } }, /spec\.pod\.image must be at least 1/],
    [{ ...ok, pod: { resources: { limits: { memory: 'lots' } } } }, /limits\.memory is not a valid quantity/],
    [{ ...ok, pod: { labels: { 'app.kubernetes.io/managed-by': 'me' } } }, /pod\.labels must not set labels reserved for the operator/],
    [{ ...ok, pod: { labels: { a: 'v'.repeat(64) } } }, /spec\.pod\.labels\.a must be at most 63/],
    [{ ...ok, pod: { tolerations: [{ operator: 'Maybe' }] } }, /tolerations\[0\]\.operator must be Exists or Equal/],
    [{ ...ok, pod: { runtimeClassName: 'G' } }, /runtimeClassName must be a DNS subdomain/],
  ];
  for (const [spec, re] of cases) {
    const p = problems(spec);
    assert.ok(
      p.some((m) => re.test(m)),
      `${JSON.stringify(spec).slice(0, 120)} → ${JSON.stringify(p)} should match ${re}`,
    );
  }
});

test('a missing LiveKit URL is only a problem when the operator has no default', () => {
  assert.deepEqual(problems(ok), []);
  assert.match(problems(ok, {}, 'demo', testConfig({ livekitUrl: '' })).join(';'), /spec\.livekit\.url is required because the operator has no default/);
  assert.deepEqual(problems({ ...ok, livekit: { url: 'wss://lk.example.com' } }, {}, 'demo', testConfig({ livekitUrl: '' })), []);
});

test('identity defaults to metadata.name, which must then be a valid identity', () => {
  assert.deepEqual(problems(ok, {}, 'my-session.1'), []);
  assert.deepEqual(problems({ ...ok, participant: { identity: 'x' } }, {}, '-weird'), []);
});

test('immutable room and identity are checked against what is running', () => {
  assert.match(problems({ ...ok, room: 'other' }, { runningRoom: 'demo' }).join(';'), /spec\.room is immutable \(was "demo"\)/);
  assert.deepEqual(problems(ok, { runningRoom: 'demo' }), []);
  assert.match(problems({ ...ok, participant: { identity: 'new' } }, { previousIdentity: 'demo' }).join(';'), /spec\.participant\.identity is immutable/);
  assert.deepEqual(problems(ok, { previousIdentity: 'demo' }), []);
});
