// RTP forwarding of one published track to any number of subscriber senders.
//
// - Simulcast: every rid layer of the publisher transceiver is offered here; the best one seen
//   (f > h > q) is forwarded. A switch to a better layer happens on a VP8 key frame of that layer
//   (a PLI asks for one), and sequence numbers / timestamps stay continuous across the switch.
// - Each subscriber gets its own copy of each packet (werift's sendRtp mutates the packet) with the
//   publisher's header extensions stripped (their ids mean nothing on the subscriber leg).
// - Key frames: a subscriber's PLI is relayed to the publisher (throttled). A new subscriber is
//   "waiting for a key frame" until one has been sent to it on a connected transport; while any
//   subscriber waits, a PLI goes to the publisher every 500 ms (late joiners get video at once).
import type { Logger } from 'pino';
import type { TrackInfo } from '@livekit/protocol';
import { type MediaStreamTrack, type RTCRtpReceiver, type RTCRtpSender, RtpPacket } from 'werift';

const PLI_MIN_INTERVAL_MS = 250;
const KEYFRAME_RETRY_MS = 500;

interface Sink {
  sender: RTCRtpSender;
  waitingForKeyframe: boolean;
  unsubscribePli: () => void;
}

interface Layer {
  rid: string | undefined;
  ssrc: number;
}

export function layerRank(rid: string | undefined): number {
  switch (rid) {
    case 'f':
      return 3;
    case 'h':
      return 2;
    case 'q':
      return 1;
    default:
      return 0;
  }
}

/** True when the RTP payload starts a VP8 key frame (RFC 7741 payload descriptor + VP8 header). */
export function isVp8KeyframeStart(payload: Buffer): boolean {
  if (payload.length < 2) return false;
  const b0 = payload[0] ?? 0;
  const start = (b0 & 0x10) !== 0 && (b0 & 0x07) === 0;
  if (!start) return false;
  let i = 1;
  if (b0 & 0x80) {
    const x = payload[i++] ?? 0;
    if (x & 0x80) i += (payload[i] ?? 0) & 0x80 ? 2 : 1; // PictureID, 7 or 15 bits
    if (x & 0x40) i += 1; // TL0PICIDX
    if (x & 0x30) i += 1; // TID / KEYIDX
  }
  const header = payload[i];
  return header !== undefined && (header & 0x01) === 0;
}

export class TrackForwarder {
  readonly info: TrackInfo;
  readonly kind: 'audio' | 'video';
  readonly mid: string;
  private readonly receiver: RTCRtpReceiver;
  private readonly log: Logger;
  private readonly sinks = new Set<Sink>();
  private readonly unsubscribes: Array<() => void> = [];
  private current: Layer | undefined;
  private lastPli = 0;
  private lastSwitchPli = 0;
  private keyframeTimer: NodeJS.Timeout | undefined;
  // output continuity across layer switches
  private seqOffset = 0;
  private tsOffset = 0;
  private lastOutSeq: number | undefined;
  private lastOutTs: number | undefined;
  private closed = false;
  packetsIn = 0;

  constructor(info: TrackInfo, kind: 'audio' | 'video', mid: string, receiver: RTCRtpReceiver, log: Logger) {
    this.info = info;
    this.kind = kind;
    this.mid = mid;
    this.receiver = receiver;
    this.log = log.child({ track: info.sid, kind, mid });
  }

  /** A publisher-side werift track (one per simulcast rid) belonging to this publication. */
  addLayer(track: MediaStreamTrack): void {
    const rid = track.rid;
    const { unSubscribe } = track.onReceiveRtp.subscribe((rtp) => this.onRtp(rid, rtp));
    this.unsubscribes.push(unSubscribe);
  }

  private onRtp(rid: string | undefined, rtp: RtpPacket): void {
    if (this.closed) return;
    this.packetsIn++;
    const ssrc = rtp.header.ssrc;
    const cur = this.current;
    if (cur === undefined) {
      this.switchTo({ rid, ssrc }, rtp);
      this.log.info({ rid: rid ?? null, ssrc }, 'forwarding first layer');
      this.requestKeyframe('first packet');
    } else if (cur.rid !== rid) {
      if (layerRank(rid) <= layerRank(cur.rid)) return;
      if (this.kind === 'video' && !isVp8KeyframeStart(rtp.payload)) {
        const now = Date.now();
        if (now - this.lastSwitchPli >= PLI_MIN_INTERVAL_MS) {
          this.lastSwitchPli = now;
          this.sendPli(ssrc, 'layer switch');
        }
        return;
      }
      this.log.info({ from: cur.rid ?? null, to: rid ?? null }, 'switching simulcast layer');
      this.switchTo({ rid, ssrc }, rtp);
    } else if (cur.ssrc !== ssrc) {
      // same rid, new SSRC (publisher restarted the encoding): treat as a switch
      this.switchTo({ rid, ssrc }, rtp);
    }
    this.forward(rtp);
  }

  private switchTo(layer: Layer, first: RtpPacket): void {
    this.current = layer;
    if (this.lastOutSeq !== undefined && this.lastOutTs !== undefined) {
      this.seqOffset = (this.lastOutSeq + 1 - first.header.sequenceNumber) & 0xffff;
      const step = this.kind === 'video' ? 3000 : 960;
      this.tsOffset = (this.lastOutTs + step - first.header.timestamp) >>> 0;
    }
  }

  private forward(rtp: RtpPacket): void {
    const seq = (rtp.header.sequenceNumber + this.seqOffset) & 0xffff;
    const ts = (rtp.header.timestamp + this.tsOffset) >>> 0;
    this.lastOutSeq = seq;
    this.lastOutTs = ts;
    const keyframe = this.kind === 'video' && isVp8KeyframeStart(rtp.payload);
    const raw = rtp.serialize();
    for (const sink of this.sinks) {
      if (sink.sender.stopped) continue;
      const copy = RtpPacket.deSerialize(raw);
      copy.header.sequenceNumber = seq;
      copy.header.timestamp = ts;
      copy.header.extensions = [];
      if (keyframe && sink.waitingForKeyframe && sink.sender.transport?.state === 'connected') {
        sink.waitingForKeyframe = false;
      }
      sink.sender.sendRtp(copy).catch((err: unknown) => this.log.debug({ err }, 'sendRtp failed'));
    }
  }

  /** Start sending this track on a subscriber's sender. Returns the detach function. */
  attach(sender: RTCRtpSender): () => void {
    const sink: Sink = {
      sender,
      waitingForKeyframe: this.kind === 'video',
      unsubscribePli: () => undefined,
    };
    sink.unsubscribePli = sender.onPictureLossIndication.subscribe(() =>
      this.requestKeyframe('subscriber PLI'),
    ).unSubscribe;
    this.sinks.add(sink);
    if (this.kind === 'video') {
      this.requestKeyframe('new subscriber');
      this.ensureKeyframeTimer();
    }
    return () => {
      sink.unsubscribePli();
      this.sinks.delete(sink);
    };
  }

  get subscriberCount(): number {
    return this.sinks.size;
  }

  private ensureKeyframeTimer(): void {
    if (this.keyframeTimer) return;
    this.keyframeTimer = setInterval(() => {
      const waiting = [...this.sinks].some((s) => s.waitingForKeyframe);
      if (!waiting || this.closed) {
        clearInterval(this.keyframeTimer);
        this.keyframeTimer = undefined;
        return;
      }
      this.requestKeyframe('subscriber waiting for key frame', true);
    }, KEYFRAME_RETRY_MS);
  }

  requestKeyframe(reason: string, force = false): void {
    if (this.kind !== 'video' || this.current === undefined) return;
    const now = Date.now();
    if (!force && now - this.lastPli < PLI_MIN_INTERVAL_MS) return;
    this.lastPli = now;
    this.sendPli(this.current.ssrc, reason);
  }

  private sendPli(ssrc: number, reason: string): void {
    if (this.closed) return;
    this.log.debug({ ssrc, reason }, 'PLI to publisher');
    this.receiver.sendRtcpPLI(ssrc).catch((err: unknown) => this.log.debug({ err }, 'PLI send failed'));
  }

  close(): void {
    this.closed = true;
    if (this.keyframeTimer) clearInterval(this.keyframeTimer);
    this.keyframeTimer = undefined;
    for (const u of this.unsubscribes) u();
    for (const s of this.sinks) s.unsubscribePli();
    this.sinks.clear();
  }
}
