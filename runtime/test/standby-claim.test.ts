// The claim of a standby runtime, as pure functions: what a claim may set, the bearer check, the claimed env.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../src/config.ts';
import { bearerMatches, CLAIM_ENV_KEYS, claimedEnv, claimSecretDigest, parseClaimBody } from '../src/standby-claim.ts';

const JWT = 'aaaa.bbbb.cccc';
const good = { LIVEKIT_URL: 'ws://127.0.0.1:7880', LIVEKIT_ROOM: 'r', LIVEKIT_TOKEN: JWT };

test('parseClaimBody: allowed names with string values; required names present', () => {
  const rows: Array<[string, string, RegExp | null]> = [
    ['minimal', JSON.stringify({ env: good }), null],
    ['with settings', JSON.stringify({ env: { ...good, LKB_URL: 'https://example.com', LKB_WIDTH: '800' } }), null],
    ['not JSON', '{', /not JSON/],
    ['array', '[]', /not an object/],
    ['no env', '{}', /env must be an object/],
    ['engine is the admin’s', JSON.stringify({ env: { ...good, LKB_ENGINE: 'cef' } }), /LKB_ENGINE cannot be set/],
    ['egress is the admin’s', JSON.stringify({ env: { ...good, LKB_EGRESS_DENY_CIDRS: '' } }), /cannot be set/],
    [
      'private networks fixed at start',
      JSON.stringify({ env: { ...good, LKB_NAV_ALLOW_PRIVATE_NETWORKS: 'true' } }),
      /cannot be set/,
    ],
    ['no API secret', JSON.stringify({ env: { ...good, LIVEKIT_API_SECRET: 'x' } }), /cannot be set/],
    ['no token file', JSON.stringify({ env: { ...good, LKB_TOKEN_FILE: '/etc/passwd' } }), /cannot be set/],
    ['number value', JSON.stringify({ env: { ...good, LKB_WIDTH: 800 } }), /must be a string/],
    ['no token', JSON.stringify({ env: { ...good, LIVEKIT_TOKEN: ' ' } }), /LIVEKIT_TOKEN is required/],
    ['no room', JSON.stringify({ env: { LIVEKIT_URL: 'ws://x', LIVEKIT_TOKEN: JWT } }), /LIVEKIT_ROOM is required/],
    ['too large', JSON.stringify({ env: { ...good, LKB_URL: 'x'.repeat(70_000) } }), /larger than/],
  ];
  for (const [name, body, err] of rows) {
    const r = parseClaimBody(body);
    if (err === null) assert.equal(r.ok, true, name);
    else {
      assert.equal(r.ok, false, name);
      if (!r.ok) assert.match(r.reason, err, name);
    }
  }
});

test('bearerMatches: only the secret whose sha256 the pod holds', () => {
  const secret = 'Zm9vYmFyYmF6cXV4cXV1eA-_0123456789';
  const d = claimSecretDigest(secret);
  assert.equal(bearerMatches(`Bearer ${secret}`, d), true);
  for (const h of [undefined, '', secret, `Bearer ${secret}x`, `bearer ${secret}`, `Bearer ${secret} `, 'Bearer short'])
    assert.equal(bearerMatches(h, d), false, String(h));
  assert.equal(bearerMatches(`Bearer ${secret}`, 'not-hex'), false);
});

test('claimedEnv: claim over pod env, standby switch and other credentials removed; parses as a cold start', () => {
  const pod = {
    LKB_CLAIM_SECRET_SHA256: 'a'.repeat(64),
    LKB_METRICS_PORT: '9090',
    LKB_FRAMERATE: '30',
    LIVEKIT_API_SECRET: 'leak',
    LKB_TOKEN_FILE: '/x',
  };
  const env = claimedEnv(pod, { env: { ...good, LKB_FRAMERATE: '15', LKB_URL: 'https://example.com' } });
  assert.equal(env.LKB_CLAIM_SECRET_SHA256, undefined);
  assert.equal(env.LIVEKIT_API_SECRET, undefined);
  assert.equal(env.LKB_TOKEN_FILE, undefined);
  const p = parseConfig(env, []);
  assert.equal(p.kind, 'ok');
  if (p.kind === 'ok') {
    assert.equal(p.config.claimSecretSha256, undefined);
    assert.equal(p.config.token, JWT);
    assert.equal(p.config.framerate, 15);
    assert.equal(p.config.metricsPort, 9090);
    assert.equal(p.config.url, 'https://example.com');
  }
});

test('every claim name is a runtime setting (the same names as the pod env)', async () => {
  const { OPTIONS } = await import('../src/config.ts');
  const envNames = new Set(Object.values(OPTIONS).map((o) => o.env));
  for (const k of CLAIM_ENV_KEYS) assert.ok(envNames.has(k), k);
});

test('parseConfig standby: no LiveKit URL or credentials needed, none allowed', () => {
  const d = 'b'.repeat(64);
  const ok = parseConfig({ LKB_CLAIM_SECRET_SHA256: d }, []);
  assert.equal(ok.kind, 'ok');
  if (ok.kind === 'ok') assert.equal(ok.config.claimSecretSha256, d);
  const bad = parseConfig({ LKB_CLAIM_SECRET_SHA256: 'xyz' }, []);
  assert.equal(bad.kind, 'error');
  const creds = parseConfig({ LKB_CLAIM_SECRET_SHA256: d, LIVEKIT_API_KEY: 'k', LIVEKIT_API_SECRET: 's' }, []);
  assert.equal(creds.kind, 'error');
  if (creds.kind === 'error') assert.match(creds.message, /holds no credentials/);
});

test('argvWithoutClaimed: the claim’s settings win over the pod’s flags; other flags stay', async () => {
  const { argvWithoutClaimed } = await import('../src/standby-claim.ts');
  const { OPTIONS } = await import('../src/config.ts');
  const flagOf = (env: string) => {
    const o = Object.values(OPTIONS).find((x) => x.env === env);
    return o ? { flag: o.flag, boolean: o.kind === 'boolean' } : undefined;
  };
  const claim = { env: { ...good, LKB_WIDTH: '640', LKB_AUDIO: 'false', LKB_URL: 'https://example.com' } };
  const argv = [
    '--width=320',
    '--height',
    '240',
    '--url',
    'https://a.test',
    '--no-audio',
    '--nav-allow-private-networks',
    '--metrics-port=0',
  ];
  assert.deepEqual(argvWithoutClaimed(argv, claim, flagOf), [
    '--height',
    '240',
    '--nav-allow-private-networks',
    '--metrics-port=0',
  ]);
  const p = parseConfig(claimedEnv({}, claim), argvWithoutClaimed(argv, claim, flagOf));
  assert.equal(p.kind, 'ok');
  if (p.kind === 'ok') {
    assert.equal(p.config.width, 640);
    assert.equal(p.config.height, 240);
    assert.equal(p.config.audio, false);
    assert.equal(p.config.navAllowPrivateNetworks, true);
  }
});
