// The example agent end to end: the runtime CLI (real engine) in a room of the real LiveKit server, the example
// site on 127.0.0.1, the agent with the scripted planner (filling the form, submitting, following the link,
// reading the code from the last screenshot). Checks the agent's answer and the page's final state.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { test } from 'node:test';
import { connect } from '@lkbrowser/client';
import { servePages, startSfu, withTimeout } from '@lkbrowser/testkit';
import { dispose, Room } from '@livekit/rtc-node';
import { AccessToken } from 'livekit-server-sdk';
import { FORM_PAGES, runAgent, ScriptedPlanner } from '../src/index.ts';

const REPO = new URL('../../../', import.meta.url).pathname;

test('the example agent completes the form task on the real runtime', { timeout: 240_000 }, async () => {
  const sfu = await startSfu();
  const pages = await servePages(FORM_PAGES);
  let runtime: ChildProcess | undefined;
  const room = new Room();
  try {
    runtime = spawn(process.execPath, [`${REPO}runtime/src/main.ts`], {
      env: {
        ...process.env,
        LIVEKIT_URL: sfu.url,
        LIVEKIT_API_KEY: sfu.apiKey,
        LIVEKIT_API_SECRET: sfu.apiSecret,
        LIVEKIT_ROOM: 'example-room',
        LKB_URL: `${pages.base}/form`,
        LKB_WIDTH: '800',
        LKB_HEIGHT: '600',
        LKB_AUDIO: 'false',
        LKB_NAV_ALLOW_PRIVATE_NETWORKS: 'true',
        LKB_FOCUS_AGENT_IDENTITIES: 'agent-*',
        LKB_METRICS_PORT: '0',
        LKB_METRICS_HOST: '127.0.0.1',
        LKB_LOG_LEVEL: process.env.LKB_TEST_LOG_LEVEL ?? 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const at = new AccessToken(sfu.apiKey, sfu.apiSecret, { identity: 'agent-example', ttl: 600 });
    at.addGrant({ room: 'example-room', roomJoin: true, canPublish: false, canPublishData: true, canSubscribe: false });
    await withTimeout(
      'agent connect',
      room.connect(sfu.url, await at.toJwt(), { autoSubscribe: false, dynacast: false }),
      30_000,
    );
    let b: Awaited<ReturnType<typeof connect>> | undefined;
    for (let i = 0; i < 180 && !b; i++) {
      try {
        b = await connect(room, 'browser', { timeoutMs: 5000 });
      } catch (e) {
        if (i === 179) throw e;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    assert.ok(b);
    await b.acquireFocus(30_000);
    await b.run([{ type: 'wait_for_load' }]);
    const run = await withTimeout(
      'agent run',
      runAgent(b, new ScriptedPlanner({ name: 'Ada', city: 'Lyon' }), { model: { width: 640, height: 480 } }),
      180_000,
    );
    assert.equal(run.result, 'code 21', 'the code read from the screenshot (7 × len("Ada"))');
    const st = await b.status();
    assert.match(st.url, /\/done\?code=21$/);
    assert.equal(st.focusHolder, null, 'the agent released focus when done');
    b.close();
  } finally {
    await room.disconnect();
    if (runtime && runtime.exitCode === null) {
      const exited = new Promise<void>((r) => runtime?.once('exit', () => r()));
      runtime.kill('SIGTERM');
      const t = setTimeout(() => runtime?.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    await pages.close();
    await sfu.close();
    await dispose();
  }
});
