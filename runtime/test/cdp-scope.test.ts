// CdpScope and the bearer rule: table tests of what an automation client may send and hear (the real Playwright
// path is automation-engine.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bearerMatches, tokenProblem } from '../src/automation/bearer.ts';
import { CdpScope, parseClientFrame } from '../src/automation/cdp-scope.ts';

const PAGE = 'PAGE-TARGET';

/** A scope whose connection is attached to the page as session S (as Chromium announces it). */
function attached(): CdpScope {
  const s = new CdpScope(PAGE);
  const v = s.fromBrowser(
    { method: 'Target.attachedToTarget', params: { sessionId: 'S', targetInfo: { targetId: PAGE, type: 'page' } } },
    undefined,
  );
  assert.equal(v.kind, 'forward');
  return s;
}

test('client requests: allowed, rewritten, refused', () => {
  const cases: Array<[string, Record<string, unknown>, string | undefined, string]> = [
    ['Browser.getVersion', {}, undefined, 'forward'],
    ['Target.getTargets', {}, undefined, 'forward'],
    ['Target.setAutoAttach', { autoAttach: true, flatten: false }, undefined, 'forward'],
    ['Target.attachToTarget', { targetId: PAGE }, undefined, 'forward'],
    ['Target.attachToTarget', { targetId: 'OTHER' }, undefined, 'refuse'],
    ['Target.attachToBrowserTarget', {}, undefined, 'refuse'],
    ['Target.createTarget', { url: 'about:blank' }, undefined, 'refuse'],
    ['Target.closeTarget', { targetId: PAGE }, undefined, 'refuse'],
    ['Target.createBrowserContext', {}, undefined, 'refuse'],
    ['Target.exposeDevToolsProtocol', { targetId: PAGE }, undefined, 'refuse'],
    ['Browser.close', {}, undefined, 'refuse'],
    ['Browser.crash', {}, undefined, 'refuse'],
    ['Browser.getBrowserCommandLine', {}, undefined, 'refuse'],
    ['Browser.setWindowBounds', { windowId: 1, bounds: {} }, undefined, 'refuse'],
    ['Runtime.evaluate', { expression: '1' }, undefined, 'refuse'], // no page on the browser connection
    ['Runtime.evaluate', { expression: '1' }, 'S', 'forward'],
    ['Runtime.evaluate', { expression: '1' }, 'OTHER-SESSION', 'refuse'],
    ['Input.dispatchMouseEvent', { type: 'mouseMoved', x: 1, y: 1 }, 'S', 'forward'],
    ['Page.navigate', { url: 'https://example.com' }, 'S', 'navigate'],
    ['Page.navigate', {}, 'S', 'refuse'],
    ['Page.close', {}, 'S', 'refuse'],
    ['Page.crash', {}, 'S', 'refuse'],
    ['DOM.setFileInputFiles', { files: ['/etc/passwd'] }, 'S', 'refuse'],
    ['Network.loadNetworkResource', { url: 'file:///etc/passwd' }, 'S', 'refuse'],
    ['Browser.getVersion', {}, 'S', 'refuse'],
    ['Target.createTarget', { url: 'about:blank' }, 'S', 'refuse'],
    ['Tethering.bind', { port: 1 }, 'S', 'refuse'],
    ['SystemInfo.getProcessInfo', {}, 'S', 'refuse'],
    ['Extensions.loadUnpacked', { path: '/' }, 'S', 'refuse'],
    ['Target.detachFromTarget', { sessionId: 'S' }, undefined, 'forward'],
    ['Target.detachFromTarget', { sessionId: 'X' }, undefined, 'refuse'],
  ];
  for (const [method, params, sessionId, want] of cases) {
    const v = attached().fromClient({ id: 1, method, params, ...(sessionId ? { sessionId } : {}) });
    assert.equal(v.kind, want, `${method} on ${sessionId ?? 'browser'}`);
  }
});

test('download behaviour is forced to deny; auto-attach and attach are forced flat', () => {
  const s = attached();
  const d = s.fromClient({
    id: 1,
    method: 'Browser.setDownloadBehavior',
    params: { behavior: 'allowAndName', downloadPath: '/tmp/x', browserContextId: 'C', eventsEnabled: true },
  });
  assert.deepEqual(d.kind === 'forward' && d.request.params, {
    behavior: 'deny',
    browserContextId: 'C',
    eventsEnabled: true,
  });
  const p = s.fromClient({ id: 2, method: 'Page.setDownloadBehavior', params: { behavior: 'allow' }, sessionId: 'S' });
  assert.deepEqual(p.kind === 'forward' && p.request.params, { behavior: 'deny' });
  const a = s.fromClient({ id: 3, method: 'Target.setAutoAttach', params: { autoAttach: true, flatten: false } });
  assert.equal(a.kind === 'forward' && a.request.params.flatten, true);
});

test('what the client hears: the page and its children only', () => {
  const s = new CdpScope(PAGE);
  // Another page at the browser level: released, never announced.
  assert.deepEqual(
    s.fromBrowser(
      {
        method: 'Target.attachedToTarget',
        params: { sessionId: 'O', targetInfo: { targetId: 'OTHER', type: 'page' } },
      },
      undefined,
    ),
    { kind: 'release', sessionId: 'O' },
  );
  assert.equal(
    s.fromBrowser({ method: 'Runtime.consoleAPICalled', params: {}, sessionId: 'O' }, undefined).kind,
    'drop',
  );
  assert.equal(
    s.fromBrowser({ method: 'Target.targetCreated', params: { targetInfo: { targetId: 'OTHER' } } }, undefined).kind,
    'drop',
  );
  // The page, then an iframe under it: both in scope.
  s.fromBrowser(
    { method: 'Target.attachedToTarget', params: { sessionId: 'S', targetInfo: { targetId: PAGE, type: 'page' } } },
    undefined,
  );
  const child = s.fromBrowser(
    {
      method: 'Target.attachedToTarget',
      params: { sessionId: 'F', targetInfo: { targetId: 'FRAME', type: 'iframe' } },
      sessionId: 'S',
    },
    undefined,
  );
  assert.equal(child.kind, 'forward');
  assert.equal(s.fromClient({ id: 9, method: 'Runtime.enable', params: {}, sessionId: 'F' }).kind, 'forward');
  // Target.getTargets replies are filtered to the scope.
  s.fromClient({ id: 10, method: 'Target.getTargets', params: {} });
  const r = s.fromBrowser(
    { id: 77, result: { targetInfos: [{ targetId: 'OTHER' }, { targetId: PAGE }, { targetId: 'FRAME' }] } },
    10,
  );
  assert.deepEqual(r.kind === 'forward' && r.message, {
    id: 10,
    result: { targetInfos: [{ targetId: PAGE }, { targetId: 'FRAME' }] },
  });
  // A reply to the proxy's own request (no client id) is not the client's.
  assert.equal(s.fromBrowser({ id: 78, result: {} }, undefined).kind, 'drop');
  // Detached: the session leaves the scope.
  s.fromBrowser({ method: 'Target.detachedFromTarget', params: { sessionId: 'F' }, sessionId: 'S' }, undefined);
  assert.equal(s.fromClient({ id: 11, method: 'Runtime.enable', params: {}, sessionId: 'F' }).kind, 'refuse');
});

test('client frames: JSON objects with an id and Domain.method', () => {
  assert.equal(parseClientFrame('{"id":1,"method":"Page.enable"}').ok, true);
  for (const bad of ['nope', '[]', '{"method":"Page.enable"}', '{"id":-1,"method":"Page.enable"}']) {
    assert.deepEqual(parseClientFrame(bad).ok, false, bad);
  }
  const noMethod = parseClientFrame('{"id":3,"method":"../x"}');
  assert.equal(!noMethod.ok && noMethod.id, 3);
  assert.equal(parseClientFrame('{"id":3,"method":"Page.enable","params":[]}').ok, false);
  assert.equal(parseClientFrame('{"id":3,"method":"Page.enable","sessionId":5}').ok, false);
});

test('bearer: exact token, constant-time, long enough', () => {
  const t = 'x'.repeat(32);
  assert.equal(bearerMatches(`Bearer ${t}`, t), true);
  assert.equal(bearerMatches(`Bearer ${t}y`, t), false);
  assert.equal(bearerMatches(`bearer ${t}`, t), false);
  assert.equal(bearerMatches(undefined, t), false);
  assert.equal(bearerMatches('Bearer short', 'short'), false);
  assert.match(String(tokenProblem('short')), /shorter/);
  assert.match(String(tokenProblem(`${'a'.repeat(30)} b`)), /white space/);
});
