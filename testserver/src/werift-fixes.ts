// Targeted, per-instance fix for werift 0.24.4's transceiver recycling on an answering PC.
//
// The bug: `TransceiverManager.addTransceiver` (node_modules/werift/lib/webrtc/src/transceiverManager.js
// lines 91-102; lib/index.mjs ~18151, the build Node loads) "reuses" the FIRST transceiver whose
// currentDirection is 'inactive' and that never sent: the new transceiver replaces it in the list and
// inherits its mid and m-line index -- of any kind. `setRemoteDescription` (webrtc/src/peerConnection.js
// lines 844-858) calls `addTransceiver` for every remote audio/video m-line whose mid matches no
// transceiver, then overwrites the mid with the remote one. So when a later publisher offer adds an
// m-line while an earlier one was answered inactive (rtc-node's six leftover recvonly m-lines, mids
// 7-12, see design/livekit-test-server.md §2; or an unpublished track), the transceiver of mid 7 is
// silently replaced by the one for the new mid, and `createAnswer` -> `SDPManager.buildAnswerSdp`
// (webrtc/src/sdpManager.js line 286) throws `Transceiver with mid=7 not found`: no answer, no media.
// Recycling an m-line is the offerer's business (JSEP), never the answerer's, so on the answering
// publisher leg recycling is switched off: every remote m-line keeps its own transceiver, by mid.
// The subscriber leg (werift offers) needs no fix: werift only recycles transceivers that never sent,
// and every subscriber transceiver is created to send (removeTrack marks it `usedForSender`).
import type { Logger } from 'pino';
import type { RTCPeerConnection, RTCRtpTransceiver } from 'werift';

/** The werift internals the fix touches (private in werift's typings). */
interface TransceiverInternals {
  mid?: string | null;
  currentDirection: string | null;
  usedForSender: boolean;
}

interface TransceiverManagerInternals {
  transceivers: TransceiverInternals[];
  addTransceiver(trackOrKind: unknown, dtlsTransport: unknown, options?: unknown): RTCRtpTransceiver;
}

/** The recycling condition in werift 0.24.4's addTransceiver, whitespace removed. */
const RECYCLE_CONDITION = 't.currentDirection==="inactive"&&!t.usedForSender';

function transceiverManager(pc: RTCPeerConnection): TransceiverManagerInternals | undefined {
  const tm = (pc as unknown as { transceiverManager?: Partial<TransceiverManagerInternals> }).transceiverManager;
  if (!tm || !Array.isArray(tm.transceivers) || typeof tm.addTransceiver !== 'function') return undefined;
  return tm as TransceiverManagerInternals;
}

/** True when the installed werift has the recycling code this fix is written against. */
export function weriftRecyclesInactiveTransceivers(pc: RTCPeerConnection): boolean {
  const tm = transceiverManager(pc);
  return !!tm && tm.addTransceiver.toString().replace(/\s+/g, '').includes(RECYCLE_CONDITION);
}

/**
 * Stop the answering `pc` (publisher leg) from recycling transceivers: every addTransceiver call —
 * werift's own, for a new remote m-line — then appends a transceiver instead of replacing one. Works by
 * marking the recyclable transceivers `usedForSender` (werift's own "do not recycle" flag) for the
 * duration of each call and restoring them afterwards. Returns false (and changes nothing) when the
 * installed werift no longer has that recycling code: the fix is written against werift 0.24.4.
 */
export function pinTransceiverMids(pc: RTCPeerConnection, log: Logger): boolean {
  const tm = transceiverManager(pc);
  if (!tm || !weriftRecyclesInactiveTransceivers(pc)) {
    log.warn('werift transceiver recycling not found (werift changed?): transceiver mid fix not applied');
    return false;
  }
  const original = tm.addTransceiver;
  tm.addTransceiver = function addTransceiverKeepingMids(trackOrKind, dtlsTransport, options) {
    const shielded = tm.transceivers.filter((t) => t.currentDirection === 'inactive' && !t.usedForSender);
    for (const t of shielded) t.usedForSender = true;
    try {
      return original.call(tm, trackOrKind, dtlsTransport, options);
    } finally {
      for (const t of shielded) t.usedForSender = false;
    }
  };
  return true;
}

/** The audio/video mids of a remote description that have no transceiver on `pc` (should be none). */
export function unmatchedMids(pc: RTCPeerConnection, sections: ReadonlyArray<{ mid: string; kind: string }>): string[] {
  const trs = pc.getTransceivers();
  return sections
    .filter((s) => (s.kind === 'audio' || s.kind === 'video') && s.mid !== '')
    .filter((s) => !trs.some((t) => t.mid === s.mid && t.kind === s.kind))
    .map((s) => s.mid);
}
