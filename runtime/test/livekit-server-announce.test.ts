// The race only the real LiveKit server has: it announces a participant that publishes nothing (every viewer) to the
// others in a batch every 3 s, while that participant's RPCs and data packets flow at once. rtc-node delivers a data
// packet from a participant it has not been told about with no participant and an empty identity, so the runtime
// cannot attribute it. Each test here joins a fresh viewer and acts before the runtime's room has announced it (a
// viewer found already announced is replaced by a fresh one: the precondition is checked, not assumed), which makes
// the race certain rather than 1 in 3. Always the real server (testserver announces at once), whatever LKB_TEST_SFU.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { dispose, type RemoteParticipant, type Room, RoomEvent } from '@livekit/rtc-node';
import { type LiveKitServer, startLiveKitServer, waitFor, withTimeout } from '@lkbrowser/testkit';
import { RPC, TOPIC } from '@lkbrowser/protocol';
import { RuntimeMetrics } from '../src/metrics.ts';
import { RoomSession } from '../src/session.ts';
import { FakePage } from './fake-engine.ts';
import { enc, join, testLogger } from './helpers.ts';

const ROOM = 'announce-race';
let server: LiveKitServer;
let browserRoom: Room;
let page: FakePage;
let session: RoomSession;
let metrics: RuntimeMetrics;
const viewers: Room[] = [];
/** What the runtime's room said about each browser-input packet as it arrived. */
const arrivals: Array<{ participant: string | undefined; announced: string[] }> = [];
let nextViewer = 0;

before(async () => {
  server = await startLiveKitServer();
  browserRoom = await join(server, ROOM, 'browser', { autoSubscribe: false });
  browserRoom.on(
    RoomEvent.DataReceived,
    (_p: Uint8Array, participant?: RemoteParticipant, _k?: unknown, topic?: string) => {
      if (topic === TOPIC.input)
        arrivals.push({ participant: participant?.identity, announced: [...browserRoom.remoteParticipants.keys()] });
    },
  );
  page = new FakePage({
    url: 'https://start.example/',
    width: 640,
    height: 360,
    framerate: 10,
    audio: false,
    color: [255, 0, 0],
    altColor: [0, 0, 255],
  });
  metrics = new RuntimeMetrics();
  session = new RoomSession({
    room: browserRoom,
    page,
    framerate: 10,
    audio: false,
    nav: { allowPrivate: false, allowedOrigins: [] },
    focusIdleMs: 0,
    focusPriorityIdentities: [],
    metrics,
    logger: testLogger,
  });
  await withTimeout('session start', session.start(), 30_000);
});

after(async () => {
  await session?.close();
  await page?.close();
  for (const v of viewers) await v.disconnect();
  await browserRoom?.disconnect();
  await server?.close();
  await dispose();
});

/** A viewer that has joined, published nothing, and is not yet announced to the runtime's room. */
async function unannouncedViewer(): Promise<{ room: Room; identity: string }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const identity = `viewer-${++nextViewer}`;
    const room = await join(server, ROOM, identity, { autoSubscribe: false });
    viewers.push(room);
    if (!browserRoom.remoteParticipants.has(identity)) return { room, identity };
  }
  throw new Error('every viewer was announced before it could act: the server no longer batches announcements');
}

const sendInput = (room: Room, events: unknown) =>
  (room.localParticipant as NonNullable<Room['localParticipant']>).publishData(enc(events), {
    reliable: true,
    topic: TOPIC.input,
  });

const requestFocus = (room: Room) =>
  withTimeout(
    'request-focus',
    (room.localParticipant as NonNullable<Room['localParticipant']>).performRpc({
      destinationIdentity: 'browser',
      method: RPC.requestFocus,
      payload: '',
      responseTimeout: 15_000,
    }),
    20_000,
  );

const packets = (result: string) => metrics.value('lkb_input_packets_total', { result });

test('input from a viewer the room has not announced arrives without a sender and is refused as unknown_sender', async () => {
  for (let attempt = 0; attempt < 5; attempt++) {
    const { room, identity } = await unannouncedViewer();
    const n = arrivals.length;
    const before = await packets('unknown_sender');
    await sendInput(room, [{ type: 'mousemove', x: 10, y: 10 }]);
    const arrival = await waitFor('the packet reaches the runtime', () => arrivals[n], 20_000, 10);
    if (arrival.announced.includes(identity)) continue; // the batch went out in between: try a fresh viewer
    assert.equal(arrival.participant, undefined, 'rtc-node names no sender the server has not announced');
    assert.equal(await packets('unknown_sender'), before + 1);
    assert.equal(page.calls.filter((c) => c.method.startsWith('mouse')).length, 0);
    return;
  }
  assert.fail('no packet arrived before its sender was announced in 5 attempts');
});

test('request-focus from an unannounced viewer is granted once it is announced; its first click lands', async () => {
  const { room, identity } = await unannouncedViewer();
  assert.deepEqual(JSON.parse(await requestFocus(room)), { granted: true });
  assert.ok(browserRoom.remoteParticipants.has(identity), 'granted only after the runtime knows the caller');
  const accepted = await packets('accepted');
  const mice = page.calls.filter((c) => c.method.startsWith('mouse')).length;
  await sendInput(room, [
    { type: 'mousemove', x: 320, y: 180 },
    { type: 'mousedown', x: 320, y: 180, button: 0, clickCount: 1 },
    { type: 'mouseup', x: 320, y: 180, button: 0, clickCount: 1 },
  ]);
  await waitFor('the click is accepted', async () => (await packets('accepted')) === accepted + 1, 20_000, 20);
  await session.flushInput();
  assert.deepEqual(
    page.calls
      .filter((c) => c.method.startsWith('mouse'))
      .slice(mice)
      .map((c) => c.method),
    ['mouseMove', 'mouseDown', 'mouseUp'],
  );
  assert.equal(session.focusHolder, identity);
});
