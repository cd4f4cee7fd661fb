// The viewer pins the browser's identity (protocol/src/browser-pin.ts) in real headless Chromium against the room
// server of the run (the real livekit-server unless LKB_TEST_SFU=testserver). Impostors publish `browser-video` and
// answer the browser's RPCs like the runtime does: one without the role attribute, one that sets
// `lkbrowser.dev/role=browser` on itself (its token allows canUpdateOwnMetadata), one whose token carries it (say,
// another session's runtime), joining before and after the real browser. None of them ever receives an input
// packet or an RPC, and none is adopted while the real browser is away (runtime restart); the real identity is.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, test } from 'node:test';
import { dispose } from '@livekit/rtc-node';
import { BROWSER_ROLE, BROWSER_ROLE_ATTRIBUTE } from '@lkbrowser/protocol';
import { type Sfu, startSfu, waitFor } from '@lkbrowser/testkit';
import type { Page } from 'playwright-core';
import { closeServer, startViewerServer } from '../../scripts/demo.ts';
import { H, ScriptedBrowser, W } from './scripted-browser.ts';
import {
  buildViewer,
  type LaunchedBrowser,
  launchBrowser,
  openViewerPage,
  releaseLeakedUdp,
  screenPoint,
  waitForVideo,
} from './support.ts';

const ROLE = { [BROWSER_ROLE_ATTRIBUTE]: BROWSER_ROLE };

let server: Sfu;
let b: LaunchedBrowser;
const peers: ScriptedBrowser[] = [];
const viewerServers: Server[] = [];

before(async () => {
  buildViewer();
  server = await startSfu();
  b = await launchBrowser();
});

after(async () => {
  await b?.close();
  for (const p of peers) await p.stop();
  for (const s of viewerServers) await closeServer(s);
  await server?.close();
  await dispose();
  releaseLeakedUdp();
});

async function join(
  room: string,
  identity: string,
  opts: { tokenAttributes?: Record<string, string>; selfAttributes?: Record<string, string> } = {},
): Promise<ScriptedBrowser> {
  const p = new ScriptedBrowser({ room, identity, ...opts });
  peers.push(p);
  await p.start(server);
  return p;
}

async function viewerFor(room: string): Promise<string> {
  const vs = await startViewerServer(0, { url: server.url, apiKey: server.apiKey, apiSecret: server.apiSecret }, room);
  viewerServers.push(vs.server);
  return vs.url;
}

/** The viewer's room lists `identity` publishing browser-video, with the role attribute when `role`. */
async function viewerSees(page: Page, identity: string, role: boolean): Promise<void> {
  await waitFor(
    `viewer sees ${identity}'s browser-video${role ? ' and role attribute' : ''}`,
    () =>
      page.evaluate(
        ([id, attr, wantRole]) => {
          const p = window.lkbViewer?.client.room.remoteParticipants.get(id);
          if (!p || ![...p.trackPublications.values()].some((t) => t.trackName === 'browser-video')) return false;
          return !wantRole || p.attributes[attr] === 'browser';
        },
        [identity, BROWSER_ROLE_ATTRIBUTE, role] as const,
      ),
    30_000,
  );
}

const pinned = (page: Page) =>
  page.evaluate(() => ({
    pinned: window.lkbViewer?.client.pinnedBrowser ?? null,
    browser: window.lkbViewer?.client.browser ?? null,
  }));

/** Take control, click and type: returns once `real` has the click and the key. */
async function drive(page: Page, real: ScriptedBrowser, viewer: string): Promise<void> {
  await page.click('.lkb-focus');
  await waitFor(
    'focus granted',
    async () => (await page.textContent('.lkb-focus-label')) === 'you have control',
    15_000,
  );
  assert.equal(real.holder, viewer);
  const pt = await screenPoint(page, 100, 80, { width: W, height: H });
  await page.mouse.click(pt.x, pt.y);
  await page.keyboard.type('q');
  await waitFor(
    'click and key reach the real browser',
    () => real.events(viewer).some((e) => e.type === 'mouseup') && real.events(viewer).some((e) => e.type === 'keyup'),
    15_000,
  );
}

function assertUntouched(impostors: ScriptedBrowser[]): void {
  for (const i of impostors) {
    assert.deepEqual(i.input, [], `${i.identity} received input`);
    assert.deepEqual(i.rpcCalls, [], `${i.identity} received RPCs`);
  }
}

test('no identity configured: only the attested browser is adopted, then pinned across its restart', {
  timeout: 180_000,
}, async () => {
  const room = 'pin-unconfigured';
  const url = await viewerFor(room);
  // Joins before the real browser, publishes browser-video, has no role attribute.
  const early = await join(room, 'impostor-early', { tokenAttributes: {} });
  const page = await openViewerPage(b.context, url, 'alice');
  await viewerSees(page, 'impostor-early', false);
  assert.deepEqual(await pinned(page), { pinned: null, browser: null });

  let real = await join(room, 'browser');
  await waitForVideo(page);
  assert.deepEqual(await pinned(page), { pinned: 'browser', browser: 'browser' });

  // Joins after the real browser and gives itself the role attribute (its token allows metadata updates).
  const late = await join(room, 'impostor-late', { tokenAttributes: {}, selfAttributes: ROLE });
  await viewerSees(page, 'impostor-late', true);
  await drive(page, real, 'alice');
  assert.deepEqual(await pinned(page), { pinned: 'browser', browser: 'browser' });

  // The runtime restarts: while it is away the attested impostor is not adopted; the same identity is again.
  await real.stop();
  await waitFor('viewer saw the browser leave', async () => (await pinned(page)).browser === null, 30_000);
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(await pinned(page), { pinned: 'browser', browser: null });
  await page.keyboard.type('z'); // nobody to send it to
  real = await join(room, 'browser');
  await waitFor('the restarted browser is adopted', async () => (await pinned(page)).browser === 'browser', 30_000);
  await waitForVideo(page);
  await waitFor(
    'focus state reset',
    async () => (await page.textContent('.lkb-focus-label')) !== 'you have control',
    15_000,
  );
  await drive(page, real, 'alice');
  assertUntouched([early, late]);
  await page.close();
});

test('identity configured (?browser=): attested impostors joining first are never adopted', {
  timeout: 180_000,
}, async () => {
  const room = 'pin-configured';
  const url = await viewerFor(room);
  const selfSet = await join(room, 'impostor-self', { tokenAttributes: {}, selfAttributes: ROLE });
  // Its token carries the role (another session's runtime, or a token minted with the API key).
  const minted = await join(room, 'impostor-minted', { tokenAttributes: ROLE });
  const page = await openViewerPage(b.context, url, 'bob', { browser: 'browser' });
  await viewerSees(page, 'impostor-self', true);
  await viewerSees(page, 'impostor-minted', true);
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(await pinned(page), { pinned: null, browser: null });
  assert.equal(await page.evaluate(() => document.querySelector('video')?.videoWidth ?? 0), 0, 'no impostor video');

  const real = await join(room, 'browser');
  await waitForVideo(page);
  assert.deepEqual(await pinned(page), { pinned: 'browser', browser: 'browser' });
  await drive(page, real, 'bob');
  assertUntouched([selfSet, minted]);
  await page.close();
});
