// Unit tests of the pure parts: SDP fix-ups, VP8 key frame detection, data routing, client_protocol.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataPacket, ParticipantInfo, RpcRequest, UserPacket } from '@livekit/protocol';
import { pino } from 'pino';
import { type DataEndpoint, type DataLabel, routeDataPacket } from '../src/data-router.ts';
import { isVp8KeyframeStart, layerRank } from '../src/forwarder.ts';
import { newSid } from '../src/ids.ts';
import { acceptRemoteCandidate, filterRemoteSdp, fixLocalSdp, parseMediaSections } from '../src/sdp.ts';

const SDP = [
  'v=0',
  'o=- 1 1 IN IP4 0.0.0.0',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1 2',
  'm=audio 0 UDP/TLS/RTP/SAVPF 111',
  'a=mid:0',
  'a=inactive',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'a=mid:1',
  'a=sendonly',
  'a=msid:stream-1 TR_cid123',
  'a=candidate:1 1 udp 2130706431 192.0.2.2 50000 typ host',
  'a=candidate:2 1 udp 2130706431 127.0.0.1 50001 typ host',
  'a=candidate:3 1 udp 2130706431 abcd.local 50002 typ host',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'a=mid:2',
  '',
].join('\r\n');

test('fixLocalSdp keeps inactive m-lines bundled (port 9) and only the advertised candidate', () => {
  const out = fixLocalSdp(SDP, '127.0.0.1');
  assert.match(out, /^m=audio 9 /m);
  assert.doesNotMatch(out, /192\.0\.2\.2|abcd\.local/);
  assert.match(out, /127\.0\.0\.1 50001/);
});

test('remote candidates: mDNS, IPv6 and TCP are skipped', () => {
  assert.equal(acceptRemoteCandidate('candidate:1 1 udp 2130706431 192.0.2.2 50000 typ host'), true);
  assert.equal(acceptRemoteCandidate('candidate:1 1 udp 2130706431 1f3e.local 50000 typ host'), false);
  assert.equal(acceptRemoteCandidate('candidate:1 1 udp 2122265343 fd00::2 35976 typ host'), false);
  assert.equal(acceptRemoteCandidate('candidate:1 1 tcp 1518280447 192.0.2.2 9 typ host tcptype active'), false);
  const filtered = filterRemoteSdp(SDP);
  assert.doesNotMatch(filtered, /\.local/);
  assert.match(filtered, /192\.0\.2\.2/);
});

test('parseMediaSections reads mid, direction and msid track id', () => {
  assert.deepEqual(parseMediaSections(SDP), [
    { mid: '0', kind: 'audio', direction: 'inactive', trackId: undefined, port: 0 },
    { mid: '1', kind: 'video', direction: 'sendonly', trackId: 'TR_cid123', port: 9 },
    { mid: '2', kind: 'application', direction: 'sendrecv', trackId: undefined, port: 9 },
  ]);
});

test('VP8 key frame detection and simulcast layer ranking', () => {
  // X=1 S=1 PID=0 | I=1 | M=1 15-bit picture id | VP8 header P=0 (key frame)
  assert.equal(isVp8KeyframeStart(Buffer.from([0x90, 0x80, 0x81, 0x23, 0x10, 0x02, 0x00])), true);
  // same, P=1 (delta frame)
  assert.equal(isVp8KeyframeStart(Buffer.from([0x90, 0x80, 0x81, 0x23, 0x11, 0x02, 0x00])), false);
  // not the start of a partition
  assert.equal(isVp8KeyframeStart(Buffer.from([0x80, 0x80, 0x05, 0x10])), false);
  // no extension byte, S=1, key frame
  assert.equal(isVp8KeyframeStart(Buffer.from([0x10, 0x50])), true);
  assert.ok(
    layerRank('f') > layerRank('h') && layerRank('h') > layerRank('q') && layerRank('q') > layerRank(undefined),
  );
});

test('ids carry the prefixes the SDKs require', () => {
  assert.match(newSid('PA_'), /^PA_[0-9a-f]{12}$/);
  assert.match(newSid('TR_'), /^TR_/);
  assert.match(newSid('RM_'), /^RM_/);
});

class Endpoint implements DataEndpoint {
  readonly identity: string;
  readonly sid: string;
  got: Array<{ label: DataLabel; pkt: DataPacket }> = [];
  constructor(identity: string) {
    this.identity = identity;
    this.sid = newSid('PA_');
  }
  sendData(label: DataLabel, bytes: Uint8Array): void {
    this.got.push({ label, pkt: DataPacket.fromBinary(bytes) });
  }
}

test('data routing stamps the sender, honours destinations and keeps the channel', () => {
  const log = pino({ level: 'silent' });
  const [a, b, c] = [new Endpoint('a'), new Endpoint('b'), new Endpoint('c')];
  const spoofed = new DataPacket({
    participantIdentity: 'spoofed',
    value: { case: 'user', value: new UserPacket({ payload: new Uint8Array([1]), topic: 't' }) },
  });
  assert.deepEqual(routeDataPacket(a, '_lossy', spoofed.toBinary(), [a, b, c], log), { kind: 'user', delivered: 2 });
  for (const e of [b, c]) {
    const g = e.got[0];
    assert.equal(g?.label, '_lossy');
    assert.equal(g?.pkt.participantIdentity, 'a');
    assert.equal(g?.pkt.participantSid, a.sid);
    assert.equal(g?.pkt.value.case === 'user' && g.pkt.value.value.topic, 't');
  }
  assert.equal(a.got.length, 0);
  const rpc = new DataPacket({
    destinationIdentities: ['c'],
    value: { case: 'rpcRequest', value: new RpcRequest({ id: 'x', method: 'm', payload: 'p' }) },
  });
  assert.deepEqual(routeDataPacket(b, '_reliable', rpc.toBinary(), [a, b, c], log), {
    kind: 'rpcRequest',
    delivered: 1,
  });
  assert.equal(c.got[1]?.pkt.participantIdentity, 'b');
  assert.equal(c.got[1]?.label, '_reliable');
  assert.equal(a.got.length, 0);
  assert.equal(routeDataPacket(a, '_data_track', rpc.toBinary(), [b], log), undefined);
  assert.equal(routeDataPacket(a, '_reliable', new Uint8Array([0xff, 0xff]), [b], log), undefined);
});

test('client_protocol is ParticipantInfo field 20 on the wire (what the SDKs read)', () => {
  const bytes = new ParticipantInfo({ identity: 'x', clientProtocol: 2 }).toBinary();
  // tag (20 << 3 | 0) = 0xa0 0x01, value 2
  assert.deepEqual([...bytes.slice(-3)], [0xa0, 0x01, 0x02]);
  assert.equal(ParticipantInfo.fromBinary(bytes).clientProtocol, 2);
});
