// RoomSession against the real test SFU (werift) and real rtc-node participants, with the fake engine
// page (solid colour, damage-driven BGRA paints). The real-engine variant is session-engine.test.ts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { dispose, type Room, RoomEvent, RpcError, TrackKind, TrackSource } from '@livekit/rtc-node';
import { RuntimeMetrics } from '../src/metrics.ts';
import { ROOM_LIMITS, RPC, RpcCode, TOPIC } from '@lkbrowser/protocol';
import { RoomSession } from '../src/session.ts';
import { SUBSCRIBED_TAIL_MS } from '../src/video-publisher.ts';
import { FakePage } from './fake-engine.ts';
import {
  DataLog,
  enc,
  join,
  near,
  type RoomServer,
  startRoomServer,
  testLogger,
  VideoWatcher,
  waitTrack,
} from './helpers.ts';
import { waitFor, withTimeout } from '@lkbrowser/testkit';

const ROOM = 'fake-room';
const W = 640;
const H = 360;

let server: RoomServer;
let browserRoom: Room;
let alice: Room;
let bob: Room;
let page: FakePage;
let session: RoomSession;
let metrics: RuntimeMetrics;
let aliceData: DataLog;
let bobData: DataLog;
let video: VideoWatcher;
const resolved: Record<string, string[]> = { 'public.example': ['93.184.216.34'], 'sneaky.example': ['10.1.2.3'] };

const rpc = (room: Room, method: string, payload: unknown = '') =>
  withTimeout(
    method,
    (room.localParticipant as NonNullable<Room['localParticipant']>).performRpc({
      destinationIdentity: 'browser',
      method,
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      responseTimeout: 15_000,
    }),
    20_000,
  );

async function rpcError(room: Room, method: string, payload: unknown = ''): Promise<RpcError> {
  try {
    await rpc(room, method, payload);
  } catch (e) {
    if (e instanceof RpcError) return e;
    throw e;
  }
  assert.fail(`${method} should have failed`);
}

const sendInput = (room: Room, events: unknown) =>
  (room.localParticipant as NonNullable<Room['localParticipant']>).publishData(enc(events), {
    reliable: true,
    topic: TOPIC.input,
  });

before(async () => {
  server = await startRoomServer();
  browserRoom = await join(server, ROOM, 'browser', { autoSubscribe: false });
  page = new FakePage({
    url: 'https://start.example/',
    width: W,
    height: H,
    framerate: 10,
    audio: true,
    color: [255, 0, 0],
    altColor: [0, 0, 255],
  });
  metrics = new RuntimeMetrics();
  session = new RoomSession({
    room: browserRoom,
    page,
    framerate: 10,
    audio: true,
    nav: { allowPrivate: false, allowedOrigins: [] },
    focusIdleMs: 0,
    focusPriorityIdentities: [],
    metrics,
    logger: testLogger,
    refreshIntervalMs: 1000,
    resolveHost: async (h) => resolved[h] ?? [],
  });
  await withTimeout('session start', session.start(), 30_000);
  alice = await join(server, ROOM, 'alice');
  aliceData = new DataLog(alice);
  bob = await join(server, ROOM, 'bob');
  bobData = new DataLog(bob);
});

after(async () => {
  const steps: Array<[string, () => Promise<unknown> | undefined]> = [
    ['video', () => video?.stop()],
    ['session', () => session?.close()],
    ['page', () => page?.close()],
    ['alice', () => alice?.disconnect()],
    ['bob', () => bob?.disconnect()],
    ['browser', () => browserRoom?.disconnect()],
    ['server', () => server?.close()],
    ['dispose', () => dispose()],
  ];
  for (const [name, step] of steps) {
    try {
      await withTimeout(`cleanup ${name}`, Promise.resolve(step()), 15_000);
      if (process.env.LKB_TEST_DEBUG) console.error(`cleanup ${name} done`, process.getActiveResourcesInfo().join(','));
    } catch (e) {
      console.error(`cleanup ${name} failed:`, e);
    }
  }
});

test('publishes browser-video (screen share) whose pixels match the page, and browser-audio', async () => {
  const { track, publication } = await withTimeout(
    'video track',
    waitTrack(alice, TrackKind.KIND_VIDEO, 'browser'),
    20_000,
  );
  assert.equal(publication.name, 'browser-video');
  assert.equal(publication.source, TrackSource.SOURCE_SCREENSHARE);
  video = new VideoWatcher(track);
  await waitFor('red frames', () => video.latest !== undefined && near(video.latest.center, [255, 0, 0]), 20_000);
  assert.equal(video.latest?.width, W);
  assert.equal(video.latest?.height, H);
  const audio = await withTimeout('audio track', waitTrack(alice, TrackKind.KIND_AUDIO, 'browser'), 20_000);
  assert.equal(audio.publication.name, 'browser-audio');
  assert.equal(audio.publication.source, TrackSource.SOURCE_SCREENSHARE_AUDIO);
  await waitFor(
    'audio frames published',
    async () => (await metrics.value('lkb_audio_frames_total', { result: 'published' })) > 20,
    10_000,
  );
  assert.equal(page.heldSlots() <= 1, true, 'the runtime holds at most one paint slot');
});

test('a static page is refreshed at a low rate, not re-encoded every frame', async () => {
  // The steady state: after the re-sends that follow the viewer's subscription (video-publisher.ts).
  await new Promise((r) => setTimeout(r, SUBSCRIBED_TAIL_MS));
  const before = await metrics.value('lkb_frames_published_total');
  const refreshedBefore = await metrics.value('lkb_frames_refreshed_total');
  await new Promise((r) => setTimeout(r, 3000));
  const published = (await metrics.value('lkb_frames_published_total')) - before;
  const refreshed = (await metrics.value('lkb_frames_refreshed_total')) - refreshedBefore;
  assert.ok(refreshed >= 1, `refresh frames were sent (${refreshed})`);
  assert.ok(published <= 6, `static page: ${published} frames in 3 s (fps cap 10 would give 30)`);
});

test('late joiners get the current url, focus and cursor', async () => {
  await waitFor('browser-url for alice', () => aliceData.last(TOPIC.url) !== undefined, 10_000);
  assert.deepEqual(aliceData.last(TOPIC.url), { url: 'https://start.example/' });
  await waitFor(
    'focus+cursor',
    () => aliceData.last(TOPIC.focus) !== undefined && aliceData.last(TOPIC.cursor) !== undefined,
    10_000,
  );
  assert.equal(aliceData.focus(), null);
  assert.deepEqual(aliceData.last(TOPIC.cursor), { cursor: 'default' });
});

test('status RPC needs no focus', async () => {
  const s = JSON.parse(await rpc(bob, RPC.status));
  assert.deepEqual(s, {
    url: 'https://start.example/',
    focusHolder: null,
    width: W,
    height: H,
    fps: 10,
    publishing: true,
    restarts: 0,
  });
});

test("a page URL over LiveKit's packet limit reaches the room cut and flagged (browser-url, status)", async () => {
  const long = `https://start.example/?${'q'.repeat(100_000)}`;
  const cut = long.slice(0, ROOM_LIMITS.maxReportedUrlBytes); // ASCII: one byte a character
  const failedBefore = await metrics.value('lkb_data_packets_dropped_total', { reason: 'send_failed' });
  page.pageNavigates(long); // e.g. history.pushState: the page's own doing, not browser/navigate
  await waitFor(
    'truncated browser-url',
    () => (bobData.last(TOPIC.url) as { truncated?: boolean } | undefined)?.truncated === true,
    10_000,
  );
  assert.deepEqual(bobData.last(TOPIC.url), { url: cut, truncated: true });
  const s = JSON.parse(await rpc(bob, RPC.status)) as Record<string, unknown>;
  assert.equal(s.url, cut);
  assert.equal(s.urlTruncated, true);
  assert.equal(
    await metrics.value('lkb_data_packets_dropped_total', { reason: 'send_failed' }),
    failedBefore,
    'no packet failed in the SDK',
  );
  page.pageNavigates('https://start.example/');
  await waitFor(
    'url back',
    () => JSON.stringify(bobData.last(TOPIC.url)) === '{"url":"https://start.example/"}',
    10_000,
  );
});

test('focus: grant, deny with holder, broadcast to everyone', async () => {
  assert.deepEqual(JSON.parse(await rpc(alice, RPC.requestFocus, '')), { granted: true });
  assert.deepEqual(JSON.parse(await rpc(bob, RPC.requestFocus, '{}')), { granted: false, holder: 'alice' });
  await waitFor('bob sees alice focus', () => bobData.focus() === 'alice', 10_000);
  assert.equal(session.focusHolder, 'alice');
  assert.deepEqual(JSON.parse(await rpc(bob, RPC.releaseFocus)), { released: false });
  assert.equal(
    page.calls.some((c) => c.method === 'setFocus' && c.args[0] === true),
    true,
  );
});

test('input from a non-holder is ignored and counted', async () => {
  const calls = page.calls.length;
  const before = await metrics.value('lkb_input_packets_total', { result: 'not_focused' });
  await sendInput(bob, [
    { type: 'mousedown', x: 10, y: 10 },
    { type: 'mouseup', x: 10, y: 10 },
  ]);
  await waitFor(
    'counted',
    async () => (await metrics.value('lkb_input_packets_total', { result: 'not_focused' })) === before + 1,
    10_000,
  );
  assert.equal(page.calls.slice(calls).filter((c) => c.method.startsWith('mouse')).length, 0);
  assert.ok(near(page.color, [255, 0, 0], 0));
});

test('a click from the holder changes the page (seen in received frames); events are mapped', async () => {
  const callsBefore = page.calls.filter((c) => c.method !== 'setFocus').length;
  await sendInput(alice, [
    { type: 'mousemove', x: 100, y: 50 },
    { type: 'mousedown', x: 100, y: 50, button: 0, clickCount: 1 },
    { type: 'mousemove', x: 110, y: 55 },
    { type: 'mouseup', x: 110, y: 55, button: 0 },
    { type: 'wheel', x: 5, y: 5, deltaY: 120 },
    { type: 'keydown', keyCode: 65, modifiers: 2 },
    { type: 'char', keyCode: 65, charCode: 65, modifiers: 2 },
    { type: 'keyup', keyCode: 65, modifiers: 2 },
  ]);
  await waitFor(
    'blue frames after the click',
    () => video.latest !== undefined && near(video.latest.center, [0, 0, 255]),
    15_000,
  );
  await session.flushInput();
  const got = page.calls.filter((c) => c.method !== 'setFocus').slice(callsBefore);
  // The wheel notch is animated (wheel-smoothing.ts): its first step in its place, the rest after, summing to it.
  const firstWheel = got.findIndex((c) => c.method === 'wheel');
  assert.deepEqual(
    got.slice(0, firstWheel + 4).map((c) => c.method),
    ['mouseMove', 'mouseDown', 'mouseMove', 'mouseUp', 'wheel', 'key', 'key', 'key'],
  );
  assert.deepEqual(got[2]?.args, [110, 55, { buttons: 1, modifiers: 0 }], 'drag move carries the held left button');
  const wheels = got.filter((c) => c.method === 'wheel').map((c) => c.args);
  assert.ok(wheels.length > 1, `one notch in steps (got ${wheels.length})`);
  for (const w of wheels) assert.deepEqual([w[0], w[1], w[2], w[4]], [5, 5, 0, { modifiers: 0 }]);
  const total = wheels.reduce((sum, w) => sum + (w[3] as number), 0);
  assert.equal(total, -120, 'seed wheel up → DOM negative deltaY, the whole notch');
  assert.deepEqual(got[firstWheel + 2]?.args, [
    { type: 'char', windowsVirtualKeyCode: 65, modifiers: 8, text: 'A', key: 'A' },
  ]);
});

test('navigation: non-holder refused (2001), blocked URL (2002), bad request (2003), allowed URL ok', async () => {
  assert.equal((await rpcError(bob, RPC.navigate, { url: 'https://public.example/' })).code, RpcCode.NotFocused);
  assert.equal((await rpcError(bob, RPC.goBack)).code, RpcCode.NotFocused);
  assert.equal((await rpcError(bob, RPC.reload)).code, RpcCode.NotFocused);
  assert.equal((await rpcError(bob, RPC.resize, { width: 800, height: 600 })).code, RpcCode.NotFocused);
  for (const url of [
    'file:///etc/passwd',
    'chrome://settings',
    'javascript:alert(1)',
    'http://169.254.169.254/',
    'http://localhost:8080/',
    'https://sneaky.example/',
  ]) {
    const e = await rpcError(alice, RPC.navigate, { url });
    assert.equal(e.code, RpcCode.UrlBlocked, url);
  }
  assert.equal((await rpcError(alice, RPC.navigate, 'not json')).code, RpcCode.BadRequest);
  assert.equal((await rpcError(alice, RPC.navigate, { href: 'x' })).code, RpcCode.BadRequest);
  assert.equal(page.calls.filter((c) => c.method === 'navigate').length, 0, 'nothing blocked reached the engine');

  assert.deepEqual(JSON.parse(await rpc(alice, RPC.navigate, { url: 'https://public.example/' })), { status: 'ok' });
  await waitFor(
    'browser-url broadcast',
    () => JSON.stringify(bobData.last(TOPIC.url)) === '{"url":"https://public.example/"}',
    10_000,
  );
  assert.deepEqual(JSON.parse(await rpc(alice, RPC.goBack)), { status: 'ok', navigated: true });
  await waitFor('back', () => JSON.stringify(bobData.last(TOPIC.url)) === '{"url":"https://start.example/"}', 10_000);
  assert.deepEqual(JSON.parse(await rpc(alice, RPC.goForward)), { status: 'ok', navigated: true });
  assert.deepEqual(JSON.parse(await rpc(alice, RPC.reload)), { status: 'ok' });
});

test('thousands of malformed packets do not crash the session and are counted', async () => {
  const sent = 3000;
  const before = await metrics.registry.getSingleMetricAsString('lkb_input_packets_total');
  const total = async () => {
    const m = metrics.registry.getSingleMetric('lkb_input_packets_total');
    const v = await m?.get();
    return (v?.values ?? []).reduce((a, x) => a + x.value, 0);
  };
  const start = await total();
  const lp = alice.localParticipant as NonNullable<Room['localParticipant']>;
  const junk = [
    new TextEncoder().encode('{"type":'),
    new Uint8Array([0xff, 0xfe, 0x00]),
    enc({ type: 'mousemove', x: 1, y: 1 }),
    enc([{ type: 'mousemove', x: 1e9, y: -5 }]),
    enc(Array.from({ length: 65 }, () => ({ type: 'mouseleave' }))),
    enc([{ type: 'text', text: 'x'.repeat(17_000) }]),
    enc([{ type: 'keydown', keyCode: 999 }]),
    enc([null, 1, 'a', { type: 'nope' }]),
  ];
  for (let i = 0; i < sent; i += 20) {
    await Promise.all(
      Array.from({ length: 20 }, (_, k) =>
        lp.publishData(junk[(i + k) % junk.length] as Uint8Array, { reliable: true, topic: TOPIC.input }),
      ),
    );
  }
  await waitFor(`all ${sent} packets counted`, async () => (await total()) - start >= sent, 60_000, 200);
  assert.equal((await total()) - start, sent, before);
  assert.ok((await metrics.value('lkb_input_packets_total', { result: 'bad_json' })) > 0);
  assert.ok((await metrics.value('lkb_input_events_total', { result: 'out_of_bounds' })) > 0);
  const s = JSON.parse(await rpc(bob, RPC.status));
  assert.equal(s.publishing, true);
});

test('resize (holder only) changes the published frame size', async () => {
  assert.deepEqual(JSON.parse(await rpc(alice, RPC.resize, { width: 800, height: 600 })), {
    status: 'ok',
    width: 800,
    height: 600,
  });
  assert.equal((await rpcError(alice, RPC.resize, { width: 100, height: 600 })).code, RpcCode.BadRequest);
  await waitFor('800x600 frames', () => video.latest?.width === 800 && video.latest?.height === 600, 20_000);
});

test('browser crash → restart, video resumes on the same track, restarts counted', async () => {
  const sidBefore = [...(alice.remoteParticipants.get('browser')?.trackPublications.values() ?? [])]
    .map((p) => p.sid)
    .sort();
  page.crash('test kill');
  await waitFor('restart', () => session.status().restarts === 1, 10_000);
  page.setColor([0, 255, 0]);
  await waitFor(
    'green frames after restart',
    () => video.latest !== undefined && near(video.latest.center, [0, 255, 0]),
    20_000,
  );
  const sidAfter = [...(alice.remoteParticipants.get('browser')?.trackPublications.values() ?? [])]
    .map((p) => p.sid)
    .sort();
  assert.deepEqual(sidAfter, sidBefore);
  assert.equal(await metrics.value('lkb_browser_restarts_total'), 1);
});

test('holder release and holder disconnect both broadcast focus null; a held button is released', async () => {
  await sendInput(alice, [{ type: 'mousedown', x: 20, y: 30, button: 2 }]);
  await waitFor(
    'mousedown dispatched',
    () => page.calls.some((c) => c.method === 'mouseDown' && c.args[0] === 20),
    10_000,
  );
  assert.deepEqual(JSON.parse(await rpc(alice, RPC.releaseFocus)), { released: true });
  await session.flushInput();
  const last = page.calls.filter((c) => c.method.startsWith('mouse')).at(-1);
  assert.deepEqual(
    last,
    { method: 'mouseUp', args: [20, 30, { button: 'right', clickCount: 1, modifiers: 0 }] },
    'no stuck button for the next holder',
  );
  await waitFor('null after release', () => bobData.focus() === null, 10_000);
  assert.deepEqual(JSON.parse(await rpc(bob, RPC.requestFocus)), { granted: true });
  await waitFor('bob holds', () => aliceData.focus() === 'bob', 10_000);
  const n = aliceData.count(TOPIC.focus);
  await bob.disconnect();
  await waitFor('null after disconnect', () => aliceData.count(TOPIC.focus) > n && aliceData.focus() === null, 15_000);
  assert.equal(session.focusHolder, null);
});

test('close unregisters RPC methods and unpublishes the tracks', async () => {
  const unpublished: string[] = [];
  alice.on(RoomEvent.TrackUnpublished, (pub) => unpublished.push(pub.name ?? ''));
  await video.stop();
  await session.close();
  await waitFor(
    'tracks unpublished',
    () => unpublished.includes('browser-video') && unpublished.includes('browser-audio'),
    15_000,
  );
  const e = await rpcError(alice, RPC.status);
  assert.equal(e.code, RpcError.ErrorCode.UNSUPPORTED_METHOD);
  assert.equal(page.heldSlots(), 0, 'no paint slot held after close');
});
