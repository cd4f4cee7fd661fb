// SDP fix-ups between werift 0.24.4 and libwebrtc (rtc-node, Chromium), and the candidate policy.
//
// 1. werift gives inactive m-lines port 0 but leaves them in the BUNDLE group; libwebrtc rejects such
//    an answer (the publisher PC never connects). They are rewritten to port 9, i.e. bundled + inactive.
// 2. Only the advertised host address (loopback by default) is offered as a candidate.

/** Rewrite werift's local SDP before it is sent to a client. */
export function fixLocalSdp(sdp: string, advertisedAddress: string): string {
  return sdp
    .split('\r\n')
    .filter((line) => !line.startsWith('a=candidate:') || candidateAddress(line.slice(2)) === advertisedAddress)
    .map((line) => line.replace(/^m=(audio|video) 0 /, 'm=$1 9 '))
    .join('\r\n');
}

/** The connection address of an ICE candidate line (`candidate:... <addr> <port> typ ...`). */
export function candidateAddress(candidate: string): string | undefined {
  // candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> ...
  const parts = candidate.replace(/^a=/, '').split(' ');
  return parts[4];
}

/**
 * Remote candidates the server accepts. mDNS (`*.local`) host candidates, as Chromium sends them, are
 * dropped: werift would try to resolve them by multicast, which does not work here and would block the
 * signal queue. Those browsers are reached through the peer-reflexive candidate their connectivity
 * checks create instead. TCP candidates are dropped too (werift only listens on UDP here).
 */
export function acceptRemoteCandidate(candidate: string): boolean {
  const addr = candidateAddress(candidate);
  if (addr === undefined || addr.endsWith('.local')) return false;
  if (/ tcp /i.test(candidate)) return false;
  return !addr.includes(':'); // IPv4 only: the server does not gather IPv6
}

/** Drop the remote SDP's candidates that `acceptRemoteCandidate` refuses (e.g. mDNS, see there). */
export function filterRemoteSdp(sdp: string): string {
  return sdp
    .split('\r\n')
    .filter((line) => !line.startsWith('a=candidate:') || acceptRemoteCandidate(line.slice(2)))
    .join('\r\n');
}

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface MediaSection {
  mid: string;
  kind: string;
  direction: MediaDirection;
  /** msid track id (`a=msid:<stream> <track>`), the client's AddTrack `cid` */
  trackId: string | undefined;
  port: number;
}

/** Minimal parse of the m-sections of an SDP: mid, kind, direction, msid track id. */
export function parseMediaSections(sdp: string): MediaSection[] {
  const out: MediaSection[] = [];
  let cur: MediaSection | undefined;
  for (const line of sdp.split(/\r?\n/)) {
    const m = /^m=(\w+) (\d+) /.exec(line);
    if (m) {
      cur = { mid: '', kind: m[1] ?? '', direction: 'sendrecv', trackId: undefined, port: Number(m[2]) };
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    if (line.startsWith('a=mid:')) cur.mid = line.slice(6).trim();
    else if (/^a=(sendrecv|sendonly|recvonly|inactive)$/.test(line.trim()))
      cur.direction = line.trim().slice(2) as MediaDirection;
    else if (line.startsWith('a=msid:')) cur.trackId = line.slice(7).trim().split(' ')[1];
  }
  return out;
}
