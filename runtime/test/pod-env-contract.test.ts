// The pod the operator renders and the configuration the runtime reads are one contract: render the pod of a
// BrowserSession with the operator's own pod-spec builder, parse its container environment with the runtime's own
// parser, and compare with the CR. Also: every variable the pod sets is one the runtime knows, and every LKB_
// setting has one name (CRD field → LKB_NAME → --name → RuntimeConfig key).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BrowserSession, defaultConfig, desiredPod, resolveSpec } from '@lkbrowser/operator';
import { served } from '@lkbrowser/operator/crd-fixtures';
import { OPTIONS, parseConfig, type RuntimeConfig } from '../src/config.ts';

const operatorConfig = { ...defaultConfig(), livekitUrl: 'wss://lk.example.com', runtimePort: 9191 };

/** A session as the API server serves it: the CRD's defaults applied to the given spec. */
function session(spec: Record<string, unknown>): BrowserSession {
  return served(
    { url: 'https://example.com/start', room: 'demo-room', ...spec },
    { name: 'demo', namespace: 'team-a' },
  );
}

/** The container's environment as the kubelet would give it (Secret references resolved to stand-ins). */
function podEnv(s: BrowserSession): Record<string, string> {
  const pod = desiredPod(s, resolveSpec(s, operatorConfig), operatorConfig, 0);
  const env: Record<string, string> = {};
  for (const e of pod.spec?.containers[0]?.env ?? []) {
    env[e.name] = e.value ?? `secret:${e.valueFrom?.secretKeyRef?.key ?? '?'}`;
  }
  return env;
}

function runtimeConfig(env: Record<string, string>): RuntimeConfig {
  const r = parseConfig(env, []);
  assert.equal(r.kind, 'ok', r.kind === 'error' ? r.message : r.kind);
  return (r as { config: RuntimeConfig }).config;
}

test('every BrowserSession field reaches the runtime with its value', () => {
  const full: Record<string, unknown> = {
    participant: { identity: 'browser-1', name: 'Shared browser' },
    viewport: { width: 1920, height: 1080, framerate: 60 },
    audio: false,
    videoCodec: 'av1',
    engine: 'cef',
    navigation: { allowedOrigins: ['https://example.com', 'https://*.example.org'], allowPrivateNetworks: true },
    focus: { idleReleaseSeconds: 45, priorityIdentities: ['agent-1', 'agent-2'] },
    lifetime: { maxDurationSeconds: 3600, emptyRoomTimeoutSeconds: 300 },
    automation: { enabled: true },
  };
  const c = runtimeConfig(podEnv(session(full)));
  assert.deepEqual(
    {
      livekitUrl: c.livekitUrl,
      room: c.room,
      identity: c.identity,
      name: c.name,
      apiKey: c.apiKey,
      apiSecret: c.apiSecret,
      tokenFile: c.tokenFile,
      url: c.url,
      width: c.width,
      height: c.height,
      framerate: c.framerate,
      audio: c.audio,
      videoCodec: c.videoCodec,
      engine: c.engine,
      navAllowedOrigins: c.navAllowedOrigins,
      navAllowPrivateNetworks: c.navAllowPrivateNetworks,
      focusIdleReleaseSeconds: c.focusIdleReleaseSeconds,
      focusPriorityIdentities: c.focusPriorityIdentities,
      emptyRoomTimeoutSeconds: c.emptyRoomTimeoutSeconds,
      maxDurationSeconds: c.maxDurationSeconds,
      metricsPort: c.metricsPort,
      automation: c.automation,
      automationPort: c.automationPort,
      automationTokenFile: c.automationTokenFile,
    },
    {
      livekitUrl: 'wss://lk.example.com',
      room: 'demo-room',
      identity: 'browser-1',
      name: 'Shared browser',
      apiKey: undefined,
      apiSecret: undefined,
      tokenFile: '/var/run/lkbrowser/livekit/token',
      url: 'https://example.com/start',
      width: 1920,
      height: 1080,
      framerate: 60,
      audio: false,
      videoCodec: 'av1',
      engine: 'cef',
      navAllowedOrigins: ['https://example.com', 'https://*.example.org'],
      navAllowPrivateNetworks: true,
      focusIdleReleaseSeconds: 45,
      focusPriorityIdentities: ['agent-1', 'agent-2'],
      emptyRoomTimeoutSeconds: 300,
      maxDurationSeconds: 3600,
      metricsPort: 9191,
      automation: true,
      automationPort: 9223,
      automationTokenFile: '/var/run/lkbrowser/automation/token',
    },
  );
});

test("a minimal BrowserSession: the operator's defaults are valid runtime configuration", () => {
  const c = runtimeConfig(podEnv(session({})));
  assert.equal(c.url, 'https://example.com/start');
  assert.equal(c.identity, 'demo');
  assert.equal(c.focusIdleReleaseSeconds, 120); // the CRD's default, not the runtime's 0
  assert.equal(c.engine, 'chromium');
  assert.equal(c.videoCodec, 'vp8');
  assert.equal(c.automation, false);
});

test('the pod sets no variable the runtime does not read', () => {
  const known = new Set<string>(Object.values(OPTIONS).map((o) => o.env));
  for (const name of Object.keys(podEnv(session({})))) assert.ok(known.has(name), `${name} is read by the runtime`);
});

test('one name per setting: LKB_X_Y ↔ --x-y ↔ xY', () => {
  for (const [key, o] of Object.entries(OPTIONS)) {
    if (!o.env.startsWith('LKB_')) continue;
    const words = o.env.slice(4).toLowerCase().split('_');
    assert.equal(o.flag, words.join('-'), `${o.env} flag`);
    assert.equal(
      key,
      words.map((w, i) => (i === 0 ? w : w[0]?.toUpperCase() + w.slice(1))).join(''),
      `${o.env} config key`,
    );
  }
});
