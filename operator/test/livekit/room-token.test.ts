import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenVerifier } from 'livekit-server-sdk';
import {
  BROWSER_ROLE,
  BROWSER_ROLE_ATTRIBUTE,
  claimsFingerprint,
  mintRoomToken,
  needsRenewal,
  type RoomTokenRequest,
  runtimeTokenClaims,
  SESSION_ATTRIBUTE,
  tokenExpiryMs,
} from '../../src/livekit/room-token.ts';

const base: RoomTokenRequest = { room: 'team-a-demo', identity: 'browser-1', session: 'team-a/demo', ttlSeconds: 3600 };
const creds = { apiKey: 'APIkey123', apiSecret: 'a-secret-that-is-long-enough-for-hs256-0123456789' };

describe('runtimeTokenClaims', () => {
  it('grants join, publish (screen share + its audio), subscribe and data for exactly one room; nothing else', () => {
    const c = runtimeTokenClaims(base);
    assert.equal(c.identity, 'browser-1');
    assert.equal(c.name, 'browser-1', 'the name defaults to the identity');
    assert.deepEqual(c.attributes, { [BROWSER_ROLE_ATTRIBUTE]: BROWSER_ROLE, [SESSION_ATTRIBUTE]: 'team-a/demo' });
    const g = c.grant;
    assert.equal(g.room, 'team-a-demo');
    for (const k of ['roomJoin', 'canPublish', 'canSubscribe', 'canPublishData'] as const) assert.equal(g[k], true, k);
    for (const k of [
      'roomAdmin',
      'roomCreate',
      'roomList',
      'roomRecord',
      'ingressAdmin',
      'canUpdateOwnMetadata',
      'hidden',
      'recorder',
      'agent',
    ] as const)
      assert.equal(g[k], false, k);
  });

  const refused: [string, Partial<RoomTokenRequest>, RegExp][] = [
    ['empty room', { room: '' }, /room/],
    ['room too long', { room: 'r'.repeat(257) }, /room/],
    ['empty identity', { identity: '' }, /identity/],
    ['identity too long', { identity: 'i'.repeat(129) }, /identity/],
    ['ttl too short', { ttlSeconds: 10 }, /ttl/],
    ['ttl too long', { ttlSeconds: 7 * 24 * 3600 }, /ttl/],
    ['ttl not an integer', { ttlSeconds: 600.5 }, /ttl/],
  ];
  for (const [what, over, re] of refused) {
    it(`refuses ${what}`, () => assert.throws(() => runtimeTokenClaims({ ...base, ...over }), re));
  }

  it('the fingerprint changes with room, identity, name and session, not with the ttl', () => {
    const f = claimsFingerprint(runtimeTokenClaims(base));
    assert.equal(claimsFingerprint(runtimeTokenClaims({ ...base, ttlSeconds: 600 })), f);
    for (const over of [{ room: 'x' }, { identity: 'y' }, { name: 'Z' }, { session: 'team-a/other' }])
      assert.notEqual(claimsFingerprint(runtimeTokenClaims({ ...base, ...over })), f, JSON.stringify(over));
  });
});

describe('mintRoomToken', () => {
  it('signs a token LiveKit verifies, with the grant, attributes and exp of the claims', async () => {
    const before = Date.now();
    const { token, expiresAtMs } = await mintRoomToken(creds, runtimeTokenClaims(base));
    const claims = await new TokenVerifier(creds.apiKey, creds.apiSecret).verify(token);
    assert.equal(claims.sub, 'browser-1');
    assert.equal(claims.iss, creds.apiKey);
    assert.equal(claims.video?.room, 'team-a-demo');
    assert.equal(claims.video?.roomJoin, true);
    assert.notEqual(claims.video?.roomAdmin, true);
    assert.notEqual(claims.video?.roomCreate, true);
    assert.deepEqual(claims.video?.canPublishSources, ['screen_share', 'screen_share_audio']);
    assert.equal(claims.attributes?.[BROWSER_ROLE_ATTRIBUTE], BROWSER_ROLE);
    assert.equal(expiresAtMs, tokenExpiryMs(token));
    assert.ok(expiresAtMs >= Math.floor(before / 1000) * 1000 + 3600_000, 'exp = issued + ttl');
    assert.ok(expiresAtMs <= Date.now() + 3600_000 + 1000);
    await assert.rejects(new TokenVerifier(creds.apiKey, 'another-secret-another-secret-another').verify(token));
  });
});

describe('needsRenewal', () => {
  const now = 1_000_000_000_000;
  const cases: [string, { fingerprint: string; expiresAtMs: number } | undefined, boolean][] = [
    ['no token yet', undefined, true],
    ['another room/identity', { fingerprint: 'other', expiresAtMs: now + 3600_000 }, true],
    ['plenty of life left', { fingerprint: 'f', expiresAtMs: now + 3600_000 }, false],
    ['just more than the margin left', { fingerprint: 'f', expiresAtMs: now + 1800_001 }, false],
    ['exactly the margin left', { fingerprint: 'f', expiresAtMs: now + 1800_000 }, true],
    ['expired', { fingerprint: 'f', expiresAtMs: now - 1 }, true],
  ];
  for (const [what, cur, want] of cases) {
    it(`${what} → ${want ? 'renew' : 'keep'}`, () => assert.equal(needsRenewal(cur, 'f', now, 1800_000), want));
  }
});
