// The per-session join token a claim carries: room-scoped, short-lived, the runtime's least-privilege grants
// (runtime/src/token.ts runtimeGrant). Minted by the operator with the LiveKit API key it was given; the runtime
// pod never sees the API secret. (Issue #12 moves all of the operator's token minting to one module; this is
// the warm pool's use of it until then.)
import { createHmac } from 'node:crypto';

export interface TokenRequest {
  room: string;
  identity: string;
  name: string;
}

export type TokenMinter = (req: TokenRequest) => Promise<string>;

/** Validity of a claim's token: only the initial connect checks it (LiveKit refreshes tokens of live sessions). */
export const CLAIM_TOKEN_TTL_SECONDS = 600;

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A LiveKit access token (HS256 JWT): publish screen share + data, no subscribe, one room. Pure given `nowS`. */
export function mintRoomToken(
  apiKey: string,
  apiSecret: string,
  req: TokenRequest,
  nowS = Math.floor(Date.now() / 1000),
): string {
  const payload = {
    iss: apiKey,
    sub: req.identity,
    name: req.name,
    nbf: nowS - 5,
    exp: nowS + CLAIM_TOKEN_TTL_SECONDS,
    video: {
      room: req.room,
      roomJoin: true,
      canPublish: true,
      canPublishSources: ['screen_share', 'screen_share_audio'],
      canPublishData: true,
      canSubscribe: false,
      canUpdateOwnMetadata: false,
    },
  };
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
  return `${head}.${createHmac('sha256', apiSecret).update(head).digest('base64url')}`;
}

/** A minter from LIVEKIT_API_KEY / LIVEKIT_API_SECRET, or undefined when they are not set (no warm claims then). */
export function envTokenMinter(env: Record<string, string | undefined>): TokenMinter | undefined {
  const key = env.LIVEKIT_API_KEY?.trim();
  const secret = env.LIVEKIT_API_SECRET?.trim();
  if (!key || !secret) return undefined;
  return (req) => Promise.resolve(mintRoomToken(key, secret, req));
}
