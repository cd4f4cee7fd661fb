// Join token for the runtime's participant: either the one given, or a short-lived one minted from an API key.
import { AccessToken, type VideoGrant } from 'livekit-server-sdk';
import { BROWSER_ROLE, BROWSER_ROLE_ATTRIBUTE } from '@lkbrowser/protocol';
import type { RuntimeConfig } from './config.ts';

/** Token lifetime: only the initial connect checks it; LiveKit refreshes tokens of live sessions itself. */
export const MINTED_TOKEN_TTL_SECONDS = 600;

// livekit/protocol TrackSource values SCREEN_SHARE = 3, SCREEN_SHARE_AUDIO = 4. The enum type lives in
// @livekit/protocol (not a direct dependency), so the numbers are cast to the grant's element type.
type GrantSources = NonNullable<VideoGrant['canPublishSources']>;
const SCREEN_SOURCES = [3, 4] as unknown as GrantSources;

/**
 * Grants of a minted token (least privilege):
 * - roomJoin for exactly one room; publish only screen-share video + screen-share audio;
 * - canPublishData: the runtime sends browser-focus/browser-url/cursor_changed and RPC responses (data packets);
 * - canSubscribe: false — the runtime never consumes media. Receiving data packets (browser-input, RPC requests)
 *   needs no grant: the server forwards data to every participant; with canSubscribe false the server makes the
 *   publisher transport primary and sends downstream data there (rtc-node accepts data on either transport).
 */
export function runtimeGrant(room: string): VideoGrant {
  return {
    roomJoin: true,
    room,
    canPublish: true,
    canPublishSources: SCREEN_SOURCES,
    canPublishData: true,
    canSubscribe: false,
    canUpdateOwnMetadata: false,
  };
}

export async function resolveToken(cfg: RuntimeConfig): Promise<string> {
  if (cfg.token) return cfg.token;
  if (!cfg.apiKey || !cfg.apiSecret) throw new Error('no token and no API key/secret');
  const at = new AccessToken(cfg.apiKey, cfg.apiSecret, {
    identity: cfg.identity,
    name: cfg.name,
    ttl: MINTED_TOKEN_TTL_SECONDS,
    // Viewers and clients adopt only a participant whose token carries the role (protocol/src/browser-pin.ts).
    attributes: { [BROWSER_ROLE_ATTRIBUTE]: BROWSER_ROLE },
  });
  at.addGrant(runtimeGrant(cfg.room));
  return at.toJwt();
}
