// What a session hands a pool runtime, and whether it may: pure functions (operator/test/browserpool/claim-env.test.ts).
import type { OperatorConfig } from '../config.ts';
import { runtimeEnv } from '../browsersession/pod-spec.ts';
import type { ResolvedSpec } from '../browsersession/resolved-spec.ts';
import type { BrowserSession } from '../browsersession/types.ts';
import type { BrowserPool } from './types.ts';

/**
 * The names a claim may set: runtime/src/standby-claim.ts CLAIM_ENV_KEYS (operator/test/browserpool/claim-env.test.ts
 * checks they agree). The operator cannot import the runtime (different images), so the list is repeated.
 */
export const CLAIM_ENV_NAMES: ReadonlySet<string> = new Set([
  'LIVEKIT_URL',
  'LIVEKIT_ROOM',
  'LIVEKIT_IDENTITY',
  'LIVEKIT_NAME',
  'LIVEKIT_TOKEN',
  'LKB_URL',
  'LKB_WIDTH',
  'LKB_HEIGHT',
  'LKB_FRAMERATE',
  'LKB_VIDEO_CODEC',
  'LKB_AUDIO',
  'LKB_NAV_ALLOWED_ORIGINS',
  'LKB_FOCUS_IDLE_RELEASE_SECONDS',
  'LKB_FOCUS_MAX_HOLD_SECONDS',
  'LKB_FOCUS_PRIORITY_IDENTITIES',
  'LKB_FOCUS_ADMIN_IDENTITIES',
  'LKB_FOCUS_AGENT_IDENTITIES',
  'LKB_SCREENSHOT_IDENTITIES',
  'LKB_EMPTY_ROOM_TIMEOUT_SECONDS',
  'LKB_MAX_DURATION_SECONDS',
]);

/** WarmStart condition reasons. */
export const WarmReasons = {
  Claimed: 'Claimed',
  PoolNotFound: 'PoolNotFound',
  PoolEmpty: 'PoolEmpty',
  NamespaceNotAllowed: 'NamespaceNotAllowed',
  Incompatible: 'Incompatible',
  ClaimFailed: 'ClaimFailed',
} as const;

export type Compatibility = { ok: true } | { ok: false; reason: string; message: string };

/** May this session take a runtime of this pool? Everything the runtime fixes at its start must agree. */
export function poolCompatibility(
  pool: BrowserPool | undefined,
  session: BrowserSession,
  r: ResolvedSpec,
): Compatibility {
  const ref = r.spec.pool;
  const ns = session.metadata.namespace ?? '';
  // The named pool, or the one the session's labels matched (pool-match.ts).
  const poolNs = pool?.metadata.namespace ?? ref?.namespace ?? ns;
  const where = `${poolNs}/${pool?.metadata.name ?? ref?.name ?? ''}`;
  if (!pool || pool.metadata.deletionTimestamp)
    return { ok: false, reason: WarmReasons.PoolNotFound, message: `BrowserPool ${where} not found: cold start` };
  if (poolNs !== ns && !(pool.spec.sessionNamespaces ?? []).includes(ns))
    return {
      ok: false,
      reason: WarmReasons.NamespaceNotAllowed,
      message: `BrowserPool ${where} does not admit sessions of namespace ${ns} (spec.sessionNamespaces): cold start`,
    };
  const problems: string[] = [];
  if (r.spec.viewport.framerate > pool.spec.viewport.framerate)
    problems.push(`framerate ${r.spec.viewport.framerate} above the pool's ${pool.spec.viewport.framerate}`);
  if (r.spec.navigation.allowPrivateNetworks !== pool.spec.allowPrivateNetworks)
    problems.push(`navigation.allowPrivateNetworks ${r.spec.navigation.allowPrivateNetworks} differs from the pool's`);
  if (r.spec.pod && Object.keys(r.spec.pod).length > 0)
    problems.push('spec.pod is set (a pool runtime is the admin’s pod)');
  // A standby runtime has no automation endpoint and no mount for the session's automation token Secret.
  if (r.spec.automation.enabled) problems.push('spec.automation is enabled (pool runtimes serve no DevTools endpoint)');
  if (problems.length > 0)
    return {
      ok: false,
      reason: WarmReasons.Incompatible,
      message: `cannot use BrowserPool ${where}: ${problems.join('; ')}: cold start`,
    };
  return { ok: true };
}

/**
 * The claim's environment: the session's settings exactly as a cold pod would get them (runtimeEnv), minus what a
 * claim may not set (credentials references, pod-level settings), plus the per-session token.
 */
export function claimEnv(r: ResolvedSpec, config: OperatorConfig, token: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of runtimeEnv(r, config))
    if (e.value !== undefined && CLAIM_ENV_NAMES.has(e.name)) env[e.name] = e.value;
  env.LIVEKIT_TOKEN = token;
  return env;
}
