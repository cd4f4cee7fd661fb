import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { defaultConfig, helpText, loadConfig } from '../src/config.ts';
import { parseDuration } from '../src/framework/flags.ts';
import { parseBindAddress } from '../src/framework/health.ts';

test('defaults match controller-runtime and the runtime contract', () => {
  const d = defaultConfig();
  assert.equal(d.leaseDurationMs, 15_000);
  assert.equal(d.renewDeadlineMs, 10_000);
  assert.equal(d.retryPeriodMs, 2_000);
  assert.equal(d.healthProbeBindAddress, ':8081');
  assert.equal(d.metricsBindAddress, ':8080');
  assert.equal(d.runtimePort, 9090);
  assert.match(d.runtimeImage, /^lkbrowser-runtime:\d+\.\d+\.\d+/);
  assert.equal(d.cefRuntimeImage, '', 'no CEF runtime image by default: cef sessions are refused');
  const cef = loadConfig([], { LKB_CEF_RUNTIME_IMAGE: 'lkbrowser-runtime-cef:1' });
  assert.equal(!cef.help && cef.config.cefRuntimeImage, 'lkbrowser-runtime-cef:1');
  const flag = loadConfig(['--cef-runtime-image=r/cef:2'], { LKB_CEF_RUNTIME_IMAGE: 'ignored' });
  assert.equal(!flag.help && flag.config.cefRuntimeImage, 'r/cef:2');
});

test('flags override env, env overrides defaults', () => {
  const r = loadConfig(['--namespace=a,b', '--leader-elect', '--lease-duration=20s', '--runtime-port', '9191'], {
    WATCH_NAMESPACE: 'ignored',
    LIVEKIT_URL: 'wss://lk.example.com',
    LKB_LIVEKIT_CREDENTIALS_DIR: '/creds',
    LKB_EGRESS_DENY_CIDRS: '10.0.0.0/16,fd00::/108',
    POD_NAMESPACE: 'lkb-system',
  });
  assert.equal(r.help, false);
  if (r.help) return;
  assert.deepEqual(r.config.namespaces, ['a', 'b']);
  assert.equal(r.config.leaderElect, true);
  assert.equal(r.config.leaseDurationMs, 20_000);
  assert.equal(r.config.runtimePort, 9191);
  assert.equal(r.config.livekitUrl, 'wss://lk.example.com');
  assert.equal(r.config.livekitCredentialsDir, '/creds');
  assert.deepEqual(r.config.egressDenyCidrs, ['10.0.0.0/16', 'fd00::/108']);
  assert.equal(r.config.tokenTtlMs, 3600_000, 'a join token lives an hour by default');
  assert.equal(r.config.operatorNamespace, 'lkb-system');
  const off = loadConfig(['--no-leader-elect'], { LKB_LEADER_ELECT: 'true' });
  assert.equal(!off.help && off.config.leaderElect, false);
  const fromEnv = loadConfig([], { LKB_LEADER_ELECT: 'yes', LKB_LEASE_DURATION: '30s' });
  assert.equal(!fromEnv.help && fromEnv.config.leaderElect, true);
  assert.equal(!fromEnv.help && fromEnv.config.leaseDurationMs, 30_000);
  assert.equal(loadConfig(['--help'], {}).help, true);
});

test('bad values are rejected with the flag name', () => {
  assert.throws(() => loadConfig(['--runtime-port=x'], {}), /--runtime-port/);
  assert.throws(
    () => loadConfig(['--lease-duration=5s', '--renew-deadline=10s'], {}),
    /renew-deadline must be shorter/,
  );
  assert.throws(() => loadConfig(['--runtime-image-pull-policy=Sometimes'], {}), /pull-policy/);
  assert.throws(() => loadConfig(['--no-such-flag'], {}), /Unknown option/);
  assert.throws(() => loadConfig(['--leader-elect=false'], {}), /does not take an argument/);
  assert.throws(() => loadConfig([], { LKB_LEADER_ELECT: 'maybe' }), /LKB_LEADER_ELECT: expected true\/false/);
  assert.throws(() => loadConfig(['positional'], {}), /Unexpected argument/);
  assert.throws(() => loadConfig(['--livekit-url=ftp://lk'], {}), /--livekit-url/);
  assert.throws(() => loadConfig(['--token-ttl=1m'], {}), /--token-ttl/);
  assert.throws(() => loadConfig(['--token-ttl=10m', '--token-renew-before=10m'], {}), /--token-renew-before/);
  assert.throws(() => loadConfig(['--egress-deny-cidrs=10.0.0.0/33'], {}), /not a CIDR/);
  assert.throws(() => loadConfig(['--egress-deny-cidrs=cluster'], {}), /not a CIDR/);
  const durations: [string, number | undefined][] = [
    ['500ms', 500],
    ['15s', 15_000],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1500', 1500],
    ['soon', undefined],
    ['ms', undefined],
    ['-1s', undefined],
    ['', undefined],
  ];
  for (const [text, ms] of durations) {
    if (ms === undefined) assert.throws(() => parseDuration(text), /invalid duration/, text);
    else assert.equal(parseDuration(text), ms, text);
  }
  assert.deepEqual(parseBindAddress(':8081'), { host: '0.0.0.0', port: 8081 });
  assert.deepEqual(parseBindAddress('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
  assert.equal(parseBindAddress('0'), undefined);
});

test('main.ts --help prints every flag', () => {
  const r = spawnSync(process.execPath, [new URL('../src/main.ts', import.meta.url).pathname, '--help'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), helpText().trim());
  for (const f of ['--namespace', '--livekit-url', '--livekit-credentials-dir', '--runtime-image', '--leader-elect'])
    assert.ok(r.stdout.includes(f), f);
  const bad = spawnSync(process.execPath, [new URL('../src/main.ts', import.meta.url).pathname, '--bogus'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(bad.status, 2);
});

test('--runtime-seccomp-profile: a path relative to the kubelet seccomp dir, as the API server accepts it', () => {
  const none = loadConfig([], {});
  assert.equal(!none.help && none.config.runtimeSeccompProfile, '');
  const ok = loadConfig(['--runtime-seccomp-profile=lkbrowser/chromium.json'], {});
  assert.equal(!ok.help && ok.config.runtimeSeccompProfile, 'lkbrowser/chromium.json');
  const env = loadConfig([], { LKB_RUNTIME_SECCOMP_PROFILE: 'chromium.json' });
  assert.equal(!env.help && env.config.runtimeSeccompProfile, 'chromium.json');
  for (const [bad, why] of [
    ['/var/lib/kubelet/seccomp/x.json', /relative/],
    ['../x.json', /'\.\.'/],
    ['a//x.json', /empty/],
    ['a b.json', /only letters/],
  ] as const)
    assert.throws(() => loadConfig([`--runtime-seccomp-profile=${bad}`], {}), why, bad);
});
