// Two (three) rtc-node participants through the test SFU: video pixels, audio tone, data with
// topic/identity/destinations on reliable and lossy, RPC both ways incl. an error, unpublish, leave.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { dispose, RpcError, type RemoteParticipant, type RemoteTrackPublication } from '@livekit/rtc-node';
import { startTestServer, type TestServer } from '../src/index.ts';
import {
  colourClose,
  connect,
  nextTrack,
  type Publisher,
  pixel,
  publishSynthetic,
  QUADRANTS,
  quadrantCentres,
  readAudio,
  readFrames,
  type Room,
  RoomEvent,
  TrackKind,
} from './support.ts';
import { withTimeout } from '@lkbrowser/testkit';

let server: TestServer;
let alice: Room;
let bob: Room;
let carol: Room;
let pub: Publisher | undefined;

before(async () => {
  server = await startTestServer();
  bob = await connect(server, 'bob', 'media');
  carol = await connect(server, 'carol', 'media');
  alice = await connect(server, 'alice', 'media');
});

after(async () => {
  pub?.stop();
  for (const r of [alice, bob, carol]) await r?.disconnect();
  await server?.close();
  await dispose();
});

test('participants see each other and the server lists them', () => {
  assert.deepEqual([...bob.remoteParticipants.values()].map((p) => p.identity).sort(), ['alice', 'carol']);
  assert.deepEqual(server.rooms(), [{ name: 'media', participants: ['bob', 'carol', 'alice'] }]);
});

test('video pixels and a 440 Hz tone arrive at the subscriber', { timeout: 90_000 }, async () => {
  const videoP = nextTrack(bob, TrackKind.KIND_VIDEO, 'alice');
  const audioP = nextTrack(bob, TrackKind.KIND_AUDIO, 'alice');
  pub = await publishSynthetic(alice, { width: 320, height: 240, audio: true });
  const video = await withTimeout('video subscribed', videoP, 30_000);
  const frame = await withTimeout('video frames', readFrames(video, 15), 45_000);
  assert.equal(frame.width, 320);
  assert.equal(frame.height, 240);
  quadrantCentres(320, 240).forEach(([x, y], i) => {
    const px = pixel(frame, x, y);
    const want = QUADRANTS[i] ?? [0, 0, 0];
    assert.ok(colourClose(px, want), `quadrant ${i} at ${x},${y}: got ${px.join(',')} want ${want.join(',')}`);
  });
  const audio = await withTimeout('audio subscribed', audioP, 30_000);
  const { peak, hz } = await withTimeout('audio frames', readAudio(audio, 150), 30_000);
  assert.ok(peak > 3000, `audio peak ${peak}`);
  assert.ok(Math.abs(hz - 440) < 40, `audio frequency ~${hz.toFixed(0)} Hz`);
});

interface Got {
  text: string;
  from: string | undefined;
  topic: string | undefined;
}

function collectData(room: Room): Got[] {
  const got: Got[] = [];
  room.on(RoomEvent.DataReceived, (payload: Uint8Array, p?: RemoteParticipant, _kind?: unknown, topic?: string) => {
    got.push({ text: new TextDecoder().decode(payload), from: p?.identity, topic });
  });
  return got;
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timeout: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('data both ways with topic, sender identity and destinations (reliable and lossy)', {
  timeout: 60_000,
}, async () => {
  const atAlice = collectData(alice);
  const atBob = collectData(bob);
  const atCarol = collectData(carol);
  const enc = (s: string) => new TextEncoder().encode(s);
  await alice.localParticipant!.publishData(enc('to-all'), { reliable: true, topic: 'chat' });
  await alice.localParticipant!.publishData(enc('to-bob'), {
    reliable: true,
    topic: 'direct',
    destination_identities: ['bob'],
  });
  await bob.localParticipant!.publishData(enc('bob-to-alice'), {
    reliable: true,
    topic: 'reply',
    destination_identities: ['alice'],
  });
  await until(() => atBob.length >= 2 && atCarol.length >= 1 && atAlice.length >= 1, 30_000, 'reliable data');
  assert.deepEqual(
    atBob.map((g) => [g.text, g.from, g.topic]),
    [
      ['to-all', 'alice', 'chat'],
      ['to-bob', 'alice', 'direct'],
    ],
  );
  assert.deepEqual(atAlice, [{ text: 'bob-to-alice', from: 'bob', topic: 'reply' }]);
  // lossy: a few sends (it may drop, but not on loopback in practice)
  for (let i = 0; i < 5; i++) {
    await carol.localParticipant!.publishData(enc(`lossy-${i}`), {
      reliable: false,
      topic: 'cursor',
      destination_identities: ['alice'],
    });
  }
  await until(() => atAlice.some((g) => g.topic === 'cursor'), 30_000, 'lossy data');
  const lossy = atAlice.filter((g) => g.topic === 'cursor');
  assert.ok(lossy.every((g) => g.from === 'carol' && g.text.startsWith('lossy-')));
  // destinations honoured: carol got only the broadcast, bob nothing from carol
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(
    atCarol.map((g) => g.text),
    ['to-all'],
  );
  assert.ok(!atBob.some((g) => g.from === 'carol'));
});

test('RPC both ways, including an error', { timeout: 60_000 }, async () => {
  bob.localParticipant!.registerRpcMethod('echo', async (d) =>
    JSON.stringify({ caller: d.callerIdentity, payload: d.payload }),
  );
  alice.localParticipant!.registerRpcMethod('fail', async () => {
    throw new RpcError(4001, 'nope', 'details');
  });
  const res = await withTimeout(
    'rpc alice->bob',
    alice.localParticipant!.performRpc({ destinationIdentity: 'bob', method: 'echo', payload: 'hi' }),
    30_000,
  );
  assert.deepEqual(JSON.parse(res), { caller: 'alice', payload: 'hi' });
  await assert.rejects(
    withTimeout(
      'rpc bob->alice',
      bob.localParticipant!.performRpc({ destinationIdentity: 'alice', method: 'fail', payload: '' }),
      30_000,
    ),
    (err: unknown) => err instanceof RpcError && err.code === 4001 && err.message === 'nope',
  );
  await assert.rejects(
    withTimeout(
      'rpc missing',
      bob.localParticipant!.performRpc({ destinationIdentity: 'alice', method: 'missing', payload: '' }),
      30_000,
    ),
    (err: unknown) => err instanceof RpcError && err.code === RpcError.ErrorCode.UNSUPPORTED_METHOD,
  );
});

test('unpublish reaches the subscriber', { timeout: 60_000 }, async () => {
  assert.ok(pub?.audio);
  const audioSid = [...alice.localParticipant!.trackPublications.values()].find(
    (p) => p.kind === TrackKind.KIND_AUDIO,
  )?.sid;
  assert.ok(audioSid);
  const unpublished = new Promise<string>((resolve) =>
    bob.on(RoomEvent.TrackUnpublished, (p: RemoteTrackPublication) => resolve(p.sid ?? '')),
  );
  await alice.localParticipant!.unpublishTrack(audioSid);
  assert.equal(await withTimeout('TrackUnpublished at bob', unpublished, 30_000), audioSid);
  const remoteAlice = bob.remoteParticipants.get('alice');
  assert.ok(remoteAlice);
  assert.equal(remoteAlice.trackPublications.size, 1);
});

test('name and attribute updates reach the others', { timeout: 30_000 }, async () => {
  const named = new Promise<string>((resolve) =>
    bob.once(RoomEvent.ParticipantNameChanged, (name: string) => resolve(name)),
  );
  const attrs = new Promise<Record<string, string>>((resolve) =>
    bob.once(RoomEvent.ParticipantAttributesChanged, (changed: Record<string, string>) => resolve(changed)),
  );
  await withTimeout('updateName', alice.localParticipant!.updateName('Alice A.'), 15_000);
  await withTimeout('setAttributes', alice.localParticipant!.setAttributes({ role: 'presenter' }), 15_000);
  assert.equal(await withTimeout('ParticipantNameChanged', named, 15_000), 'Alice A.');
  assert.deepEqual(await withTimeout('ParticipantAttributesChanged', attrs, 15_000), { role: 'presenter' });
  assert.equal(bob.remoteParticipants.get('alice')?.attributes.role, 'presenter');
});

test('leave is seen as ParticipantDisconnected', { timeout: 30_000 }, async () => {
  const gone = new Promise<string>((resolve) =>
    bob.on(RoomEvent.ParticipantDisconnected, (p: RemoteParticipant) => resolve(p.identity)),
  );
  await carol.disconnect();
  assert.equal(await withTimeout('ParticipantDisconnected', gone, 20_000), 'carol');
  await until(() => server.rooms()[0]?.participants.length === 2, 5_000, 'server room size');
});
