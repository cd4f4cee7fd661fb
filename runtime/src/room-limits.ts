// LiveKit's size limits applied to what the runtime sends (pure). The real server negotiates a 64000-byte SCTP
// message size and LiveKit documents 15 KiB of user data per reliable packet and per RPC v1 payload: a larger packet
// fails in the SDK ("exceeds the negotiated maximum message size") and nobody gets it. So URLs are cut to a size
// that always fits, and anything still too large is refused here with a clear reason instead of failing in the SDK.
import { ROOM_LIMITS, type UrlPayload } from '@lkbrowser/protocol';

const encoder = new TextEncoder();

/** The URL as reported to the room: at most ROOM_LIMITS.maxReportedUrlBytes of UTF-8, flagged when cut. */
export function reportedUrl(url: string): UrlPayload {
  const max = ROOM_LIMITS.maxReportedUrlBytes;
  let bytes = encoder.encode(url).length;
  if (bytes <= max) return { url };
  let cut = url.slice(0, max);
  // Browsers report ASCII URLs (punycode, percent-encoding); other text needs up to 3 bytes per UTF-16 unit.
  while ((bytes = encoder.encode(cut).length) > max) cut = cut.slice(0, cut.length - Math.ceil((bytes - max) / 3));
  // Do not cut a surrogate pair in half (the JSON would carry a lone surrogate).
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return { url: cut, truncated: true };
}

export type SizeCheck = { ok: true; bytes: number } | { ok: false; bytes: number; reason: string };

/** Whether `bytes` of a data packet on `topic` fit LiveKit's reliable packet limit. */
export function checkDataPayload(topic: string, bytes: number): SizeCheck {
  const max = ROOM_LIMITS.maxDataPayloadBytes;
  return bytes <= max
    ? { ok: true, bytes }
    : { ok: false, bytes, reason: `${topic} packet is ${bytes} bytes, over LiveKit's ${max}-byte data packet limit` };
}

/** Whether an RPC reply fits LiveKit's RPC payload limit. */
export function checkRpcReply(method: string, reply: string): SizeCheck {
  const bytes = encoder.encode(reply).length;
  const max = ROOM_LIMITS.maxRpcPayloadBytes;
  return bytes <= max
    ? { ok: true, bytes }
    : { ok: false, bytes, reason: `${method} reply is ${bytes} bytes, over LiveKit's ${max}-byte RPC payload limit` };
}
