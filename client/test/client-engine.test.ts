// @lkbrowser/client against a real runtime (RoomSession on the real engine) through the test SFU: focus and
// pre-emption of an agent by a human, the actions API filling and submitting a form, typed errors, screenshots
// (lossless PNG over a byte stream, access rule), agent-status.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitFor, withTimeout } from '@lkbrowser/testkit';
import type { Room } from '@livekit/rtc-node';
import sharp from 'sharp';
import { type BrowserClient, BrowserError, connect } from '../src/index.ts';
import { join, type Runtime, startRuntime } from './fixture.ts';
import { FORM_PAGES } from './pages.ts';

const ROOM = 'client-room';
let rt: Runtime;
let agentRoom: Room;
let humanRoom: Room;
let agent: BrowserClient;
let human: BrowserClient;

before(async () => {
  rt = await startRuntime({ room: ROOM, pages: FORM_PAGES, start: '/form', focusAgents: ['agent-*'] });
  agentRoom = await join(rt.server, ROOM, 'agent-1');
  humanRoom = await join(rt.server, ROOM, 'alice');
  agent = await withTimeout('agent connect', connect(agentRoom, 'browser'), 20_000);
  human = await withTimeout('human connect', connect(humanRoom, 'browser'), 20_000);
});

after(async () => {
  agent?.close();
  human?.close();
  await agentRoom?.disconnect();
  await humanRoom?.disconnect();
  await rt?.close();
});

const pageEval = <T>(expr: string) => rt.page.evaluate<T>(expr);

test('connect refuses a participant without the runtime role attribute (not_browser)', {
  timeout: 60_000,
}, async () => {
  const impostor = await join(rt.server, ROOM, 'impostor');
  try {
    await waitFor('the agent sees the impostor', () => agentRoom.remoteParticipants.has('impostor'), 20_000);
    await assert.rejects(
      connect(agentRoom, 'impostor'),
      (e: unknown) => e instanceof BrowserError && e.kind === 'not_browser',
    );
  } finally {
    await impostor.disconnect();
  }
});

test('connect reads the status; actions without focus are refused as not_focused', { timeout: 60_000 }, async () => {
  assert.deepEqual(agent.viewport, { width: 800, height: 600 });
  assert.match(agent.url, /\/form$/);
  await assert.rejects(
    agent.click(10, 10),
    (e: unknown) => e instanceof BrowserError && e.kind === 'not_focused' && e.code === 2001,
  );
});

test('the agent fills and submits the form with one batch; results per action; waitFrame', {
  timeout: 90_000,
}, async () => {
  const gained = agent.once('focus-gained');
  assert.deepEqual(await agent.requestFocus(), { granted: true, holder: 'agent-1' });
  await withTimeout('focus-gained', gained, 10_000);
  await waitFor('human sees the agent holding focus', () => human.focusHolder === 'agent-1', 10_000);
  await waitFor('form loaded', async () => (await pageEval<string>('document.readyState')) === 'complete', 20_000);
  const r = await agent.run(
    [
      { type: 'left_click', x: 250, y: 125 },
      { type: 'type', text: 'Adx' },
      { type: 'key', keys: 'BackSpace' },
      { type: 'type', text: 'a' },
      { type: 'key', keys: 'Tab' },
      { type: 'type', text: 'Paris' },
      { type: 'key', keys: 'ctrl+a' },
      { type: 'type', text: 'Lyon' },
      { type: 'cursor_position' },
    ],
    { waitFrame: true },
  );
  assert.equal(r.results.length, 9);
  assert.ok(r.results.every((x) => x.ok));
  assert.deepEqual(r.results[8], { ok: true, x: 250, y: 125 });
  assert.ok(r.frame && r.frame.seq > 0 && r.frame.width === 800, JSON.stringify(r.frame));
  assert.equal(await pageEval('document.getElementById("name").value'), 'Ada');
  assert.equal(await pageEval('document.getElementById("city").value'), 'Lyon');
  const sub = await agent.run([
    { type: 'key', keys: 'Return' },
    { type: 'wait_for_settle', quietMs: 200, timeoutMs: 8000 },
  ]);
  assert.match(sub.url, /\/result\?name=Ada&city=Lyon$/);
  await waitFor('agent sees browser-url', () => /\/result/.test(agent.url), 10_000);
  assert.equal(await pageEval('document.getElementById("out").textContent'), 'Hello Ada from Lyon');
});

test('a bad batch is refused whole (bad_request, nothing applied); a failing action skips the rest', {
  timeout: 60_000,
}, async () => {
  await assert.rejects(
    agent.actions([
      { type: 'key', keys: 'Tab' },
      { type: 'left_click', x: 5000, y: 1 },
    ]),
    (e: unknown) => e instanceof BrowserError && e.kind === 'bad_request' && /actions\[1\]/.test(e.message),
  );
  const r = await agent.actions([
    { type: 'navigate', url: 'file:///etc/passwd' },
    { type: 'key', keys: 'Tab' },
  ]);
  assert.equal(r.results[0]?.ok, false);
  assert.equal(!r.results[0]?.ok && r.results[0]?.code, 2002);
  assert.equal(!r.results[1]?.ok && r.results[1]?.code, 2008);
  assert.match(await pageEval<string>('location.href'), /\/result/);
});

test('screenshots: PNG of the page for the holder, refused to others; region and scale', {
  timeout: 60_000,
}, async () => {
  await assert.rejects(human.screenshot(), (e: unknown) => e instanceof BrowserError && e.kind === 'forbidden');
  const s = await agent.screenshot();
  assert.equal(s.mimeType, 'image/png');
  assert.equal(s.title, 'Result');
  assert.match(s.url, /\/result/);
  assert.deepEqual(s.viewport, { width: 800, height: 600 });
  assert.equal(s.devicePixelRatio, 1);
  const img = await sharp(s.png).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([img.info.width, img.info.height], [800, 600]);
  const px = (x: number, y: number) => [...img.data.subarray((y * 800 + x) * 3, (y * 800 + x) * 3 + 3)];
  assert.deepEqual(px(20, 20), [0, 0, 255], 'the blue mark, exact (lossless)');
  assert.deepEqual(px(700, 500), [255, 255, 255]);
  const part = await agent.screenshot({ region: { x: 0, y: 0, width: 80, height: 40 }, scale: 0.5 });
  assert.deepEqual([part.width, part.height], [40, 20]);
  const meta = await sharp(part.png).metadata();
  assert.deepEqual([meta.width, meta.height], [40, 20]);
});

test('a human pre-empts the agent (human-takeover notice); the agent resumes when focus returns', {
  timeout: 90_000,
}, async () => {
  const statuses: string[] = [];
  human.on('agent-status', (s) => {
    if (s.identity === 'agent-1') statuses.push(s.status);
  });
  await agent.setAgentStatus('acting');
  await waitFor('human sees agent-status acting', () => statuses.includes('acting'), 10_000);
  const lost = agent.once('focus-lost');
  assert.deepEqual(await human.requestFocus(), { granted: true, holder: 'alice' });
  const [notice] = await withTimeout('focus-lost', lost, 10_000);
  assert.deepEqual(notice, { by: 'alice', reason: 'human-takeover' });
  await assert.rejects(agent.key('Tab'), (e: unknown) => e instanceof BrowserError && e.kind === 'not_focused');
  assert.equal((await agent.requestFocus()).granted, false, 'an agent cannot take focus back from a human');
  await agent.setAgentStatus('paused');
  const back = agent.acquireFocus(30_000);
  await human.releaseFocus();
  await withTimeout('agent re-acquires focus', back, 30_000);
  assert.equal(agent.hasFocus, true);
  await agent.run([
    { type: 'left_click', x: 250, y: 330 },
    { type: 'wait_for_settle', quietMs: 200, timeoutMs: 8000 },
  ]);
  assert.match(await pageEval<string>('location.href'), /\/done\?code=21$/);
  await waitFor('human sees agent-status paused', () => statuses.includes('paused'), 10_000);
});
