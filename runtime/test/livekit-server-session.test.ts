// What only the real LiveKit server does, with the runtime CLI and the real engine: rtc-node's single peer connection
// signalling (/rtc/v1), token refresh (the runtime outlives its join token's TTL), and a server restart mid-session
// (killed, started again on the same ports: the runtime reconnects with the server's refreshed token and publishes
// again). Always the real server (these paths do not exist in testserver/), whatever LKB_TEST_SFU says.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { dispose, type Room, TrackKind } from '@livekit/rtc-node';
import { startLiveKitServer, type LiveKitServer, waitFor, withTimeout } from '@lkbrowser/testkit';
import { AccessToken } from 'livekit-server-sdk';
import { runtimeGrant } from '../src/token.ts';
import { join, near, startPageServer, VideoWatcher, waitTrack } from './helpers.ts';
import { getJson, type Runtime, startRuntime } from './runtime-process.ts';

const ROOM = 'lk-restart';
const TOKEN_TTL_S = 12;

let server: LiveKitServer;
let pages: Awaited<ReturnType<typeof startPageServer>>;
const rooms: Room[] = [];
const watchers: VideoWatcher[] = [];
const runtimes: Runtime[] = [];

before(async () => {
  server = await startLiveKitServer();
  pages = await startPageServer();
});

after(async () => {
  for (const r of runtimes) if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGKILL');
  for (const w of watchers) await w.stop().catch((e: unknown) => console.error('video stop', e));
  for (const r of rooms) await r.disconnect();
  await server?.close();
  await pages?.close();
  await dispose();
});

async function seePage(viewer: Room, what: string): Promise<VideoWatcher> {
  const { track } = await withTimeout(
    `${what}: video track`,
    waitTrack(viewer, TrackKind.KIND_VIDEO, 'browser'),
    60_000,
  );
  const video = new VideoWatcher(track);
  watchers.push(video);
  await waitFor(
    `${what}: page colour in received frames`,
    () => video.latest !== undefined && near(video.latest.center, [30, 144, 255], 30),
    60_000,
  );
  return video;
}

async function status(viewer: Room): Promise<Record<string, unknown>> {
  const lp = viewer.localParticipant as NonNullable<Room['localParticipant']>;
  return JSON.parse(
    await withTimeout(
      'status rpc',
      lp.performRpc({ destinationIdentity: 'browser', method: 'browser/status', payload: '' }),
      20_000,
    ),
  );
}

test(`single-PC signalling; the runtime outlives a ${TOKEN_TTL_S} s join token and a server restart`, {
  timeout: 420_000,
}, async () => {
  const at = new AccessToken(server.apiKey, server.apiSecret, { identity: 'browser', ttl: TOKEN_TTL_S });
  at.addGrant(runtimeGrant(ROOM));
  const token = await at.toJwt();
  const expiresAt = Date.now() + TOKEN_TTL_S * 1000;
  const rt = startRuntime({ LIVEKIT_URL: server.url, LIVEKIT_TOKEN: token, LKB_URL: `${pages.base}/solid` }, [
    '--nav-allow-private-networks',
    '--width=320',
    '--height=240',
    '--framerate=10',
    '--no-audio',
    '--metrics-port=0',
    '--metrics-host=127.0.0.1',
  ]);
  runtimes.push(rt);
  const port = await withTimeout('status server port', rt.port, 30_000);
  await waitFor('/readyz 200', async () => (await getJson(port, '/readyz')).status === 200, 120_000, 250);

  // rtc-node 1.1 joined over /rtc/v1: one peer connection (the server logs the participant's init).
  const joined = server
    .logTail(200)
    .split('\n')
    .filter((l) => l.includes('starting RTC session') && l.includes('"participant": "browser"'));
  assert.ok(joined.length > 0, `server logged the runtime's join:\n${server.logTail(20)}`);
  assert.match(joined[0] ?? '', /"UseSinglePeerConnection": true/);

  const first = await join(server, ROOM, 'viewer-1');
  rooms.push(first);
  await seePage(first, 'before the TTL');

  // Past the join token's expiry the session goes on (LiveKit checks the token at join; the server refreshes it).
  const wait = expiresAt + 5000 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  assert.equal((await status(first)).publishing, true);
  await first.disconnect();

  // The server dies and comes back on the same ports. The runtime's join token has expired by now: only the
  // refreshed one the server sent can get it back in.
  const down = Date.now();
  assert.ok(down > expiresAt, 'the join token has expired');
  await server.kill();
  await waitFor(
    'the runtime notices',
    () => rt.messages('connection to the room lost').length > 0 || rt.proc.exitCode !== null,
    60_000,
  );
  await new Promise((r) => setTimeout(r, 2000));
  await server.restart();
  console.log(`server down for ${Date.now() - down} ms`);

  await waitFor(
    'runtime reconnected',
    () => rt.messages('reconnected to the room').length > 0 || rt.proc.exitCode !== null,
    120_000,
  );
  assert.equal(rt.proc.exitCode, null, `runtime still running:\n${rt.logs.slice(-15).join('\n')}`);
  const second = await join(server, ROOM, 'viewer-2');
  rooms.push(second);
  await seePage(second, 'after the restart');
  assert.equal((await status(second)).publishing, true);
  await waitFor(
    '/readyz 200 after the restart',
    async () => (await getJson(port, '/readyz')).status === 200,
    30_000,
    250,
  );

  rt.proc.kill('SIGTERM');
  const e = await withTimeout('exit after SIGTERM', rt.exit, 20_000);
  assert.equal(e.code, 0, rt.logs.slice(-15).join('\n'));
});
