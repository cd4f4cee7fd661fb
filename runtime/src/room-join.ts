// Joining the room and publishing browser-video, the start-up step both a cold start and a claimed standby runtime
// take: it needs only the session's settings, not the page, so main.ts runs it while the engine starts (cold) or
// while the page is resized and navigated (claimed). The session adopts the track (RoomSession videoTrack).
import type { Room } from '@livekit/rtc-node';
import { RPC } from '@lkbrowser/protocol';
import { EarlyRpcHold } from './early-rpc.ts';
import type { PreparedVideo } from './prepared-media.ts';
import type { StartupTimeline } from './startup-timeline.ts';
import type { VideoCodecName } from './video-codec.ts';
import { type PreparedVideoTrack, publishVideoTrack } from './video-publisher.ts';

export interface RoomJoin {
  /** Resolves once the room connection is up. */
  connected: Promise<void>;
  /** Resolves with the published browser-video track (after `connected`). */
  video: Promise<PreparedVideoTrack>;
  /** Holds the room's RPCs from the connect until the session registers its handlers (early-rpc.ts). */
  earlyRpc: EarlyRpcHold;
}

/** How long a call made before the session is up waits for it (the engine's start takes ~1-3 s). */
const EARLY_RPC_WAIT_MS = 20_000;

export function joinRoom(
  room: Room,
  o: {
    url: string;
    token: string;
    width: number;
    height: number;
    framerate: number;
    videoCodec: VideoCodecName;
    timeline: StartupTimeline;
    /** A standby runtime's browser-video source and track, made before the claim (prepared-media.ts). */
    prepared?: PreparedVideo;
  },
): RoomJoin {
  o.timeline.mark('room_connect_started');
  const earlyRpc = new EarlyRpcHold(EARLY_RPC_WAIT_MS);
  const connected = room.connect(o.url, o.token, { autoSubscribe: false, dynacast: false }).then(() => {
    o.timeline.mark('room_connected');
    // Before browser-video is published: clients adopt the browser on that track and call it at once.
    earlyRpc.register(room, Object.values(RPC));
  });
  const video = connected.then(async () => {
    const t = await publishVideoTrack(
      room,
      { width: o.width, height: o.height, fps: o.framerate, codec: o.videoCodec },
      o.prepared,
    );
    o.timeline.mark('track_published');
    return t;
  });
  // Awaited later (after the engine is up): until then a failure must not count as an unhandled rejection; whoever
  // awaits the promises gets it.
  connected.catch(() => undefined);
  video.catch(() => undefined);
  return { connected, video, earlyRpc };
}
