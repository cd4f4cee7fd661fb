// werift RTCPeerConnection configuration shared by the publisher and subscriber legs.
// VP8 + Opus only (subscriber legs must carry exactly the published codec: werift sends with codecs[0]'s PT).
// ICE: werift skips loopback interfaces by default, so the advertised address is added explicitly and
// only pairs whose local side is that address are used; other local candidates are never signalled.
// Clients (libwebrtc ignores loopback interfaces) reach it from the host's own non-loopback address,
// which the kernel delivers locally.
import {
  type PeerConfig,
  RTCRtpCodecParameters,
  useAbsSendTime,
  useRepairedRtpStreamId,
  useSdesMid,
  useSdesRTPStreamId,
} from 'werift';

export function peerConfig(advertisedAddress: string): Partial<PeerConfig> {
  return {
    codecs: {
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
      video: [
        new RTCRtpCodecParameters({
          mimeType: 'video/VP8',
          clockRate: 90000,
          rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'goog-remb' }],
        }),
      ],
    },
    headerExtensions: {
      // rid/repaired-rid are needed to demux simulcast layers on the publisher leg
      video: [useSdesMid(), useAbsSendTime(), useSdesRTPStreamId(), useRepairedRtpStreamId()],
      audio: [useSdesMid()],
    },
    // one transport from the first offer on: with werift's default (max-compat) the first server offer
    // gathers one ICE transport per m-line, and the ones dropped by BUNDLE are never closed (leaked sockets)
    bundlePolicy: 'max-bundle',
    iceUseIpv6: false,
    // bind every ICE socket to the advertised address (werift binds 0.0.0.0 otherwise)
    iceInterfaceAddresses: { udp4: advertisedAddress },
    iceAdditionalHostAddresses: [advertisedAddress],
    iceFilterCandidatePair: (pair) => pair.protocol?.localCandidate?.host === advertisedAddress,
  };
}
