// Token checks: bad signature, expired token and a token without roomJoin are refused with an HTTP
// error that the SDK surfaces as a connection error; /rtc/v1 answers 404 (the v0 fallback signal).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { dispose, Room } from '@livekit/rtc-node';
import { startTestServer, type TestServer } from '../src/index.ts';
import { token } from './support.ts';
import { withTimeout } from '@lkbrowser/testkit';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});

after(async () => {
  await server?.close();
  await dispose();
});

async function refused(jwt: string): Promise<Error> {
  const room = new Room();
  try {
    await withTimeout('connect with a bad token', room.connect(server.url, jwt), 30_000);
  } catch (err) {
    assert.ok(err instanceof Error);
    assert.ok(!err.message.startsWith('timeout'), err.message);
    return err;
  } finally {
    await room.disconnect();
  }
  assert.fail('connect succeeded with a bad token');
}

async function validate(jwt: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${server.httpUrl}/rtc/validate?access_token=${encodeURIComponent(jwt)}`);
  return { status: res.status, body: await res.text() };
}

test('a token signed with the wrong secret is refused', { timeout: 60_000 }, async () => {
  const jwt = await token(server, 'mallory', 'auth', { secret: 'not-the-secret' });
  const v = await validate(jwt);
  assert.equal(v.status, 401);
  assert.match(v.body, /invalid token/);
  const err = await refused(jwt);
  assert.match(err.message, /401|unauthori|invalid token|signature/i);
  assert.deepEqual(server.rooms(), []);
});

test('an expired token is refused', { timeout: 60_000 }, async () => {
  const jwt = await token(server, 'late', 'auth', { ttl: '-1h' }); // expired an hour ago (beyond clock tolerance)
  const v = await validate(jwt);
  assert.equal(v.status, 401);
  assert.match(v.body, /exp/);
  await refused(jwt);
  assert.deepEqual(server.rooms(), []);
});

test('a token without the roomJoin grant is refused', { timeout: 60_000 }, async () => {
  const jwt = await token(server, 'nojoin', 'auth', { roomJoin: false });
  const v = await validate(jwt);
  assert.equal(v.status, 401);
  assert.match(v.body, /roomJoin/);
  await refused(jwt);
});

test('a good token validates; /rtc/v1 is 404 (v0 fallback) and / is healthy', async () => {
  const jwt = await token(server, 'ok', 'auth');
  assert.deepEqual(await validate(jwt), { status: 200, body: 'success' });
  assert.equal((await fetch(`${server.httpUrl}/rtc/v1/validate`)).status, 404);
  assert.equal((await fetch(`${server.httpUrl}/rtc/v1`)).status, 404);
  assert.equal(await (await fetch(`${server.httpUrl}/`)).text(), 'OK');
  assert.equal((await fetch(`${server.httpUrl}/rtc/validate`)).status, 401);
});
