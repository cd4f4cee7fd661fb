// @lkbrowser/runtime: one engine page as a LiveKit participant (library entry; the CLI is main.ts).
export { parseConfig, type RuntimeConfig, USAGE } from './config.ts';
export { FocusArbiter } from './focus.ts';
export { applyCall, InputMapper } from './input-map.ts';
export { parseInputPacket } from './input-validation.ts';
export { ParticipantAnnouncements } from './participant-announcements.ts';
export { RuntimeMetrics } from './metrics.ts';
export { checkNavigation } from './nav-policy.ts';
export { RoomSession, type SessionOptions } from './session.ts';
export { DEFAULT_VIDEO_CODEC, parseVideoCodec, VIDEO_CODECS, type VideoCodecName } from './video-codec.ts';
export { hostHeaderAllowed, redactUrl, startStatusServer } from './http-server.ts';
export { AddressPolicy } from './egress/address-policy.ts';
export { EgressProxy, type TestTarget } from './egress/egress-proxy.ts';
export { TokenFile } from './token-file.ts';
export { resolveToken, runtimeGrant } from './token.ts';
export { CLAIM_ENV_KEYS, claimSecretDigest, parseClaimBody } from './standby-claim.ts';
export { StandbyGate } from './standby.ts';
export { AutomationServer } from './automation/cdp-proxy.ts';
