// The CRD, the pod the operator renders and the runtime's configuration are one contract:
// - every default of the CRD is the runtime's default for the same setting (a session that leaves a field out
//   and a runtime started without the flag behave alike);
// - the pod's environment, parsed by the runtime's own parser, gives back the session's spec.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig, type RuntimeConfig } from '@lkbrowser/runtime';
import { desiredPod } from '../../src/browsersession/pod-spec.ts';
import { resolveSpec } from '../../src/browsersession/resolved-spec.ts';
import { crdDefaults, served } from '../support/crd.ts';
import { testConfig } from '../support/helpers.ts';

/** CRD spec field → the runtime setting it becomes (via the pod's environment, pod-spec.ts runtimeEnv). */
const RUNTIME_SETTING: Record<string, keyof RuntimeConfig> = {
  'spec.viewport.width': 'width',
  'spec.viewport.height': 'height',
  'spec.viewport.framerate': 'framerate',
  'spec.audio': 'audio',
  'spec.engine': 'engine',
  'spec.navigation.allowPrivateNetworks': 'navAllowPrivateNetworks',
  'spec.focus.idleReleaseSeconds': 'focusIdleReleaseSeconds',
  'spec.lifetime.maxDurationSeconds': 'maxDurationSeconds',
  'spec.lifetime.emptyRoomTimeoutSeconds': 'emptyRoomTimeoutSeconds',
  'spec.automation.enabled': 'automation',
  'spec.videoCodec': 'videoCodec',
};
/** CRD defaults that are not runtime settings, and why. */
const NOT_RUNTIME: Record<string, string> = {
  'spec.viewport': 'object default: its fields are listed one by one',
  'spec.navigation': 'object default',
  'spec.focus': 'object default',
  'spec.lifetime': 'object default',
  'spec.automation': 'object default',
};

/** The minimum a runtime needs to start, so that everything else is its default. */
const REQUIRED_ENV = {
  LIVEKIT_URL: 'wss://lk.example.com',
  LIVEKIT_ROOM: 'demo',
  LIVEKIT_API_KEY: 'k',
  LIVEKIT_API_SECRET: 's',
};

function runtimeConfig(env: Record<string, string | undefined>): RuntimeConfig {
  const r = parseConfig(env, []);
  if (r.kind !== 'ok') throw new Error(`runtime refused the environment: ${r.kind === 'error' ? r.message : r.kind}`);
  return r.config;
}

test("every CRD default is the runtime's default for the same setting", () => {
  const runtimeDefaults = runtimeConfig(REQUIRED_ENV);
  const defaults = crdDefaults();
  const unmapped = [...defaults.keys()].filter(
    (p) => p.startsWith('spec.') && !(p in RUNTIME_SETTING) && !(p in NOT_RUNTIME),
  );
  assert.deepEqual(unmapped, [], 'a new CRD default must be mapped to its runtime setting (or listed as not one)');
  for (const [path, setting] of Object.entries(RUNTIME_SETTING)) {
    assert.ok(defaults.has(path), `${path} has no default in the CRD any more`);
    assert.equal(runtimeDefaults[setting], defaults.get(path), `${path} (CRD default) vs runtime ${setting}`);
  }
});

test("the pod's environment, parsed by the runtime, is the session's spec", () => {
  const config = testConfig({ livekitUrl: 'wss://lk.example.com' });
  const cases: Record<string, unknown>[] = [
    {},
    {
      participant: { identity: 'browser-1', name: 'Shared browser' },
      viewport: { width: 1920, height: 1080, framerate: 60 },
      audio: false,
      engine: 'cef',
      navigation: { allowedOrigins: ['https://a.example', 'https://b.example:8443'], allowPrivateNetworks: true },
      focus: { idleReleaseSeconds: 0, priorityIdentities: ['agent-1', 'agent-2'] },
      lifetime: { maxDurationSeconds: 3600, emptyRoomTimeoutSeconds: 300 },
    },
  ];
  for (const extra of cases) {
    const session = served({ url: 'https://example.com/start', room: 'demo', ...extra }, { name: 'sess' });
    const r = resolveSpec(session, config);
    const env: Record<string, string> = {};
    for (const e of desiredPod(session, r, config).spec?.containers[0]?.env ?? []) {
      assert.equal(e.valueFrom, undefined, `${e.name}: the pod references no Secret key`);
      env[e.name] = e.value ?? '';
    }
    const rc = runtimeConfig(env);
    const s = session.spec;
    assert.deepEqual(
      {
        livekitUrl: rc.livekitUrl,
        room: rc.room,
        identity: rc.identity,
        name: rc.name,
        url: rc.url,
        width: rc.width,
        height: rc.height,
        framerate: rc.framerate,
        audio: rc.audio,
        engine: rc.engine,
        navAllowedOrigins: rc.navAllowedOrigins,
        navAllowPrivateNetworks: rc.navAllowPrivateNetworks,
        focusIdleReleaseSeconds: rc.focusIdleReleaseSeconds,
        focusPriorityIdentities: rc.focusPriorityIdentities,
        emptyRoomTimeoutSeconds: rc.emptyRoomTimeoutSeconds,
        maxDurationSeconds: rc.maxDurationSeconds,
        metricsPort: rc.metricsPort,
      },
      {
        livekitUrl: r.livekitUrl,
        room: s.room,
        identity: r.identity,
        name: r.participantName,
        url: s.url,
        width: s.viewport.width,
        height: s.viewport.height,
        framerate: s.viewport.framerate,
        audio: s.audio,
        engine: s.engine,
        navAllowedOrigins: s.navigation.allowedOrigins ?? [],
        navAllowPrivateNetworks: s.navigation.allowPrivateNetworks,
        focusIdleReleaseSeconds: s.focus.idleReleaseSeconds,
        focusPriorityIdentities: s.focus.priorityIdentities ?? [],
        emptyRoomTimeoutSeconds: s.lifetime.emptyRoomTimeoutSeconds,
        maxDurationSeconds: s.lifetime.maxDurationSeconds,
        metricsPort: config.runtimePort,
      },
      JSON.stringify(extra),
    );
    assert.equal(rc.tokenFile, '/var/run/lkbrowser/livekit/token', 'the join token comes from the mounted Secret');
    assert.equal(rc.apiKey, undefined, 'no API key reaches the runtime');
    assert.equal(rc.apiSecret, undefined, 'no API secret reaches the runtime');
  }
});
