// Publisher renegotiation: tracks published one at a time, each in its own publisher offer.
// rtc-node's publisher PC carries six leftover recvonly m-lines (from its /rtc/v1 attempt); werift 0.24.4
// used to recycle their transceivers for m-lines added by later offers, which lost a mid and failed the
// answer ("Transceiver with mid=7 not found"). See src/pc-config.ts (pinRemoteTransceivers).
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import {
  AudioFrame,
  AudioSource,
  dispose,
  LocalAudioTrack,
  LocalVideoTrack,
  type RemoteTrack,
  TrackPublishOptions,
  VideoBufferType,
  VideoFrame,
  VideoSource,
} from '@livekit/rtc-node';
import { startTestServer, type TestServer } from '../src/index.ts';
import {
  colourClose,
  connect,
  nextTrack,
  pixel,
  quadrantFrame,
  readAudio,
  readFrames,
  type Rgb,
  type Room,
  TrackKind,
  TrackSource,
} from './support.ts';
import { withTimeout } from '@lkbrowser/testkit';

let server: TestServer;
const rooms: Room[] = [];
const stops: Array<() => void> = [];

before(async () => {
  server = await startTestServer();
});

// Each test's publishers and rooms end with it: tone and video generators left running starve the next test's
// audio on 2 cores (the last test then measured ~215 Hz for a 440 Hz tone; alone it passed).
afterEach(async () => {
  for (const s of stops.splice(0)) s();
  for (const r of rooms.splice(0)) await r.disconnect();
});

after(async () => {
  await server?.close();
  await dispose();
});

const W = 160;
const H = 120;

/** Publish a one-colour video and keep feeding it at ~15 fps. */
async function publishVideo(room: Room, name: string, colour: Rgb, source: TrackSource): Promise<void> {
  const src = new VideoSource(W, H);
  const track = LocalVideoTrack.createVideoTrack(name, src);
  await withTimeout(
    `publish ${name}`,
    room.localParticipant!.publishTrack(
      track,
      new TrackPublishOptions({ source, simulcast: false, videoEncoding: { maxBitrate: 500_000n, maxFramerate: 15 } }),
    ),
    30_000,
  );
  const rgba = quadrantFrame(W, H, [colour, colour, colour, colour]);
  let running = true;
  stops.push(() => {
    running = false;
  });
  void (async () => {
    while (running) {
      src.captureFrame(new VideoFrame(rgba, W, H, VideoBufferType.RGBA), process.hrtime.bigint() / 1000n);
      await new Promise((r) => setTimeout(r, 66));
    }
  })();
}

async function publishTone(room: Room): Promise<void> {
  const src = new AudioSource(48000, 1);
  const track = LocalAudioTrack.createAudioTrack('tone', src);
  await withTimeout(
    'publish audio',
    room.localParticipant!.publishTrack(track, new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE })),
    30_000,
  );
  let running = true;
  stops.push(() => {
    running = false;
  });
  let n = 0;
  void (async () => {
    while (running) {
      const f = AudioFrame.create(48000, 1, 480);
      for (let s = 0; s < 480; s++) f.data[s] = Math.round(12000 * Math.sin((2 * Math.PI * 440 * n++) / 48000));
      await src.captureFrame(f);
    }
  })();
}

async function expectColour(track: RemoteTrack, colour: Rgb, what: string): Promise<void> {
  const frame = await withTimeout(`${what} frames`, readFrames(track, 5), 45_000);
  const px = pixel(frame, Math.floor(frame.width / 2), Math.floor(frame.height / 2));
  assert.ok(colourClose(px, colour), `${what}: got ${px.join(',')} want ${colour.join(',')}`);
}

async function expectTone(track: RemoteTrack): Promise<void> {
  await withTimeout('first audio frames', readAudio(track, 30), 30_000); // skip the silent start
  const { peak, hz } = await withTimeout('audio frames', readAudio(track, 100), 30_000);
  assert.ok(peak > 3000, `audio peak ${peak}`);
  assert.ok(Math.abs(hz - 440) < 40, `audio frequency ~${hz.toFixed(0)} Hz`);
}

/**
 * Each step waits until the previous track's media reached the subscriber, so every publish is its own
 * publisher offer that adds one m-line. `dataFirst`: a data packet is sent before any track, so the
 * first publisher offer has no media m-line of its own (only the leftovers and the data channel).
 */
async function stepwise(roomName: string, dataFirst: boolean): Promise<void> {
  const sub = await connect(server, `sub-${roomName}`, roomName);
  rooms.push(sub);
  const pubRoom = await connect(server, `pub-${roomName}`, roomName);
  rooms.push(pubRoom);
  const from = `pub-${roomName}`;
  if (dataFirst) {
    const got = new Promise<void>((resolve) => sub.once('dataReceived', () => resolve()));
    await pubRoom.localParticipant!.publishData(new TextEncoder().encode('hello'), { reliable: true });
    await withTimeout('first data packet', got, 30_000);
  }
  const v1 = nextTrack(sub, TrackKind.KIND_VIDEO, from);
  await publishVideo(pubRoom, 'screen', [255, 0, 0], TrackSource.SOURCE_SCREENSHARE);
  await expectColour(await withTimeout('first video subscribed', v1, 30_000), [255, 0, 0], 'first video');

  const a = nextTrack(sub, TrackKind.KIND_AUDIO, from);
  await publishTone(pubRoom);
  await expectTone(await withTimeout('audio subscribed', a, 30_000));

  const v2 = nextTrack(sub, TrackKind.KIND_VIDEO, from);
  await publishVideo(pubRoom, 'camera', [0, 0, 255], TrackSource.SOURCE_CAMERA);
  await expectColour(await withTimeout('second video subscribed', v2, 30_000), [0, 0, 255], 'second video');

  const remote = sub.remoteParticipants.get(from);
  assert.equal(remote?.trackPublications.size, 3);
  assert.deepEqual(server.rooms().find((r) => r.name === roomName)?.participants.length, 2);
}

for (let i = 0; i < 3; i++) {
  test(`tracks published one offer at a time all arrive (room ${i})`, { timeout: 180_000 }, async () => {
    await stepwise(`steps-${i}`, false);
  });
}

test('a data packet before the first track, then video, audio, video', { timeout: 180_000 }, async () => {
  await stepwise('data-first', true);
});

test('unpublish audio, then publish video: the subscriber gets the video', { timeout: 180_000 }, async () => {
  const roomName = 'swap';
  const sub = await connect(server, 'sub-swap', roomName);
  rooms.push(sub);
  const pubRoom = await connect(server, 'pub-swap', roomName);
  rooms.push(pubRoom);
  const a = nextTrack(sub, TrackKind.KIND_AUDIO, 'pub-swap');
  await publishTone(pubRoom);
  await expectTone(await withTimeout('audio subscribed', a, 30_000));
  const audioSid = [...pubRoom.localParticipant!.trackPublications.values()][0]?.sid;
  assert.ok(audioSid);
  const gone = new Promise<void>((resolve) => sub.once('trackUnpublished', () => resolve()));
  await pubRoom.localParticipant!.unpublishTrack(audioSid);
  await withTimeout('audio unpublished at the subscriber', gone, 30_000);
  // the subscriber's audio m-line is now inactive: the video must get its own m-line, not recycle it
  await new Promise((r) => setTimeout(r, 1000));
  const v = nextTrack(sub, TrackKind.KIND_VIDEO, 'pub-swap');
  await publishVideo(pubRoom, 'after-swap', [0, 255, 0], TrackSource.SOURCE_CAMERA);
  await expectColour(await withTimeout('video subscribed', v, 30_000), [0, 255, 0], 'video after unpublish');
  assert.equal(sub.remoteParticipants.get('pub-swap')?.trackPublications.size, 1);
});
