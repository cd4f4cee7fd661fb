import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { test } from 'node:test';
import {
  describeSfu,
  hostInterfaceAddress,
  livekitServerConfig,
  parseServerVersion,
  sfuKind,
  startLiveKitServer,
  toolVersions,
} from '@lkbrowser/testkit';

const b64url = (v: string | Buffer): string => Buffer.from(v).toString('base64url');

/** A server-API token (HS256), so this test needs no SDK: roomList grant only. */
function adminToken(apiKey: string, apiSecret: string): string {
  const now = Math.floor(Date.now() / 1000);
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(
    JSON.stringify({
      iss: apiKey,
      sub: 'fixture-test',
      nbf: now - 5,
      exp: now + 300,
      video: { roomList: true, roomCreate: true },
    }),
  );
  const sig = createHmac('sha256', apiSecret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

async function listRooms(httpUrl: string, token: string): Promise<Response> {
  return await fetch(`${httpUrl}/twirp/livekit.RoomService/ListRooms`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{}',
    signal: AbortSignal.timeout(10_000),
  });
}

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function tcpBindable(host: string, port: number): Promise<boolean> {
  const srv = createServer();
  const ok = await new Promise<boolean>((resolve) => {
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => resolve(true));
  });
  if (ok) await new Promise<void>((r) => srv.close(() => r()));
  return ok;
}

async function udpBindable(host: string, port: number): Promise<boolean> {
  const s = createSocket('udp4');
  const ok = await new Promise<boolean>((resolve) => {
    s.once('error', () => resolve(false));
    s.bind(port, host, () => resolve(true));
  });
  await new Promise<void>((r) => s.close(() => r()));
  return ok;
}

test('generated config: explicit keys, loopback signalling, node IP only, no STUN/TURN/external IP', () => {
  const cfg = JSON.parse(
    livekitServerConfig({
      ports: { signal: 1111, rtcTcp: 2222, rtcUdp: 3333 },
      nodeIp: '192.0.2.7',
      apiKey: 'k',
      apiSecret: 's',
      logLevel: 'warn',
      departureTimeout: 3,
    }),
  );
  assert.equal(cfg.port, 1111);
  assert.deepEqual(cfg.bind_addresses, ['127.0.0.1']);
  assert.deepEqual(cfg.keys, { k: 's' });
  assert.equal(cfg.development, undefined);
  assert.equal(cfg.redis, undefined);
  assert.deepEqual(cfg.rtc, {
    udp_port: 3333,
    tcp_port: 2222,
    use_external_ip: false,
    node_ip: '192.0.2.7',
    ips: { includes: ['192.0.2.7/32'] },
    enable_loopback_candidate: false,
    use_mdns: false,
    stun_servers: [],
    turn_servers: [],
  });
  assert.deepEqual(cfg.turn, { enabled: false });
  assert.deepEqual(cfg.room, {
    auto_create: true,
    playout_delay: { enabled: true, min: 0, max: 0 },
    departure_timeout: 3,
  });
});

test('host interface address: first non-internal IPv4, never loopback or link-local', () => {
  const i = (address: string, internal = false, family: 'IPv4' | 'IPv6' = 'IPv4') =>
    ({ address, internal, family, netmask: '', mac: '', cidr: null }) as never;
  assert.equal(
    hostInterfaceAddress({ lo: [i('127.0.0.1', true)], eth0: [i('fe80::1', false, 'IPv6'), i('192.0.2.2')] }),
    '192.0.2.2',
  );
  assert.equal(hostInterfaceAddress({ a: [i('169.254.1.1')], b: [i('10.1.2.3')] }), '10.1.2.3');
  assert.throws(() => hostInterfaceAddress({ lo: [i('127.0.0.1', true)] }), /no non-loopback IPv4/);
});

test('server version parsing and the SFU switch', () => {
  assert.equal(parseServerVersion('livekit-server version 1.13.5\n'), '1.13.5');
  assert.throws(() => parseServerVersion('garbage'), /unexpected/);
  assert.equal(sfuKind({}), 'livekit-server');
  assert.equal(sfuKind({ LKB_TEST_SFU: 'livekit-server' }), 'livekit-server');
  assert.equal(sfuKind({ LKB_TEST_SFU: 'testserver' }), 'testserver');
  assert.throws(() => sfuKind({ LKB_TEST_SFU: 'werift' }), /expected "livekit-server" \(default\) or "testserver"/);
  assert.match(describeSfu({ LKB_TEST_SFU: 'testserver' }), /^testserver/);
});

test('the real server starts, authenticates our keys, restarts on the same ports, and leaves nothing behind', async () => {
  const s = await startLiveKitServer({ logLevel: 'info' });
  const { ports, configDir } = s;
  let pid: number | undefined;
  try {
    assert.equal(`v${s.version}`, toolVersions().LIVEKIT_SERVER_VERSION);
    assert.match(describeSfu({}), new RegExp(`^livekit-server ${s.version.replaceAll('.', '\\.')}`));
    assert.equal(s.url, `ws://127.0.0.1:${ports.signal}`);
    assert.ok(existsSync(`${configDir}/livekit.yaml`));
    const ok = await listRooms(s.httpUrl, adminToken(s.apiKey, s.apiSecret));
    assert.equal(ok.status, 200, await ok.text());
    const bad = await listRooms(s.httpUrl, adminToken(s.apiKey, 'not-the-secret-not-the-secret-not-the'));
    await bad.body?.cancel();
    assert.equal(bad.status, 401);
    // The server reports what it bound: the node IP we gave, no external IP lookup.
    assert.match(s.logTail(200), new RegExp(`starting LiveKit server[^\\n]*"portHttp": ${ports.signal}`));
    assert.doesNotMatch(s.logTail(200), /stun\.l\.google|external ip/i);

    const first = s.pid();
    await s.kill();
    assert.equal(s.pid(), undefined);
    await s.restart();
    pid = s.pid();
    assert.ok(pid && pid !== first);
    const again = await listRooms(s.httpUrl, adminToken(s.apiKey, s.apiSecret));
    await again.body?.cancel();
    assert.equal(again.status, 200);
  } finally {
    await s.close();
  }
  assert.ok(pid !== undefined && processGone(pid), 'server process gone');
  assert.equal(existsSync(configDir), false, 'config dir removed');
  assert.ok(await tcpBindable('127.0.0.1', ports.signal), 'signalling port free');
  assert.ok(await tcpBindable('0.0.0.0', ports.rtcTcp), 'ICE/TCP port free');
  assert.ok(await udpBindable(s.nodeIp, ports.rtcUdp), 'ICE/UDP port free');
});

test('a server that cannot start fails with its own reason (no fallback)', async () => {
  const blocker = createServer((sock) => sock.destroy()); // the fixture's health probe must not hold close() up
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const addr = blocker.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  try {
    await assert.rejects(startLiveKitServer({ signalPort: port, startTimeoutMs: 30_000 }), (e: Error) => {
      assert.match(e.message, /livekit-server .* (exited|did not start)/);
      assert.match(e.message, /address already in use/);
      return true;
    });
  } finally {
    await new Promise<void>((r) => blocker.close(() => r()));
  }
});
