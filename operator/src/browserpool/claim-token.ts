// The per-session join token a claim carries: the same runtime token a cold session's Secret holds
// (livekit/room-token.ts: one room, one identity, the runtime's grants only), handed over in the claim instead of
// a mounted Secret, so a pool pod never holds the API key or secret.
import { type ApiCredentials, mintRoomToken, runtimeTokenClaims } from '../livekit/room-token.ts';

export interface TokenRequest {
  room: string;
  identity: string;
  name: string;
  /** `namespace/name` of the claiming BrowserSession (a participant attribute). */
  session: string;
}

export type TokenMinter = (req: TokenRequest) => Promise<string>;

export function roomTokenMinter(credentials: () => ApiCredentials, ttlSeconds: number): TokenMinter {
  return async (req) => (await mintRoomToken(credentials(), runtimeTokenClaims({ ...req, ttlSeconds }))).token;
}
