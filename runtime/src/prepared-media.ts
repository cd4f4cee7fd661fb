// The room media objects a standby runtime (warm pool) makes before its claim: browser-video's VideoSource and
// LocalVideoTrack, and browser-audio's. They need no room and no credentials, and making them starts what rtc-node
// otherwise starts on the claim's critical path: the FFI runtime, libwebrtc's peer connection factory and its
// threads. Measured with the real livekit-server (bench/warm-pool.ts): the claimed runtime's room connect is
// ~100-200 ms shorter on this loaded 2-core machine. The claim then publishes these objects (room-join.ts,
// audio-publisher.ts) if they fit the session (same size); otherwise it makes new ones as a cold start does.
import { AudioSource, LocalAudioTrack, LocalVideoTrack, VideoSource } from '@livekit/rtc-node';
import { AUDIO_TRACK, VIDEO_TRACK } from '@lkbrowser/protocol';

/** browser-audio's format (the engine's 10 ms frames of 48 kHz stereo, 200 ms queue). */
export const AUDIO_FORMAT = { sampleRate: 48000, channels: 2, queueMs: 200 } as const;

export interface PreparedVideo {
  source: VideoSource;
  track: LocalVideoTrack;
  width: number;
  height: number;
}

export interface PreparedAudio {
  source: AudioSource;
  track: LocalAudioTrack;
}

export function prepareVideo(width: number, height: number): PreparedVideo {
  const source = new VideoSource(width, height);
  return { source, track: LocalVideoTrack.createVideoTrack(VIDEO_TRACK, source), width, height };
}

export function prepareAudio(): PreparedAudio {
  const source = new AudioSource(AUDIO_FORMAT.sampleRate, AUDIO_FORMAT.channels, AUDIO_FORMAT.queueMs);
  return { source, track: LocalAudioTrack.createAudioTrack(AUDIO_TRACK, source) };
}

/** Whether the standby's video source fits the claimed session (its resolution is the track's announced size). */
export function videoFits(
  prepared: { width: number; height: number },
  want: { width: number; height: number },
): boolean {
  return prepared.width === want.width && prepared.height === want.height;
}

export interface PreparedMedia {
  video?: PreparedVideo;
  audio?: PreparedAudio;
}

/**
 * What of the standby's media the claimed session uses (pure): the video if its size fits, the audio if the session
 * has audio. The rest is `unused` (the caller closes it).
 */
export function fitPrepared<V extends { width: number; height: number }, A>(
  prepared: { video?: V; audio?: A },
  session: { width: number; height: number; audio: boolean },
): { video?: V; audio?: A; unused: Array<V | A> } {
  const video = prepared.video && videoFits(prepared.video, session) ? prepared.video : undefined;
  const audio = session.audio ? prepared.audio : undefined;
  const unused: Array<V | A> = [];
  if (prepared.video && !video) unused.push(prepared.video);
  if (prepared.audio && !audio) unused.push(prepared.audio);
  return { video, audio, unused };
}
