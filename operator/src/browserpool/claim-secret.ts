// The bearer secret of a pool pod's POST /claim. The pod's environment holds only its sha256 (so reading the pod
// spec does not let anyone claim it); the operator derives the secret again when it claims, from its own key and
// the pod's nonce annotation, so nothing secret is stored in the API and an operator restart loses nothing.
import { createHash, createHmac, randomBytes } from 'node:crypto';

export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

/** base64url HMAC-SHA256(key, "namespace/name/nonce"): 43 characters. */
export function claimSecret(key: Buffer, namespace: string, name: string, nonce: string): string {
  return createHmac('sha256', key).update(`${namespace}/${name}/${nonce}`).digest('base64url');
}

/** What the runtime compares against (runtime/src/standby-claim.ts claimSecretDigest). */
export function secretDigest(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * The operator's claim key: LKB_POOL_CLAIM_KEY (at least 32 characters; the chart keeps it in a Secret), or a
 * random one for this process — then pool pods started by an earlier process answer 401 and are replaced.
 */
export function claimKeyFrom(env: Record<string, string | undefined>): { key: Buffer; generated: boolean } {
  const v = env.LKB_POOL_CLAIM_KEY?.trim();
  if (v && v.length >= 32) return { key: Buffer.from(v, 'utf8'), generated: false };
  if (v) throw new Error('LKB_POOL_CLAIM_KEY must be at least 32 characters');
  return { key: randomBytes(32), generated: true };
}
