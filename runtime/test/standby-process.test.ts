// A standby runtime (warm pool) as a process with the real engine and the real room server: up on a blank page,
// in no room, /readyz 200 while claimable; POST /claim refuses a bad secret, a bad body and settings the policy
// refuses (staying claimable); one good claim joins the room and publishes the page; a second claim gets 409;
// the session ending (max duration) exits 0 — the process is never handed to another session.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { dispose, type Room, TrackKind } from '@livekit/rtc-node';
import { waitFor, withTimeout } from '@lkbrowser/testkit';
import { AccessToken } from 'livekit-server-sdk';
import { claimSecretDigest } from '../src/standby-claim.ts';
import { runtimeGrant } from '../src/token.ts';
import { join, near, type RoomServer, startPageServer, startRoomServer, VideoWatcher, waitTrack } from './helpers.ts';
import { getJson, type Runtime, startRuntime } from './runtime-process.ts';

async function claim(
  port: number,
  secret: string | undefined,
  body: unknown,
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (secret !== undefined) headers.authorization = `Bearer ${secret}`;
  const res = await fetch(`http://127.0.0.1:${port}/claim`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

describe('standby runtime', () => {
  let sfu: RoomServer;
  let pages: Awaited<ReturnType<typeof startPageServer>>;
  let viewer: Room | undefined;
  let video: VideoWatcher | undefined;
  let rt: Runtime | undefined;

  before(async () => {
    sfu = await startRoomServer();
    pages = await startPageServer();
  });
  after(async () => {
    if (rt && rt.proc.exitCode === null && rt.proc.signalCode === null) rt.proc.kill('SIGKILL');
    await video?.stop().catch((e: unknown) => console.error('video stop', e));
    await viewer?.disconnect();
    await sfu?.close();
    await pages?.close();
    await dispose();
  });

  test('waits unclaimed, takes exactly one claim, publishes, exits at the end of its session', {
    timeout: 240_000,
  }, async () => {
    const secret = randomBytes(32).toString('base64url');
    rt = startRuntime({ LKB_CLAIM_SECRET_SHA256: claimSecretDigest(secret) }, [
      '--nav-allow-private-networks',
      '--width=320',
      '--height=240',
      '--framerate=15',
      '--no-audio',
      '--metrics-port=0',
      '--metrics-host=127.0.0.1',
    ]);
    const r = rt;
    const port = await withTimeout('status server port', r.port, 30_000);
    await waitFor('/readyz 200 (claimable)', async () => (await getJson(port, '/readyz')).status === 200, 120_000, 250);
    const st = (await getJson(port, '/status')).body as { publishing: boolean };
    assert.equal(st.publishing, false, 'in no room yet');
    assert.ok(r.messages('standby: engine up').length === 1, 'standby logged');

    const room = `standby-${randomBytes(3).toString('hex')}`;
    const at = new AccessToken(sfu.apiKey, sfu.apiSecret, { identity: 'browser', ttl: 600 });
    at.addGrant(runtimeGrant(room));
    const env = {
      LIVEKIT_URL: sfu.url,
      LIVEKIT_ROOM: room,
      LIVEKIT_IDENTITY: 'browser',
      LIVEKIT_TOKEN: await at.toJwt(),
      LKB_URL: `${pages.base}/solid`,
      LKB_WIDTH: '640',
      LKB_HEIGHT: '480',
      LKB_MAX_DURATION_SECONDS: '20',
    };
    assert.equal((await claim(port, undefined, { env })).status, 401);
    assert.equal((await claim(port, randomBytes(32).toString('base64url'), { env })).status, 401);
    assert.equal((await claim(port, secret, { env: { ...env, LKB_ENGINE: 'cef' } })).status, 400);
    const refused = await claim(port, secret, { env: { ...env, LKB_URL: 'file:///etc/passwd' } });
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.equal((await getJson(port, '/readyz')).status, 200, 'still claimable after refused claims');

    const ok = await claim(port, secret, { env });
    assert.equal(ok.status, 202, JSON.stringify(ok.body));
    assert.equal((await claim(port, secret, { env: { ...env, LIVEKIT_ROOM: 'other' } })).status, 409);

    viewer = await join(sfu, room, 'viewer');
    const { track } = await withTimeout('video track', waitTrack(viewer, TrackKind.KIND_VIDEO, 'browser'), 60_000);
    video = new VideoWatcher(track);
    const seen = () => JSON.stringify({ w: video?.latest?.width, h: video?.latest?.height, c: video?.latest?.center });
    await waitFor(
      'the claimed page (solid blue, 640x480) in received frames',
      () => video?.latest !== undefined && video.latest.width === 640 && near(video.latest.center, [30, 144, 255], 30),
      60_000,
    ).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}; last frame ${seen()}; ${r.logs.slice(-8).join('\n')}`);
    });
    await waitFor('/readyz 200 (publishing)', async () => (await getJson(port, '/readyz')).status === 200, 30_000);
    const e = await withTimeout('exit at max duration', r.exit, 120_000);
    assert.equal(e.code, 0, r.logs.slice(-15).join('\n'));
  });
});
