// werift-only check of the publisher-leg transceiver fix (src/werift-fixes.ts): an answering werift PC
// whose earlier m-lines were answered inactive must keep them when a later offer adds an m-line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { RTCPeerConnection } from 'werift';
import { peerConfig } from '../src/pc-config.ts';
import { parseMediaSections } from '../src/sdp.ts';
import { pinTransceiverMids, unmatchedMids, weriftRecyclesInactiveTransceivers } from '../src/werift-fixes.ts';

const log = pino({ level: 'silent' });

/** Offer recvonly audio+video (like rtc-node's leftovers), answer, then offer one more sendonly m-line. */
async function renegotiate(
  fixAnswerer: boolean,
): Promise<{ answerMids: string[]; offerMids: string[]; lost: string[] }> {
  const offerer = new RTCPeerConnection(peerConfig('127.0.0.1'));
  const answerer = new RTCPeerConnection(peerConfig('127.0.0.1'));
  // the offerer must append the new m-line (a libwebrtc client does); werift would recycle one otherwise
  assert.ok(pinTransceiverMids(offerer, log));
  if (fixAnswerer) assert.ok(pinTransceiverMids(answerer, log));
  try {
    offerer.addTransceiver('audio', { direction: 'recvonly' });
    offerer.addTransceiver('video', { direction: 'recvonly' });
    offerer.createDataChannel('_reliable');
    for (let round = 0; round < 2; round++) {
      if (round === 1) offerer.addTransceiver('audio', { direction: 'sendonly' });
      await offerer.setLocalDescription(await offerer.createOffer());
      const offerSdp = offerer.localDescription?.sdp ?? '';
      await answerer.setRemoteDescription({ type: 'offer', sdp: offerSdp });
      const lost = unmatchedMids(answerer, parseMediaSections(offerSdp));
      const answer = await answerer.createAnswer().catch((err: unknown) => {
        if (lost.length > 0) return undefined; // expected consequence of the lost mid
        throw err;
      });
      if (!answer) return { answerMids: [], offerMids: parseMediaSections(offerSdp).map((s) => s.mid), lost };
      await answerer.setLocalDescription(answer);
      await offerer.setRemoteDescription({ type: 'answer', sdp: answerer.localDescription?.sdp ?? '' });
      if (round === 1) {
        return {
          answerMids: parseMediaSections(answerer.localDescription?.sdp ?? '').map((s) => s.mid),
          offerMids: parseMediaSections(offerSdp).map((s) => s.mid),
          lost,
        };
      }
    }
    throw new Error('unreachable');
  } finally {
    await offerer.close();
    await answerer.close();
  }
}

test('the installed werift has the recycling code the fix targets', () => {
  const pc = new RTCPeerConnection(peerConfig('127.0.0.1'));
  try {
    assert.ok(weriftRecyclesInactiveTransceivers(pc), 'werift changed: re-check src/werift-fixes.ts');
  } finally {
    void pc.close();
  }
});

test('unfixed werift loses the first inactive mid when an offer adds an m-line', { timeout: 30_000 }, async () => {
  const r = await renegotiate(false);
  assert.deepEqual(r.lost, [r.offerMids[0]]);
});

test('with the fix every offered mid is answered, in order', { timeout: 30_000 }, async () => {
  const r = await renegotiate(true);
  assert.deepEqual(r.lost, []);
  assert.equal(r.offerMids.length, 4);
  assert.deepEqual(r.answerMids, r.offerMids);
});
