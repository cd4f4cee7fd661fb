// POST http://<podIP>:<port>/claim to a standby runtime (runtime/src/standby.ts).
import { fetch } from 'undici';

export type ClaimOutcome =
  /** 202: the runtime took the claim; 409: it was already claimed — by us, since only we hold the secret. */
  | { kind: 'accepted' | 'already' }
  /** 400/401/422/other: the runtime will not serve this claim. */
  | { kind: 'refused'; code: number; error: string };

export type ClaimSender = (
  host: string,
  port: number,
  secret: string,
  env: Record<string, string>,
  timeoutMs: number,
) => Promise<ClaimOutcome>;

export const sendClaim: ClaimSender = async (host, port, secret, env, timeoutMs) => {
  const h = host.includes(':') ? `[${host}]` : host;
  const res = await fetch(`http://${h}:${port}/claim`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ env }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  if (res.status === 202) return { kind: 'accepted' };
  if (res.status === 409) return { kind: 'already' };
  let error = text.slice(0, 300);
  try {
    error = String((JSON.parse(text) as { error?: unknown }).error ?? error);
  } catch {
    // not JSON (a proxy's page): the raw text is the message
  }
  return { kind: 'refused', code: res.status, error };
};
