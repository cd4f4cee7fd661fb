// LiveKit object ids. The SDKs check the prefixes (`PA_`, `TR_`, `RM_`) and panic on others
// (rust-sdks livekit/src/room/id.rs), so every id the server hands out goes through here.
import { randomBytes } from 'node:crypto';

export type SidPrefix = 'PA_' | 'TR_' | 'RM_';

export function newSid(prefix: SidPrefix): string {
  return prefix + randomBytes(6).toString('hex');
}
