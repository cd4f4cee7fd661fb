import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig, type RuntimeConfig } from '../src/config.ts';

const base = { LIVEKIT_URL: 'ws://127.0.0.1:7880', LIVEKIT_ROOM: 'r1', LIVEKIT_API_KEY: 'k', LIVEKIT_API_SECRET: 's' };

function ok(env: Record<string, string>, argv: string[] = []): RuntimeConfig {
  const r = parseConfig(env, argv);
  assert.equal(r.kind, 'ok', r.kind === 'error' ? r.message : '');
  return (r as { config: RuntimeConfig }).config;
}

function err(env: Record<string, string>, argv: string[], re: RegExp): void {
  const r = parseConfig(env, argv);
  assert.equal(r.kind, 'error', `expected an error for ${JSON.stringify({ env, argv })}`);
  if (r.kind === 'error') {
    assert.match(r.message, re);
    assert.ok(!r.message.includes('\n'), 'one line');
  }
}

test('defaults', () => {
  const c = ok(base);
  assert.deepEqual(
    { ...c },
    {
      livekitUrl: 'ws://127.0.0.1:7880',
      room: 'r1',
      identity: 'browser',
      name: 'browser',
      token: undefined,
      tokenFile: undefined,
      apiKey: 'k',
      apiSecret: 's',
      url: 'about:blank',
      width: 1280,
      height: 720,
      framerate: 30,
      videoCodec: 'vp8',
      audio: true,
      navAllowedOrigins: [],
      navAllowPrivateNetworks: false,
      egressDenyCidrs: [],
      chromiumUid: undefined,
      claimSecretSha256: undefined,
      engine: 'chromium',
      focusIdleReleaseSeconds: 120, // the CRD's default
      focusMaxHoldSeconds: 3600,
      focusPriorityIdentities: [],
      focusAdminIdentities: [],
      focusAgentIdentities: [],
      screenshotIdentities: [],
      emptyRoomTimeoutSeconds: 0,
      maxDurationSeconds: 0,
      automation: false,
      automationPort: 9223,
      automationHost: '0.0.0.0',
      automationTokenFile: undefined,
      metricsPort: 9090,
      metricsHost: '0.0.0.0',
      logLevel: 'info',
    },
  );
});

test('env values', () => {
  const c = ok({
    ...base,
    LIVEKIT_IDENTITY: 'b1',
    LIVEKIT_NAME: 'Browser One',
    LKB_URL: 'https://example.com/x',
    LKB_WIDTH: '1920',
    LKB_HEIGHT: '1080',
    LKB_FRAMERATE: '60',
    LKB_AUDIO: 'false',
    LKB_NAV_ALLOWED_ORIGINS: 'https://example.com, https://*.example.org',
    LKB_NAV_ALLOW_PRIVATE_NETWORKS: 'true',
    LKB_FOCUS_IDLE_RELEASE_SECONDS: '30',
    LKB_FOCUS_PRIORITY_IDENTITIES: 'alice,bob',
    LKB_EMPTY_ROOM_TIMEOUT_SECONDS: '120',
    LKB_MAX_DURATION_SECONDS: '3600',
    LKB_METRICS_PORT: '0',
    LKB_LOG_LEVEL: 'DEBUG',
  });
  assert.equal(c.identity, 'b1');
  assert.equal(c.name, 'Browser One');
  assert.equal(c.url, 'https://example.com/x');
  assert.deepEqual([c.width, c.height, c.framerate, c.audio], [1920, 1080, 60, false]);
  assert.deepEqual(c.navAllowedOrigins, ['https://example.com', 'https://*.example.org']);
  assert.equal(c.navAllowPrivateNetworks, true);
  assert.deepEqual(
    [c.focusIdleReleaseSeconds, c.emptyRoomTimeoutSeconds, c.maxDurationSeconds, c.metricsPort],
    [30, 120, 3600, 0],
  );
  assert.deepEqual(c.focusPriorityIdentities, ['alice', 'bob']);
  assert.equal(c.logLevel, 'debug');
});

test('flags win over env; repeatable and inline forms', () => {
  const c = ok({ ...base, LKB_WIDTH: '800', LKB_AUDIO: 'true', LKB_NAV_ALLOWED_ORIGINS: 'https://env.example' }, [
    '--width',
    '1024',
    '--height=600',
    '--no-audio',
    '--nav-allowed-origins',
    'https://a.example',
    '--nav-allowed-origins=https://b.example',
    '--nav-allow-private-networks',
    '--identity',
    'cli-id',
    '--framerate',
    '15',
    '--focus-priority-identities',
    'x,y',
  ]);
  assert.equal(c.width, 1024);
  assert.equal(c.height, 600);
  assert.equal(c.audio, false);
  assert.deepEqual(c.navAllowedOrigins, ['https://a.example', 'https://b.example']);
  assert.equal(c.navAllowPrivateNetworks, true);
  assert.equal(c.identity, 'cli-id');
  assert.equal(c.name, 'cli-id');
  assert.equal(c.framerate, 15);
  assert.deepEqual(c.focusPriorityIdentities, ['x', 'y']);
  assert.equal(ok({ ...base, LKB_AUDIO: 'false' }, ['--audio']).audio, true);
  assert.equal(
    ok({ ...base, LKB_NAV_ALLOW_PRIVATE_NETWORKS: 'true' }, ['--nav-allow-private-networks=false'])
      .navAllowPrivateNetworks,
    false,
  );
});

test('token instead of key/secret; room optional then', () => {
  const c = ok({ LIVEKIT_URL: 'wss://lk.example.com', LIVEKIT_TOKEN: 'jwt' });
  assert.equal(c.token, 'jwt');
  assert.equal(c.room, '');
  const c2 = ok({ LIVEKIT_URL: 'wss://lk.example.com' }, ['--token', 'jwt2', '--room', 'r']);
  assert.equal(c2.token, 'jwt2');
});

test('help', () => {
  const r = parseConfig({}, ['--help']);
  assert.equal(r.kind, 'help');
  if (r.kind === 'help') assert.match(r.text, /--livekit-url/);
});

const errors: Array<[string, Record<string, string>, string[], RegExp]> = [
  ['no url', { LIVEKIT_ROOM: 'r', LIVEKIT_TOKEN: 't' }, [], /LIVEKIT_URL/],
  ['bad url', { ...base, LIVEKIT_URL: 'nope' }, [], /not a valid URL/],
  ['bad url scheme', { ...base, LIVEKIT_URL: 'ftp://x' }, [], /scheme/],
  ['no credentials', { LIVEKIT_URL: 'ws://x', LIVEKIT_ROOM: 'r' }, [], /credentials/],
  ['key without secret', { LIVEKIT_URL: 'ws://x', LIVEKIT_ROOM: 'r', LIVEKIT_API_KEY: 'k' }, [], /credentials/],
  ['mint without room', { LIVEKIT_URL: 'ws://x', LIVEKIT_API_KEY: 'k', LIVEKIT_API_SECRET: 's' }, [], /LIVEKIT_ROOM/],
  ['width too small', { ...base, LKB_WIDTH: '100' }, [], /LKB_WIDTH: must be an integer 320\.\.1920/],
  ['width flag too big', base, ['--width', '4000'], /--width: must be an integer 320\.\.1920/],
  ['height too big', { ...base, LKB_HEIGHT: '2000' }, [], /LKB_HEIGHT/],
  ['height not a number', base, ['--height', '7x'], /--height: expected an integer/],
  ['framerate 0', { ...base, LKB_FRAMERATE: '0' }, [], /LKB_FRAMERATE/],
  ['framerate 61', base, ['--framerate=61'], /--framerate/],
  ['framerate float', base, ['--framerate=2.5'], /--framerate/],
  ['audio garbage', { ...base, LKB_AUDIO: 'maybe' }, [], /LKB_AUDIO: expected true or false/],
  ['codec unknown', { ...base, LKB_VIDEO_CODEC: 'h265' }, [], /LKB_VIDEO_CODEC: expected one of vp8\|vp9\|av1\|h264/],
  ['negative idle', base, ['--empty-room-timeout-seconds', '-1'], /--empty-room-timeout-seconds/],
  ['metrics port', { ...base, LKB_METRICS_PORT: '70000' }, [], /LKB_METRICS_PORT/],
  ['metrics host', base, ['--metrics-host', 'example.com'], /--metrics-host: expected an IP/],
  ['log level', { ...base, LKB_LOG_LEVEL: 'loud' }, [], /LKB_LOG_LEVEL/],
  ['page url scheme', { ...base, LKB_URL: 'file:///etc/passwd' }, [], /LKB_URL: scheme/],
  ['page url junk', base, ['--url', 'not a url'], /--url: not a valid URL/],
  ['origin with path', base, ['--nav-allowed-origins', 'https://a.example/path'], /--nav-allowed-origins/],
  ['origin bad scheme', { ...base, LKB_NAV_ALLOWED_ORIGINS: 'ftp://a.example' }, [], /LKB_NAV_ALLOWED_ORIGINS/],
  ['unknown flag', base, ['--colour', 'red'], /unknown flag --colour/],
  ['missing value', base, ['--width'], /--width needs a value/],
  ['positional', base, ['extra'], /unexpected argument/],
];

for (const [name, env, argv, re] of errors) {
  test(`error: ${name}`, () => err(env, argv, re));
}

test('token file, egress deny CIDRs, chromium uid, focus max hold and admins; bounded strings', () => {
  const noCreds = { LIVEKIT_URL: 'ws://127.0.0.1:7880' };
  const c = ok({
    ...noCreds,
    LKB_TOKEN_FILE: '/var/run/lkb/token',
    LKB_EGRESS_DENY_CIDRS: '10.244.0.0/16, fd00:10:96::/112',
    LKB_FOCUS_MAX_HOLD_SECONDS: '600',
    LKB_FOCUS_ADMIN_IDENTITIES: 'ops,root-agent',
  });
  assert.equal(c.tokenFile, '/var/run/lkb/token');
  assert.equal(c.room, '', 'a ready token carries its room');
  assert.deepEqual(c.egressDenyCidrs, ['10.244.0.0/16', 'fd00:10:96::/112']);
  assert.equal(c.focusMaxHoldSeconds, 600);
  assert.deepEqual(c.focusAdminIdentities, ['ops', 'root-agent']);
  assert.equal(ok({ ...base, LKB_CHROMIUM_UID: '65534' }).chromiumUid, 65534);
  assert.equal(ok({ ...base, LKB_ENGINE: 'cef' }).engine, 'cef');
  assert.equal(ok(base, ['--engine', 'cef']).engine, 'cef');
  assert.equal(ok({ ...base, LKB_VIDEO_CODEC: 'AV1' }).videoCodec, 'av1');
  assert.equal(ok(base, ['--video-codec', 'h264']).videoCodec, 'h264');
  err({ ...base, LKB_ENGINE: 'webkit' }, [], /LKB_ENGINE: expected one of chromium\|cef, got "webkit"/);
  err({ ...base, LKB_CHROMIUM_UID: '0' }, [], /LKB_CHROMIUM_UID: must be an integer 1\.\./);
  err({ ...noCreds, LKB_TOKEN_FILE: '/t', LIVEKIT_TOKEN: 'a.b.c' }, [], /not both/);
  err(noCreds, [], /LKB_TOKEN_FILE/);
  err({ ...base, LKB_EGRESS_DENY_CIDRS: '10.0.0.0/40' }, [], /LKB_EGRESS_DENY_CIDRS: not a CIDR/);
  err({ ...base }, ['--egress-deny-cidrs', 'nope'], /--egress-deny-cidrs: not a CIDR/);
  err({ ...base, LIVEKIT_ROOM: 'r'.repeat(257) }, [], /at most 256/);
  err({ ...base, LIVEKIT_NAME: 'n'.repeat(257) }, [], /at most 256/);
  err({ ...base, LKB_FOCUS_ADMIN_IDENTITIES: 'a'.repeat(129) }, [], /at most 64 identities/);
});

test('automation: off by default; on needs a token file', () => {
  const c = ok({ ...base, LKB_AUTOMATION: 'true', LKB_AUTOMATION_TOKEN_FILE: '/var/run/lkb/automation/token' });
  assert.equal(c.automation, true);
  assert.equal(c.automationTokenFile, '/var/run/lkb/automation/token');
  assert.equal(ok(base, ['--automation', '--automation-token-file', '/t', '--automation-port', '0']).automationPort, 0);
  err({ ...base, LKB_AUTOMATION: 'true' }, [], /LKB_AUTOMATION needs LKB_AUTOMATION_TOKEN_FILE/);
  err({ ...base, LKB_AUTOMATION_HOST: 'example.com' }, [], /LKB_AUTOMATION_HOST: expected an IP address/);
  err({ ...base, LKB_AUTOMATION_PORT: '70000' }, [], /LKB_AUTOMATION_PORT/);
});
