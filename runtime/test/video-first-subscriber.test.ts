// The first subscriber of a settled page gets a picture when its down track is bound, not at the next refresh.
// The real room server binds the subscriber's track after the runtime already sent its frames (a warm claim's or
// a cold start's viewer): the server asks for a key frame then, but an encoder only makes one from a new frame.
// The refresh is set far beyond the test's wait here, so only the re-send on LocalTrackSubscribed can deliver.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { dispose, type Room, TrackKind } from '@livekit/rtc-node';
import { waitFor, withTimeout } from '@lkbrowser/testkit';
import { RuntimeMetrics } from '../src/metrics.ts';
import { RoomSession } from '../src/session.ts';
import { FakePage } from './fake-engine.ts';
import { join, near, type RoomServer, startRoomServer, testLogger, VideoWatcher, waitTrack } from './helpers.ts';

const REFRESH_MS = 10 * 60_000;

let server: RoomServer | undefined;
let browserRoom: Room | undefined;
let viewer: Room | undefined;
let page: FakePage | undefined;
let session: RoomSession | undefined;
let video: VideoWatcher | undefined;

after(async () => {
  await video?.stop().catch((e: unknown) => console.error('video stop', e));
  await session?.close();
  await page?.close();
  await viewer?.disconnect();
  await browserRoom?.disconnect();
  await server?.close();
  await dispose();
});

test('a viewer that subscribes after the last paint receives that paint', { timeout: 120_000 }, async () => {
  server = await startRoomServer();
  browserRoom = await join(server, 'first-subscriber', 'browser', { autoSubscribe: false });
  page = new FakePage({ url: 'https://start.example/', width: 320, height: 240, framerate: 10, color: [0, 200, 0] });
  const metrics = new RuntimeMetrics();
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
    refreshIntervalMs: REFRESH_MS,
  });
  await withTimeout('session start', session.start(), 30_000);
  const published = async () => (await metrics.framesPublished.get()).values[0]?.value ?? 0;
  await waitFor('the settled page sent its frame with nobody subscribed', async () => (await published()) >= 1, 30_000);
  const before = await published();

  viewer = await join(server, 'first-subscriber', 'viewer');
  const { track } = await withTimeout('video track', waitTrack(viewer, TrackKind.KIND_VIDEO, 'browser'), 30_000);
  video = new VideoWatcher(track);
  const w = video;
  await waitFor(
    'the green page in a received frame (far sooner than the refresh)',
    () => w.latest !== undefined && near(w.latest.center, [0, 200, 0], 40),
    60_000,
  );
  assert.ok((await published()) > before, 'the frame was sent again for the new subscriber');
});
