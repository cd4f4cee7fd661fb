// The CLI (src/main.ts) as a process: config errors exit 2 with one line; a full run with the real engine
// publishes the page, serves /readyz /status /metrics, and exits 0 within 5 s on SIGTERM; idle timeout exits 0.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { dispose, type Room, RoomEvent, TrackKind } from '@livekit/rtc-node';
import {
  join,
  NODE,
  near,
  type RoomServer,
  startRoomServer,
  startPageServer,
  VideoWatcher,
  waitTrack,
} from './helpers.ts';
import { getJson, MAIN, type Runtime, startRuntime } from './runtime-process.ts';
import { waitFor, withTimeout } from '@lkbrowser/testkit';

function runSync(
  env: Record<string, string>,
  args: string[] = [],
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(NODE, [MAIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const good = { LIVEKIT_URL: 'ws://127.0.0.1:9', LIVEKIT_ROOM: 'r', LIVEKIT_API_KEY: 'k', LIVEKIT_API_SECRET: 's' };

describe('config errors', () => {
  const rows: Array<[string, Record<string, string>, string[], RegExp]> = [
    ['no LIVEKIT_URL', {}, [], /LIVEKIT_URL/],
    ['width out of range', good, ['--width', '5000'], /--width: must be an integer 320\.\.1920/],
    ['fps env', { ...good, LKB_FRAMERATE: '0' }, [], /LKB_FRAMERATE/],
    ['no credentials', { LIVEKIT_URL: 'ws://x', LIVEKIT_ROOM: 'r' }, [], /credentials/],
    ['file: start url', { ...good, LKB_URL: 'file:///etc/passwd' }, [], /LKB_URL: scheme/],
    ['private start url', { ...good, LKB_URL: 'http://127.0.0.1:8080/' }, [], /navigation policy: blocked loopback/],
    ['unknown flag', good, ['--bogus'], /unknown flag --bogus/],
  ];
  for (const [name, env, args, re] of rows) {
    test(`${name} → exit 2, one line on stderr`, () => {
      const r = runSync(env, args);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    });
  }
  test('--help → exit 0 with usage', () => {
    const r = runSync({}, ['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: lkbrowser-runtime/);
  });
});

describe('full run with the real engine', () => {
  let sfu: RoomServer;
  let pages: Awaited<ReturnType<typeof startPageServer>>;
  let viewer: Room | undefined;
  let video: VideoWatcher | undefined;
  const runtimes: Runtime[] = [];

  before(async () => {
    sfu = await startRoomServer();
    pages = await startPageServer();
  });

  after(async () => {
    for (const r of runtimes) if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGKILL');
    await video?.stop().catch((e: unknown) => console.error('video stop', e));
    await viewer?.disconnect();
    await sfu?.close();
    await pages?.close();
    await dispose();
  });

  const env = (room: string): Record<string, string> => ({
    LIVEKIT_URL: sfu.url,
    LIVEKIT_ROOM: room,
    LIVEKIT_API_KEY: sfu.apiKey,
    LIVEKIT_API_SECRET: sfu.apiSecret,
  });

  test('publishes the page; /readyz /status /metrics; SIGTERM → exit 0 within 5 s', { timeout: 180_000 }, async () => {
    const rt = startRuntime({ ...env('main-room'), LKB_URL: `${pages.base}/solid` }, [
      '--nav-allow-private-networks',
      '--width=640',
      '--height=480',
      '--framerate=15',
      '--metrics-port=0',
      '--metrics-host=127.0.0.1',
      '--identity=browser',
    ]);
    runtimes.push(rt);
    const port = await withTimeout('status server port', rt.port, 30_000);
    assert.equal((await getJson(port, '/healthz')).status, 200);
    await waitFor('/readyz 200', async () => (await getJson(port, '/readyz')).status === 200, 120_000, 250);
    const { sandbox, ...st } = (await getJson(port, '/status')).body as Record<string, unknown>;
    // whether Chromium's sandbox is on depends on the uid and the kernel here; the field is there either way
    assert.equal(typeof (sandbox as { enabled?: unknown } | undefined)?.enabled, 'boolean');
    assert.deepEqual(st, {
      url: `${pages.base}/solid`,
      focusHolder: null,
      width: 640,
      height: 480,
      fps: 15,
      publishing: true,
      restarts: 0,
    });

    viewer = await join(sfu, 'main-room', 'viewer');
    const { track } = await withTimeout('video track', waitTrack(viewer, TrackKind.KIND_VIDEO, 'browser'), 30_000);
    video = new VideoWatcher(track);
    await waitFor(
      'page colour in received frames',
      () => video?.latest !== undefined && near(video.latest.center, [30, 144, 255], 30),
      60_000,
    );
    assert.equal(video.latest?.width, 640);
    // The runtime's minted token has canSubscribe: false; RPC requests (data packets) still reach it.
    const lp = viewer.localParticipant as NonNullable<Room['localParticipant']>;
    const focus = await withTimeout(
      'rpc',
      lp.performRpc({ destinationIdentity: 'browser', method: 'browser/request-focus', payload: '' }),
      20_000,
    );
    assert.deepEqual(JSON.parse(focus), { granted: true });
    await waitFor(
      '/status focusHolder',
      async () => ((await getJson(port, '/status')).body as { focusHolder?: string }).focusHolder === 'viewer',
      10_000,
    );
    const metrics = (await getJson(port, '/metrics')).body as string;
    assert.match(metrics, /lkb_frames_published_total \d+/);
    assert.match(metrics, /lkb_paint_to_publish_seconds_count \d+/);

    const left = new Promise<void>((r) =>
      viewer?.on(RoomEvent.ParticipantDisconnected, (p) => p.identity === 'browser' && r()),
    );
    const t0 = Date.now();
    rt.proc.kill('SIGTERM');
    const e = await withTimeout('exit after SIGTERM', rt.exit, 15_000);
    assert.equal(e.code, 0, rt.logs.slice(-15).join('\n'));
    console.log(`SIGTERM → exit 0 in ${e.atMs - t0} ms`);
    assert.ok(e.atMs - t0 < 5000, `exited in ${e.atMs - t0} ms`);
    await withTimeout('viewer sees the browser leave', left, 15_000);
    assert.ok(
      rt.logs.some((l) => l.includes('"msg":"bye"')),
      'clean shutdown path',
    );
  });

  test('room lost (SFU killed) → exit 1 after the SDK gives up', { timeout: 240_000 }, async () => {
    const own = await startRoomServer();
    const rt = startRuntime(
      {
        LIVEKIT_URL: own.url,
        LIVEKIT_ROOM: 'lost-room',
        LIVEKIT_API_KEY: own.apiKey,
        LIVEKIT_API_SECRET: own.apiSecret,
        LKB_URL: `${pages.base}/solid`,
      },
      [
        '--nav-allow-private-networks',
        '--width=320',
        '--height=240',
        '--framerate=5',
        '--no-audio',
        '--metrics-port=0',
        '--metrics-host=127.0.0.1',
      ],
    );
    runtimes.push(rt);
    const port = await withTimeout('status server port', rt.port, 30_000);
    await waitFor('/readyz 200', async () => (await getJson(port, '/readyz')).status === 200, 120_000, 250);
    await own.kill();
    await own.close();
    const e = await withTimeout('exit after the room is lost', rt.exit, 200_000);
    assert.equal(e.code, 1, rt.logs.slice(-15).join('\n'));
    assert.ok(
      rt.logs.some((l) => l.includes('room disconnected')),
      'exit reason logged',
    );
  });

  test('max duration: exit 0 after N s even with company', { timeout: 180_000 }, async () => {
    const rt = startRuntime({ ...env('max-room'), LKB_URL: `${pages.base}/solid`, LKB_MAX_DURATION_SECONDS: '8' }, [
      '--nav-allow-private-networks',
      '--width=320',
      '--height=240',
      '--framerate=5',
      '--no-audio',
      '--metrics-port=0',
      '--metrics-host=127.0.0.1',
    ]);
    runtimes.push(rt);
    const company = await join(sfu, 'max-room', 'company');
    try {
      const e = await withTimeout('max-duration exit', rt.exit, 150_000);
      assert.equal(e.code, 0, rt.logs.slice(-15).join('\n'));
      assert.ok(
        rt.logs.some((l) => l.includes('max duration reached')),
        'exit reason logged',
      );
    } finally {
      await company.disconnect();
    }
  });

  test('empty-room timeout: alone in the room for N s → exit 0', { timeout: 180_000 }, async () => {
    const rt = startRuntime(
      { ...env('idle-room'), LKB_URL: `${pages.base}/solid`, LKB_EMPTY_ROOM_TIMEOUT_SECONDS: '3' },
      [
        '--nav-allow-private-networks',
        '--width=320',
        '--height=240',
        '--framerate=5',
        '--no-audio',
        '--metrics-port=0',
        '--metrics-host=127.0.0.1',
      ],
    );
    runtimes.push(rt);
    const e = await withTimeout('idle exit', rt.exit, 150_000);
    assert.equal(e.code, 0, rt.logs.slice(-15).join('\n'));
    assert.ok(
      rt.logs.some((l) => l.includes('empty-room timeout')),
      'exit reason logged',
    );
  });
});
