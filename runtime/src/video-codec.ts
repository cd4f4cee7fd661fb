// The video codecs a session may publish with (BrowserSession spec.videoCodec → LKB_VIDEO_CODEC → --video-codec).
// Only codecs rtc-node encodes in software here and livekit-server forwards (bench/codecs.ts measures each; H.265
// has no software encoder in rtc-node's libwebrtc build and is not offered).
export const VIDEO_CODECS = ['vp8', 'vp9', 'av1', 'h264'] as const;
export type VideoCodecName = (typeof VIDEO_CODECS)[number];

/** The default, chosen by bench/codecs.ts (CPU, bitrate and PSNR on the static, scroll and animation pages). */
export const DEFAULT_VIDEO_CODEC: VideoCodecName = 'vp8';

export function parseVideoCodec(v: string): VideoCodecName | undefined {
  const s = v.trim().toLowerCase();
  return VIDEO_CODECS.find((c) => c === s);
}
