// Two rooms on one server are isolated: no participants, tracks or data cross between them,
// and the same identity may be used in both.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { dispose, type RemoteParticipant } from '@livekit/rtc-node';
import { startTestServer, type TestServer } from '../src/index.ts';
import {
  connect,
  nextTrack,
  type Publisher,
  publishSynthetic,
  readFrames,
  type Room,
  RoomEvent,
  TrackKind,
} from './support.ts';
import { withTimeout } from '@lkbrowser/testkit';

let server: TestServer;
const all: Room[] = [];
let pub: Publisher | undefined;

before(async () => {
  server = await startTestServer();
});

after(async () => {
  pub?.stop();
  for (const r of all) await r.disconnect();
  await server?.close();
  await dispose();
});

test('two rooms are isolated', { timeout: 120_000 }, async () => {
  const a1 = await connect(server, 'a1', 'room-a');
  const a2 = await connect(server, 'a2', 'room-a');
  const b1 = await connect(server, 'b1', 'room-b');
  const bSame = await connect(server, 'a1', 'room-b'); // same identity, other room: no conflict
  all.push(a1, a2, b1, bSame);

  const seenByB: string[] = [];
  const dataAtB: string[] = [];
  for (const r of [b1, bSame]) {
    r.on(RoomEvent.ParticipantConnected, (p: RemoteParticipant) => seenByB.push(p.identity));
    r.on(RoomEvent.TrackSubscribed, () => seenByB.push('track'));
    r.on(RoomEvent.DataReceived, (payload: Uint8Array) => dataAtB.push(new TextDecoder().decode(payload)));
  }
  const dataAtA2: string[] = [];
  a2.on(RoomEvent.DataReceived, (payload: Uint8Array) => dataAtA2.push(new TextDecoder().decode(payload)));

  const videoAtA2 = nextTrack(a2, TrackKind.KIND_VIDEO, 'a1');
  pub = await publishSynthetic(a1, { width: 160, height: 120 });
  const track = await withTimeout('a2 gets a1 video', videoAtA2, 30_000);
  await withTimeout('a2 decodes a1 video', readFrames(track, 5), 30_000);
  await a1.localParticipant!.publishData(new TextEncoder().encode('room-a-only'), { reliable: true, topic: 't' });
  const t0 = Date.now();
  while (dataAtA2.length === 0 && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(dataAtA2, ['room-a-only']);
  await new Promise((r) => setTimeout(r, 1000));

  assert.deepEqual([...a1.remoteParticipants.keys()], ['a2']);
  assert.deepEqual([...b1.remoteParticipants.keys()], ['a1']); // the room-b a1
  assert.equal(b1.remoteParticipants.get('a1')?.trackPublications.size, 0);
  assert.deepEqual(seenByB, []); // no participant, track or data event from room-a
  assert.deepEqual(dataAtB, []);
  const rooms = server.rooms().sort((x, y) => x.name.localeCompare(y.name));
  assert.deepEqual(rooms, [
    { name: 'room-a', participants: ['a1', 'a2'] },
    { name: 'room-b', participants: ['b1', 'a1'] },
  ]);
});

test('close() disconnects every participant and releases the port', { timeout: 60_000 }, async () => {
  const disconnected = all.map((r) => new Promise<void>((resolve) => r.once(RoomEvent.Disconnected, () => resolve())));
  await server.close();
  await withTimeout('all rooms see Disconnected', Promise.all(disconnected), 30_000);
  assert.deepEqual(server.rooms(), []);
  await assert.rejects(fetch(`${server.httpUrl}/`));
});
