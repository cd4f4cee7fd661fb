// A late joiner gets video within 2 s of subscribing (the SFU asks the publisher for a key frame),
// with simulcast on: the best layer (full resolution) is forwarded.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { dispose, Room, VideoStream } from '@livekit/rtc-node';
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
  readFrames,
  TrackKind,
  TrackSource,
  token,
} from './support.ts';
import { withTimeout } from '@lkbrowser/testkit';

let server: TestServer;
const rooms: Room[] = [];
let pub: Publisher | undefined;

before(async () => {
  server = await startTestServer();
});

after(async () => {
  pub?.stop();
  for (const r of rooms) await r.disconnect();
  await server?.close();
  await dispose();
});

test('late joiners get the simulcast video quickly, at full resolution', { timeout: 120_000 }, async () => {
  const publisher = await connect(server, 'publisher', 'late');
  rooms.push(publisher);
  pub = await publishSynthetic(publisher, {
    width: 640,
    height: 360,
    simulcast: true,
    source: TrackSource.SOURCE_CAMERA,
  });
  // let the stream run well past its first key frame
  await new Promise((r) => setTimeout(r, 3000));
  for (const id of ['late1', 'late2']) {
    const room = new Room();
    rooms.push(room);
    const subscribed = nextTrack(room, TrackKind.KIND_VIDEO, 'publisher');
    await withTimeout(`${id} connect`, room.connect(server.url, await token(server, id, 'late')), 30_000);
    const track = await withTimeout(`${id} subscribed`, subscribed, 30_000);
    const t0 = Date.now();
    const stream = new VideoStream(track);
    const reader = stream.getReader();
    const first = await withTimeout(`${id} first frame`, reader.read(), 30_000);
    const ms = Date.now() - t0;
    reader.releaseLock();
    await stream.cancel();
    assert.ok(!first.done);
    assert.ok(ms <= 2000, `${id}: first frame ${ms} ms after subscribing`);
    const f = await withTimeout(`${id} frames`, readFrames(track, 20), 45_000);
    assert.equal(f.width, 640, `${id}: best simulcast layer forwarded (got ${f.width}x${f.height})`);
    assert.equal(f.height, 360);
    quadrantCentres(640, 360).forEach(([x, y], i) => {
      const px = pixel(f, x, y);
      const want = QUADRANTS[i] ?? [0, 0, 0];
      assert.ok(colourClose(px, want), `${id} quadrant ${i}: got ${px.join(',')} want ${want.join(',')}`);
    });
    console.log(`${id}: first frame ${ms} ms after TrackSubscribed; ${f.width}x${f.height}`);
  }
});
