// The engine host's environment is built from scratch: credentials in the runtime's environment never reach it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostEnvironment } from '../src/host-env.ts';

test('only allowlisted variables are copied; PATH has a default', () => {
  assert.deepEqual(
    hostEnvironment({
      PATH: '/bin',
      LANG: 'C.UTF-8',
      LIVEKIT_API_SECRET: 's3cr3t',
      LIVEKIT_TOKEN: 'a.b.c',
      LKB_TOKEN_FILE: '/t',
      HOME: '/root',
      NODE_OPTIONS: '--require x',
      LD_PRELOAD: '/x.so',
      TZ: '',
    }),
    { PATH: '/bin', LANG: 'C.UTF-8' },
  );
  assert.deepEqual(hostEnvironment({}), { PATH: '/usr/local/bin:/usr/bin:/bin' });
  assert.deepEqual(hostEnvironment({ LKB_HOST_DEBUG: '1', TMPDIR: '/scratch' }), {
    LKB_HOST_DEBUG: '1',
    TMPDIR: '/scratch',
    PATH: '/usr/local/bin:/usr/bin:/bin',
  });
});
