// The subscriber's WebRTC statistics of the browser's video (rtc-node Room.getRtcStats → inbound-rtp + its codec),
// reduced to the figures the benches print: bytes and frames for bitrate and fps, decode, jitter-buffer and
// processing delays for the latency budget, codec and decoder for the codec comparison.
import type { Room } from '@livekit/rtc-node';
import { log } from './common.ts';

export interface InboundVideo {
  mimeType: string;
  decoder: string;
  bytesReceived: number;
  packetsReceived: number;
  packetsLost: number;
  framesReceived: number;
  framesDecoded: number;
  framesDropped: number;
  keyFramesDecoded: number;
  freezeCount: number;
  nackCount: number;
  pliCount: number;
  /** seconds, sums over the frames (webrtc-stats) */
  totalDecodeTime: number;
  totalAssemblyTime: number;
  framesAssembledFromMultiplePackets: number;
  jitterBufferDelay: number;
  jitterBufferEmittedCount: number;
  totalProcessingDelay: number;
}

/** The inbound video stream with the most bytes (the browser's track), or undefined before it exists. */
export async function inboundVideo(room: Room): Promise<InboundVideo | undefined> {
  let s: Awaited<ReturnType<Room['getRtcStats']>>;
  try {
    s = await room.getRtcStats();
  } catch (e) {
    log.warn({ err: (e as Error).message }, 'getRtcStats failed');
    return undefined;
  }
  // Both lists: rtc-node 1.1.0 reports the subscriber connection's inbound-rtp under publisherStats.
  const all = [...s.subscriberStats, ...s.publisherStats];
  const codecs = new Map<string, string>();
  for (const st of all)
    if (st.stats.case === 'codec') codecs.set(st.stats.value.rtc?.id ?? '', st.stats.value.codec?.mimeType ?? '');
  let best: InboundVideo | undefined;
  for (const st of all) {
    if (st.stats.case !== 'inboundRtp') continue;
    const v = st.stats.value;
    if (v.stream?.kind !== 'video') continue;
    const i = v.inbound;
    const r = v.received;
    const got: InboundVideo = {
      mimeType: codecs.get(v.stream?.codecId ?? '') ?? '',
      decoder: i?.decoderImplementation ?? '',
      bytesReceived: Number(i?.bytesReceived ?? 0),
      packetsReceived: Number(r?.packetsReceived ?? 0),
      packetsLost: Number(r?.packetsLost ?? 0),
      framesReceived: Number(i?.framesReceived ?? 0),
      framesDecoded: i?.framesDecoded ?? 0,
      framesDropped: i?.framesDropped ?? 0,
      keyFramesDecoded: i?.keyFramesDecoded ?? 0,
      freezeCount: i?.freezeCount ?? 0,
      nackCount: i?.nackCount ?? 0,
      pliCount: i?.pliCount ?? 0,
      totalDecodeTime: i?.totalDecodeTime ?? 0,
      totalAssemblyTime: i?.totalAssemblyTime ?? 0,
      framesAssembledFromMultiplePackets: Number(i?.framesAssembledFromMultiplePackets ?? 0),
      jitterBufferDelay: i?.jitterBufferDelay ?? 0,
      jitterBufferEmittedCount: Number(i?.jitterBufferEmittedCount ?? 0),
      totalProcessingDelay: i?.totalProcessingDelay ?? 0,
    };
    if (!best || got.bytesReceived > best.bytesReceived) best = got;
  }
  return best;
}

/** Per-window figures from two snapshots: kbit/s, fps, and the mean per-frame delays in ms. */
export function inboundWindow(
  a: InboundVideo,
  b: InboundVideo,
  seconds: number,
): {
  kbps: number;
  decodedFps: number;
  decodeMs: number;
  jitterBufferMs: number;
  processingMs: number;
  assemblyMs: number;
  framesDropped: number;
  packetsLost: number;
  nacks: number;
  plis: number;
  freezes: number;
} {
  const frames = b.framesDecoded - a.framesDecoded;
  const emitted = b.jitterBufferEmittedCount - a.jitterBufferEmittedCount;
  const multi = b.framesAssembledFromMultiplePackets - a.framesAssembledFromMultiplePackets;
  const per = (x: number, n: number) => (n > 0 ? (x * 1000) / n : Number.NaN);
  return {
    kbps: ((b.bytesReceived - a.bytesReceived) * 8) / 1000 / seconds,
    decodedFps: frames / seconds,
    decodeMs: per(b.totalDecodeTime - a.totalDecodeTime, frames),
    jitterBufferMs: per(b.jitterBufferDelay - a.jitterBufferDelay, emitted),
    processingMs: per(b.totalProcessingDelay - a.totalProcessingDelay, frames),
    assemblyMs: per(b.totalAssemblyTime - a.totalAssemblyTime, multi),
    framesDropped: b.framesDropped - a.framesDropped,
    packetsLost: b.packetsLost - a.packetsLost,
    nacks: b.nackCount - a.nackCount,
    plis: b.pliCount - a.pliCount,
    freezes: b.freezeCount - a.freezeCount,
  };
}
