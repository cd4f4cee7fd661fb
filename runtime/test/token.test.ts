import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BROWSER_ROLE_ATTRIBUTE as OPERATOR_ROLE_ATTRIBUTE, BROWSER_ROLE as OPERATOR_ROLE } from '@lkbrowser/operator';
import { BROWSER_ROLE, BROWSER_ROLE_ATTRIBUTE } from '@lkbrowser/protocol';
import { TokenVerifier } from 'livekit-server-sdk';
import { parseConfig, type RuntimeConfig } from '../src/config.ts';
import { MINTED_TOKEN_TTL_SECONDS, resolveToken } from '../src/token.ts';

function cfg(env: Record<string, string>): RuntimeConfig {
  const r = parseConfig(env, []);
  if (r.kind !== 'ok') throw new Error(r.kind === 'error' ? r.message : 'help');
  return r.config;
}

test('a given token is used as is', async () => {
  assert.equal(await resolveToken(cfg({ LIVEKIT_URL: 'ws://x', LIVEKIT_TOKEN: 'abc' })), 'abc');
});

test('minted token: identity, name, one room, screen-share sources only, data, no subscribe, 10 min', async () => {
  const jwt = await resolveToken(
    cfg({
      LIVEKIT_URL: 'ws://x',
      LIVEKIT_ROOM: 'room-1',
      LIVEKIT_API_KEY: 'key',
      LIVEKIT_API_SECRET: 'secret-secret',
      LIVEKIT_IDENTITY: 'b1',
      LIVEKIT_NAME: 'Browser',
    }),
  );
  const claims = await new TokenVerifier('key', 'secret-secret').verify(jwt);
  assert.equal(claims.sub, 'b1');
  assert.equal(claims.name, 'Browser');
  assert.deepEqual(claims.video, {
    roomJoin: true,
    room: 'room-1',
    canPublish: true,
    canPublishSources: ['screen_share', 'screen_share_audio'],
    canPublishData: true,
    canSubscribe: false,
    canUpdateOwnMetadata: false,
  });
  // Viewers adopt only a participant with the role attribute (protocol/src/browser-pin.ts).
  assert.deepEqual(claims.attributes, { [BROWSER_ROLE_ATTRIBUTE]: BROWSER_ROLE });
  const ttl = (claims.exp ?? 0) - (claims.nbf ?? 0);
  assert.ok(Math.abs(ttl - MINTED_TOKEN_TTL_SECONDS) <= 1, `ttl ${ttl}`);
  await assert.rejects(new TokenVerifier('key', 'other-secret').verify(jwt));
});

test("the operator's runtime tokens carry the role attribute the viewers and clients check", () => {
  assert.equal(OPERATOR_ROLE_ATTRIBUTE, BROWSER_ROLE_ATTRIBUTE);
  assert.equal(OPERATOR_ROLE, BROWSER_ROLE);
});
