// EarlyRpcHold: RPCs that arrive after the room join but before the session's handlers wait for them (bounded), are
// then dispatched to the session, and fail clearly on timeout or when the session will not start.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Room, RpcError, type RpcInvocationData } from '@livekit/rtc-node';
import { RPC, RpcCode } from '@lkbrowser/protocol';
import { EarlyRpcHold } from '../src/early-rpc.ts';

type Handler = (d: RpcInvocationData) => Promise<string>;

function fakeRoom(): { room: Room; handlers: Map<string, Handler> } {
  const handlers = new Map<string, Handler>();
  const localParticipant = { registerRpcMethod: (m: string, h: Handler) => handlers.set(m, h) };
  return { room: { localParticipant } as unknown as Room, handlers };
}

const call = (caller: string, payload = ''): RpcInvocationData => ({
  method: 'unused',
  requestId: `r-${caller}`,
  callerIdentity: caller,
  payload,
  responseTimeout: 10_000,
});

test('registers every room method', () => {
  const { room, handlers } = fakeRoom();
  new EarlyRpcHold(1000).register(room, Object.values(RPC));
  assert.deepEqual([...handlers.keys()].sort(), Object.values(RPC).sort());
});

test('a call before the session waits, then goes to the session with its method and data', async () => {
  const { room, handlers } = fakeRoom();
  const hold = new EarlyRpcHold(5000);
  hold.register(room, [RPC.requestFocus]);
  const pending = (handlers.get(RPC.requestFocus) as Handler)(call('viewer'));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(hold.waiting, 1, 'still waiting for the session');
  const seen: string[] = [];
  hold.release(async (m, d) => {
    seen.push(`${m} ${d.callerIdentity}`);
    return '{"granted":true}';
  });
  assert.equal(await pending, '{"granted":true}');
  assert.deepEqual(seen, [`${RPC.requestFocus} viewer`]);
  assert.equal(hold.waiting, 0);
  // A call still routed here after the release is dispatched at once.
  assert.equal(await hold.call(RPC.status, call('agent')), '{"granted":true}');
});

test('a session that does not come up in time: "still starting: retry"', async () => {
  const hold = new EarlyRpcHold(30);
  await assert.rejects(
    hold.call(RPC.requestFocus, call('viewer')),
    (e: unknown) => e instanceof RpcError && e.code === RpcCode.BrowserError && /still starting: retry/.test(e.message),
  );
  assert.equal(hold.waiting, 0);
});

test('a session that will not start: waiting calls get the reason', async () => {
  const hold = new EarlyRpcHold(5000);
  const pending = hold.call(RPC.navigate, call('viewer'));
  hold.fail('session is closing');
  await assert.rejects(pending, (e: unknown) => e instanceof RpcError && e.message === 'session is closing');
});
