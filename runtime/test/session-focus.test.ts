// Focus handoff and idle release through the room (fake engine page, test SFU in its own process).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { dispose, type Room } from '@livekit/rtc-node';
import { RuntimeMetrics } from '../src/metrics.ts';
import { RPC, RpcCode, TOPIC } from '@lkbrowser/protocol';
import { RoomSession } from '../src/session.ts';
import { FakePage } from './fake-engine.ts';
import { DataLog, enc, join, type RoomServer, startRoomServer, testLogger } from './helpers.ts';
import { waitFor, withTimeout } from '@lkbrowser/testkit';

const ROOM = 'focus-room';
let server: RoomServer;
let browserRoom: Room;
let agent: Room;
let human: Room;
let ops: Room;
let page: FakePage;
let session: RoomSession;
let metrics: RuntimeMetrics;
let agentData: DataLog;

const rpc = (room: Room, method: string) =>
  withTimeout(
    method,
    (room.localParticipant as NonNullable<Room['localParticipant']>).performRpc({
      destinationIdentity: 'browser',
      method,
      payload: '',
      responseTimeout: 15_000,
    }),
    20_000,
  );

before(async () => {
  server = await startRoomServer();
  browserRoom = await join(server, ROOM, 'browser', { autoSubscribe: false });
  page = new FakePage({ url: 'https://start.example/', width: 320, height: 240, framerate: 5 });
  metrics = new RuntimeMetrics();
  session = new RoomSession({
    room: browserRoom,
    page,
    framerate: 5,
    audio: false,
    nav: { allowPrivate: false, allowedOrigins: [] },
    focusIdleMs: 2500,
    focusPriorityIdentities: ['human'],
    focusAdminIdentities: ['ops'],
    metrics,
    logger: testLogger,
  });
  await withTimeout('session start', session.start(), 30_000);
  agent = await join(server, ROOM, 'agent', { autoSubscribe: false });
  agentData = new DataLog(agent);
  human = await join(server, ROOM, 'human', { autoSubscribe: false });
  ops = await join(server, ROOM, 'ops', { autoSubscribe: false });
});

after(async () => {
  for (const [name, step] of [
    ['session', () => session?.close()],
    ['page', () => page?.close()],
    ['agent', () => agent?.disconnect()],
    ['human', () => human?.disconnect()],
    ['ops', () => ops?.disconnect()],
    ['browser', () => browserRoom?.disconnect()],
    ['server', () => server?.close()],
    ['dispose', () => dispose()],
  ] as Array<[string, () => Promise<unknown> | undefined]>) {
    try {
      await withTimeout(`cleanup ${name}`, Promise.resolve(step()), 15_000);
    } catch (e) {
      console.error(`cleanup ${name} failed:`, e);
    }
  }
});

test('a priority identity takes focus from a non-priority holder; not the other way round', async () => {
  assert.deepEqual(JSON.parse(await rpc(agent, RPC.requestFocus)), { granted: true });
  assert.deepEqual(JSON.parse(await rpc(human, RPC.requestFocus)), { granted: true });
  await waitFor('agent told: human holds', () => agentData.focus() === 'human', 10_000);
  assert.deepEqual(JSON.parse(await rpc(agent, RPC.requestFocus)), { granted: false, holder: 'human' });
  assert.equal(await metrics.value('lkb_focus_changes_total', { reason: 'priority-takeover' }), 1);
});

test('a holder idle for LKB_FOCUS_IDLE_RELEASE_SECONDS loses focus (broadcast null); input keeps it', async () => {
  const lp = human.localParticipant as NonNullable<Room['localParticipant']>;
  // Input every 0.5 s for 4 s keeps the focus beyond the 2.5 s idle limit.
  for (let i = 0; i < 8; i++) {
    await lp.publishData(enc([{ type: 'mousemove', x: 10 + i, y: 10 }]), { reliable: true, topic: TOPIC.input });
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.equal(session.focusHolder, 'human');
  await waitFor('idle release', () => session.focusHolder === null, 10_000);
  await waitFor('null broadcast', () => agentData.focus() === null, 10_000);
  assert.equal(await metrics.value('lkb_focus_changes_total', { reason: 'idle' }), 1);
  const e = await (async () => {
    try {
      await (human.localParticipant as NonNullable<Room['localParticipant']>).performRpc({
        destinationIdentity: 'browser',
        method: RPC.reload,
        payload: '',
      });
    } catch (err) {
      return err as { code?: number };
    }
    return {};
  })();
  assert.equal(e.code, RpcCode.NotFocused, 'navigation needs focus again');
});

test('browser/revoke-focus: refused for a non-admin, clears the holder for an admin (who then cools down)', async () => {
  assert.deepEqual(JSON.parse(await rpc(agent, RPC.requestFocus)), { granted: true });
  const refused = await rpc(human, RPC.revokeFocus).then(
    () => ({ code: 0 }),
    (err: { code?: number }) => err,
  );
  assert.equal(refused.code, RpcCode.Forbidden);
  assert.equal(session.focusHolder, 'agent');
  assert.deepEqual(JSON.parse(await rpc(ops, RPC.revokeFocus)), { revoked: true, previous: 'agent' });
  assert.equal(session.focusHolder, null);
  await waitFor('null broadcast', () => agentData.focus() === null, 10_000);
  const again = JSON.parse(await rpc(agent, RPC.requestFocus)) as {
    granted: boolean;
    holder: null;
    retryAfterMs: number;
  };
  assert.equal(again.granted, false);
  assert.ok(again.retryAfterMs > 0);
  assert.equal(await metrics.value('lkb_focus_changes_total', { reason: 'revoked' }), 1);
});
