// The join token of one runtime: short-lived, for exactly one room and one identity, with only the grants a
// browser participant needs (join, publish its screen share + audio, send/receive data and RPC). No roomAdmin,
// roomCreate, roomList, roomRecord, ingress/SIP/agent grants and no canUpdateOwnMetadata, so a runtime (or a page
// that compromises it) can neither mint tokens, administer the room, nor rewrite its own identity attributes.
// The grant decision is pure (runtimeTokenClaims); mintRoomToken signs it. Used by the BrowserSession reconciler
// and the warm pool (#19).
import { AccessToken, TrackSource, type VideoGrant } from 'livekit-server-sdk';

/** Participant attribute set in every runtime token; only the API-key holder (the operator) can put it there. */
export const BROWSER_ROLE_ATTRIBUTE = 'lkbrowser.dev/role';
export const BROWSER_ROLE = 'browser';
/** Participant attribute naming the session (`namespace/name`) the runtime serves. */
export const SESSION_ATTRIBUTE = 'lkbrowser.dev/session';

export interface RoomTokenRequest {
  room: string;
  identity: string;
  /** Display name; defaults to the identity. */
  name?: string;
  /** `namespace/name` of the BrowserSession (or pool member) this token is for. */
  session: string;
  ttlSeconds: number;
}

export interface RoomTokenClaims {
  identity: string;
  name: string;
  ttlSeconds: number;
  grant: VideoGrant;
  attributes: Record<string, string>;
}

export interface ApiCredentials {
  apiKey: string;
  apiSecret: string;
}

/** LiveKit's own limit on room names and identities, and the runtime's (runtime/src/config.ts). */
export const MAX_ROOM_LENGTH = 256;
export const MAX_IDENTITY_LENGTH = 128;
/** Bounds of a runtime token's lifetime: long enough to outlive Secret-volume propagation, short enough to matter. */
export const MIN_TTL_SECONDS = 300;
export const MAX_TTL_SECONDS = 24 * 3600;

/** The claims of a runtime token. Pure; throws on a request no runtime token may carry. */
export function runtimeTokenClaims(r: RoomTokenRequest): RoomTokenClaims {
  if (!r.room || r.room.length > MAX_ROOM_LENGTH) throw new Error(`room must be 1..${MAX_ROOM_LENGTH} characters`);
  if (!r.identity || r.identity.length > MAX_IDENTITY_LENGTH)
    throw new Error(`identity must be 1..${MAX_IDENTITY_LENGTH} characters`);
  if (!Number.isInteger(r.ttlSeconds) || r.ttlSeconds < MIN_TTL_SECONDS || r.ttlSeconds > MAX_TTL_SECONDS)
    throw new Error(`ttlSeconds must be an integer in ${MIN_TTL_SECONDS}..${MAX_TTL_SECONDS}`);
  return {
    identity: r.identity,
    name: r.name || r.identity,
    ttlSeconds: r.ttlSeconds,
    grant: {
      room: r.room,
      roomJoin: true,
      roomAdmin: false,
      roomCreate: false,
      roomList: false,
      roomRecord: false,
      ingressAdmin: false,
      canPublish: true,
      // The runtime publishes browser-video as a screen share and browser-audio as screen-share audio, nothing else.
      canPublishSources: [TrackSource.SCREEN_SHARE, TrackSource.SCREEN_SHARE_AUDIO],
      // Focus requests and navigation are RPCs, input is data: the runtime must receive and send both.
      canSubscribe: true,
      canPublishData: true,
      canUpdateOwnMetadata: false,
      hidden: false,
      recorder: false,
      agent: false,
    },
    attributes: { [BROWSER_ROLE_ATTRIBUTE]: BROWSER_ROLE, [SESSION_ATTRIBUTE]: r.session },
  };
}

export interface MintedToken {
  token: string;
  /** exp claim of the token, ms since the epoch. */
  expiresAtMs: number;
}

/** The exp claim of a JWT in ms (no signature check: only for our own tokens). */
export function tokenExpiryMs(jwt: string): number {
  const part = jwt.split('.')[1] ?? '';
  const payload = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { exp?: unknown };
  if (typeof payload.exp !== 'number') throw new Error('token has no exp claim');
  return payload.exp * 1000;
}

/** Signs the claims with the project's API key/secret. */
export async function mintRoomToken(creds: ApiCredentials, claims: RoomTokenClaims): Promise<MintedToken> {
  const at = new AccessToken(creds.apiKey, creds.apiSecret, {
    identity: claims.identity,
    name: claims.name,
    ttl: claims.ttlSeconds,
    attributes: claims.attributes,
  });
  at.addGrant(claims.grant);
  const token = await at.toJwt();
  return { token, expiresAtMs: tokenExpiryMs(token) };
}

/**
 * Whether a token issued earlier must be replaced: none yet, it is for another room/identity/name, or less than
 * `renewBeforeMs` of its life is left (the kubelet needs up to a minute or two to update a mounted Secret). Pure.
 */
export function needsRenewal(
  current: { fingerprint: string; expiresAtMs: number } | undefined,
  fingerprint: string,
  nowMs: number,
  renewBeforeMs: number,
): boolean {
  if (!current || current.fingerprint !== fingerprint) return true;
  return current.expiresAtMs - nowMs <= renewBeforeMs;
}

/** What a token is for: when this changes (room, identity, name, session), the token is re-minted at once. */
export function claimsFingerprint(c: RoomTokenClaims): string {
  return JSON.stringify([c.grant.room, c.identity, c.name, c.attributes[SESSION_ATTRIBUTE]]);
}
