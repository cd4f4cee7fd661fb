// The claim of a standby runtime (warm pool, docs/warm-pool.md): what POST /claim may carry and how its bearer
// secret is checked. Pure functions, no I/O.
//
// A claim carries the session's settings under the very names the pod environment uses (LKB_… / LIVEKIT_…), so
// the runtime re-runs parseConfig on (pod env + claim) and every check of a cold start applies unchanged. Only
// session-level names are accepted: what the admin fixes for the pool's pods (engine, egress deny ranges, Chromium
// uid, ports, log level, credentials other than one token, and LKB_NAV_ALLOW_PRIVATE_NETWORKS, which the egress
// proxy fixes when it starts) cannot be changed by whoever claims.
import { createHash, timingSafeEqual } from 'node:crypto';

/** The environment names a claim may set. LIVEKIT_TOKEN is the per-session, room-scoped join token. */
export const CLAIM_ENV_KEYS = [
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
] as const;
export type ClaimEnvKey = (typeof CLAIM_ENV_KEYS)[number];

/** Names a claim must set: where to go, as whom, with which token. */
export const CLAIM_REQUIRED: readonly ClaimEnvKey[] = ['LIVEKIT_URL', 'LIVEKIT_ROOM', 'LIVEKIT_TOKEN'];

/** Upper bound of a claim body (a token is ~1 KiB; identity lists are bounded by parseConfig). */
export const MAX_CLAIM_BYTES = 64 * 1024;

export interface Claim {
  env: Partial<Record<ClaimEnvKey, string>>;
}

export type ClaimParse = { ok: true; claim: Claim } | { ok: false; reason: string };

const ALLOWED = new Set<string>(CLAIM_ENV_KEYS);

/** `{"env": {NAME: "value", …}}` with allowed names and string values only. */
export function parseClaimBody(text: string): ClaimParse {
  if (text.length > MAX_CLAIM_BYTES) return { ok: false, reason: `claim larger than ${MAX_CLAIM_BYTES} bytes` };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: `claim is not JSON: ${(e as Error).message}` };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { ok: false, reason: 'not an object' };
  const rawEnv = (body as { env?: unknown }).env;
  if (rawEnv === null || typeof rawEnv !== 'object' || Array.isArray(rawEnv))
    return { ok: false, reason: 'env must be an object' };
  const env: Partial<Record<ClaimEnvKey, string>> = {};
  for (const [k, v] of Object.entries(rawEnv as Record<string, unknown>)) {
    if (!ALLOWED.has(k)) return { ok: false, reason: `${k} cannot be set by a claim` };
    if (typeof v !== 'string') return { ok: false, reason: `${k} must be a string` };
    env[k as ClaimEnvKey] = v;
  }
  for (const k of CLAIM_REQUIRED) if (!env[k]?.trim()) return { ok: false, reason: `${k} is required` };
  return { ok: true, claim: { env } };
}

/** sha256 hex of a claim secret: what the pod's environment holds (LKB_CLAIM_SECRET_SHA256). */
export function claimSecretDigest(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** `Authorization: Bearer <secret>` whose sha256 is `digestHex`, compared in constant time. */
export function bearerMatches(header: string | undefined, digestHex: string): boolean {
  const m = /^Bearer ([A-Za-z0-9_-]{16,256})$/.exec(header ?? '');
  if (!m || !/^[0-9a-f]{64}$/.test(digestHex)) return false;
  const got = createHash('sha256')
    .update(m[1] as string, 'utf8')
    .digest();
  return timingSafeEqual(got, Buffer.from(digestHex, 'hex'));
}

/**
 * The environment a claimed runtime parses: the pod's own, then the claim's names on top. The standby switch is
 * removed (the claimed runtime is a normal one), and so are credentials the pod might carry besides the claim's
 * token (the pod of a pool holds none; this keeps it so if an admin adds some).
 */
export function claimedEnv(
  podEnv: Record<string, string | undefined>,
  claim: Claim,
): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...podEnv, ...claim.env };
  delete env.LKB_CLAIM_SECRET_SHA256;
  delete env.LKB_TOKEN_FILE;
  delete env.LIVEKIT_API_KEY;
  delete env.LIVEKIT_API_SECRET;
  return env;
}

/**
 * The runtime's flags without those of settings the claim sets: flags win over the environment, and a claim's
 * settings must win over the pod's (`--width=320` in a pool pod's args is the standby size, not the session's).
 * `flagOf` maps an environment name to its flag and whether it takes no value (a boolean).
 */
export function argvWithoutClaimed(
  argv: readonly string[],
  claim: Claim,
  flagOf: (env: string) => { flag: string; boolean: boolean } | undefined,
): string[] {
  const drop = new Map<string, boolean>();
  for (const k of Object.keys(claim.env)) {
    const f = flagOf(k);
    if (f) drop.set(f.flag, f.boolean);
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const m = /^--(?:no-)?([a-z0-9-]+)(=.*)?$/.exec(a);
    const name = m?.[1];
    if (name === undefined || !drop.has(name)) {
      out.push(a);
      continue;
    }
    // `--flag value` (not a boolean, no `=`) also drops the value.
    if (!drop.get(name) && m?.[2] === undefined && !a.startsWith('--no-')) i++;
  }
  return out;
}
