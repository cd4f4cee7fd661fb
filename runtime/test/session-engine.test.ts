// RoomSession with the REAL engine (Chromium under Xvfb) against the test SFU: pixels of a page served on
// 127.0.0.1 reach a subscriber, a click sent as browser-input changes the page, RPC navigation, and a killed
// browser is restarted with video resuming on the same track.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createContext, type EngineContext, type EnginePage } from '@lkbrowser/native';
import { AudioStream, dispose, type Room, TrackKind, TrackSource } from '@livekit/rtc-node';
import { RuntimeMetrics } from '../src/metrics.ts';
import { RPC, TOPIC } from '@lkbrowser/protocol';
import { RoomSession } from '../src/session.ts';
import {
  DataLog,
  enc,
  join,
  near,
  type RoomServer,
  startRoomServer,
  startPageServer,
  testLogger,
  VideoWatcher,
  waitTrack,
} from './helpers.ts';
import { waitFor, withTimeout } from '@lkbrowser/testkit';

const ROOM = 'engine-room';
let sfu: RoomServer;
let pages: Awaited<ReturnType<typeof startPageServer>>;
let ctx: EngineContext;
let page: EnginePage;
let browserRoom: Room;
let viewer: Room;
let viewerData: DataLog;
let session: RoomSession;
let metrics: RuntimeMetrics;
let video: VideoWatcher;

const rpc = (method: string, payload: unknown = '') =>
  withTimeout(
    method,
    (viewer.localParticipant as NonNullable<Room['localParticipant']>).performRpc({
      destinationIdentity: 'browser',
      method,
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      responseTimeout: 15_000,
    }),
    20_000,
  );

before(async () => {
  sfu = await startRoomServer();
  pages = await startPageServer();
  ctx = await createContext({ startTimeoutMs: 60_000, logger: testLogger });
  page = (await ctx.newPage({
    url: `${pages.base}/click`,
    width: 640,
    height: 480,
    framerate: 30,
    audio: true,
  })) as EnginePage;
  browserRoom = await join(sfu, ROOM, 'browser', { autoSubscribe: false });
  metrics = new RuntimeMetrics();
  session = new RoomSession({
    room: browserRoom,
    page,
    framerate: 30,
    audio: true,
    nav: { allowPrivate: true, allowedOrigins: [] },
    focusIdleMs: 0,
    focusPriorityIdentities: [],
    metrics,
    logger: testLogger,
  });
  await withTimeout('session start', session.start(), 30_000);
  viewer = await join(sfu, ROOM, 'viewer');
  viewerData = new DataLog(viewer);
});

after(async () => {
  const steps: Array<[string, () => Promise<unknown> | undefined]> = [
    ['video', () => video?.stop()],
    ['session', () => session?.close()],
    ['viewer', () => viewer?.disconnect()],
    ['browser', () => browserRoom?.disconnect()],
    ['engine', () => ctx?.close()],
    ['sfu', () => sfu?.close()],
    ['pages', () => pages?.close()],
    ['dispose', () => dispose()],
  ];
  for (const [name, step] of steps) {
    try {
      await withTimeout(`cleanup ${name}`, Promise.resolve(step()), 20_000);
    } catch (e) {
      console.error(`cleanup ${name} failed:`, e);
    }
  }
});

test('received video shows the page served on 127.0.0.1', { timeout: 120_000 }, async () => {
  const { track } = await withTimeout('video track', waitTrack(viewer, TrackKind.KIND_VIDEO, 'browser'), 30_000);
  video = new VideoWatcher(track);
  await waitFor(
    'red page in frames',
    () => video.latest !== undefined && near(video.latest.center, [255, 0, 0], 30),
    60_000,
  );
  assert.equal(video.latest?.width, 640);
  assert.equal(video.latest?.height, 480);
});

test('a click sent as browser-input by the focus holder changes the page (seen in received frames)', {
  timeout: 120_000,
}, async () => {
  assert.deepEqual(JSON.parse(await rpc(RPC.requestFocus)), { granted: true });
  const lp = viewer.localParticipant as NonNullable<Room['localParticipant']>;
  await lp.publishData(
    enc([
      { type: 'mousemove', x: 320, y: 240 },
      { type: 'mousedown', x: 320, y: 240, button: 0, clickCount: 1 },
      { type: 'mouseup', x: 320, y: 240, button: 0, clickCount: 1 },
    ]),
    { reliable: true, topic: TOPIC.input },
  );
  const sentAt = Date.now();
  await waitFor(
    'green page after the click',
    () => video.latest !== undefined && near(video.latest.center, [0, 200, 0], 30),
    30_000,
    10,
  );
  console.log(
    `first click → changed frame received: ${Date.now() - sentAt} ms (includes the viewer's first-data publisher negotiation)`,
  );
  // Second click: the data path is warm now.
  const t1 = Date.now();
  await lp.publishData(
    enc([
      { type: 'mousedown', x: 100, y: 100, button: 0, clickCount: 1 },
      { type: 'mouseup', x: 100, y: 100, button: 0, clickCount: 1 },
    ]),
    { reliable: true, topic: TOPIC.input },
  );
  await waitFor(
    'magenta page after the 2nd click',
    () => video.latest !== undefined && near(video.latest.center, [200, 0, 200], 30),
    30_000,
    5,
  );
  console.log(
    `second click → changed frame received: ${Date.now() - t1} ms (data over the SFU, CDP dispatch, paint, encode, RTP, decode)`,
  );
  assert.equal(await metrics.value('lkb_input_packets_total', { result: 'accepted' }), 2);
});

test('navigate RPC loads another page; browser-url is broadcast', { timeout: 120_000 }, async () => {
  assert.deepEqual(JSON.parse(await rpc(RPC.navigate, { url: `${pages.base}/yellow` })), { status: 'ok' });
  await waitFor(
    'yellow page',
    () => video.latest !== undefined && near(video.latest.center, [255, 255, 0], 30),
    30_000,
  );
  await waitFor(
    'browser-url',
    () => JSON.stringify(viewerData.last(TOPIC.url)) === JSON.stringify({ url: `${pages.base}/yellow` }),
    15_000,
  );
});

test('page audio reaches a subscriber on browser-audio', { timeout: 120_000 }, async () => {
  const { track, publication } = await withTimeout(
    'audio track',
    waitTrack(viewer, TrackKind.KIND_AUDIO, 'browser'),
    30_000,
  );
  assert.equal(publication.name, 'browser-audio');
  assert.equal(publication.source, TrackSource.SOURCE_SCREENSHARE_AUDIO);
  assert.deepEqual(JSON.parse(await rpc(RPC.navigate, { url: `${pages.base}/tone` })), { status: 'ok' });
  const reader = new AudioStream(track, 48000, 2).getReader();
  let peak = 0;
  let frames = 0;
  try {
    const end = Date.now() + 30_000;
    while (Date.now() < end && !(peak > 3000 && frames > 50)) {
      const { value, done } = await withTimeout('audio frame', reader.read(), 10_000);
      if (done || !value) break;
      frames++;
      for (const v of value.data) peak = Math.max(peak, Math.abs(v));
    }
  } finally {
    await reader.cancel();
  }
  console.log(`audio: ${frames} frames received, peak ${peak}`);
  assert.ok(peak > 3000, `tone audible in the room (peak ${peak})`);
  assert.ok((await metrics.value('lkb_audio_frames_total', { result: 'published' })) > 50);
});

test('browser killed → restarted, video resumes on the same track', { timeout: 180_000 }, async () => {
  const pid = page.chromiumPid;
  assert.ok(pid > 0);
  process.kill(pid, 'SIGKILL');
  await waitFor('restart counted', () => session.status().restarts === 1, 90_000, 200);
  assert.equal(await metrics.value('lkb_browser_restarts_total'), 1);
  const countAfterRestart = video.count;
  assert.deepEqual(JSON.parse(await rpc(RPC.navigate, { url: `${pages.base}/solid` })), { status: 'ok' });
  await waitFor(
    'blue page after restart',
    () => video.latest !== undefined && near(video.latest.center, [30, 144, 255], 30),
    60_000,
  );
  assert.ok(video.count > countAfterRestart);
  const s = JSON.parse(await rpc(RPC.status));
  assert.equal(s.publishing, true);
  assert.equal(s.restarts, 1);
});

test('paint→publish latency is recorded (reported, loose bound)', async () => {
  const h = (await metrics.paintToPublish.get()).values;
  const count = h.find((v) => v.metricName === 'lkb_paint_to_publish_seconds_count')?.value ?? 0;
  const sum = h.find((v) => v.metricName === 'lkb_paint_to_publish_seconds_sum')?.value ?? 0;
  const c = (await metrics.captureDuration.get()).values;
  const cCount = c.find((v) => v.metricName === 'lkb_capture_frame_seconds_count')?.value ?? 0;
  const cSum = c.find((v) => v.metricName === 'lkb_capture_frame_seconds_sum')?.value ?? 0;
  console.log(
    `paint→publish: ${count} frames, mean ${((sum / Math.max(1, count)) * 1000).toFixed(2)} ms; captureFrame 640x480 mean ${((cSum / Math.max(1, cCount)) * 1000).toFixed(2)} ms`,
  );
  assert.ok(count > 0);
  assert.ok(sum / count < 0.5, 'mean paint→publish under 500 ms even on a loaded machine');
});
