// CdpMux, the decisions: id remapping, routing of replies and events to their owner, isolation between two clients
// and the engine, client disconnect, bounds. The browser side is scripted here (what Chromium sends, in Chromium's
// order: an attach event before the reply naming the session); cdp-mux-chromium.test.ts runs the same mux against
// a real Chromium pipe.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { CdpChannel, CdpMessage } from '../src/cdp/channel.ts';
import { CdpMux, SESSION_NOT_FOUND } from '../src/cdp/cdp-mux.ts';

const logger = pino({ level: 'silent' });

interface Rig {
  mux: CdpMux;
  /** Commands the mux wrote to the browser, parsed. */
  written: CdpMessage[];
  /** What the engine heard. */
  engine: CdpMessage[];
  last: () => CdpMessage;
  reply: (to: CdpMessage, result: Record<string, unknown>) => void;
  event: (method: string, params: Record<string, unknown>, sessionId?: string) => void;
}

function rig(opts: { maxClientMessageBytes?: number; maxPending?: number } = {}): Rig {
  const written: CdpMessage[] = [];
  const mux = new CdpMux({ logger, write: (t) => written.push(JSON.parse(t) as CdpMessage), ...opts });
  const engine: CdpMessage[] = [];
  mux.engine.on('message', (m) => engine.push(m));
  const last = (): CdpMessage => {
    const m = written.at(-1);
    assert.ok(m, 'the mux wrote something');
    return m;
  };
  return {
    mux,
    written,
    engine,
    last,
    reply: (to, result) => {
      const m: CdpMessage = { id: to.id, result };
      if (to.sessionId !== undefined) m.sessionId = to.sessionId;
      mux.receive(JSON.stringify(m));
    },
    event: (method, params, sessionId) =>
      mux.receive(JSON.stringify(sessionId === undefined ? { method, params } : { method, params, sessionId })),
  };
}

/** Opens a client, answering as Chromium does (attach event on the parent first, then the reply). */
async function open(r: Rig, sessionId: string): Promise<{ ch: CdpChannel; heard: CdpMessage[] }> {
  const p = r.mux.openClient();
  await new Promise((res) => setImmediate(res));
  if (r.last().sessionId === undefined && r.last().method === 'Target.attachToBrowserTarget') {
    // the mux's own hub session, first
    const hubCmd = r.last();
    r.event('Target.attachedToTarget', { sessionId: 'HUB', targetInfo: { targetId: 'b0', type: 'browser' } });
    r.reply(hubCmd, { sessionId: 'HUB' });
    await new Promise((res) => setImmediate(res));
  }
  const cmd = r.last();
  assert.equal(cmd.method, 'Target.attachToBrowserTarget');
  assert.equal(cmd.sessionId, 'HUB', 'client sessions hang under the hub');
  r.event('Target.attachedToTarget', { sessionId, targetInfo: { targetId: 'b1', type: 'browser' } }, 'HUB');
  r.reply(cmd, { sessionId });
  const ch = await p;
  const heard: CdpMessage[] = [];
  ch.on('message', (m) => heard.push(m));
  return { ch, heard };
}

describe('CdpMux', () => {
  it('engine commands pass with their ids remapped; replies come back under the engine id', () => {
    const r = rig();
    r.mux.engine.send({ id: 1, method: 'Target.getTargets', params: {} });
    const out = r.last();
    assert.equal(out.method, 'Target.getTargets');
    assert.equal(out.sessionId, undefined);
    r.reply(out, { targetInfos: [] });
    assert.deepEqual(r.engine, [{ id: 1, result: { targetInfos: [] } }]);
    r.reply(out, { again: true }); // a second reply for the same id: nobody waits for it
    assert.equal(r.engine.length, 1);
  });

  it('a client is a browser connection of its own: its root session is implicit both ways', async () => {
    const r = rig();
    const a = await open(r, 'A');
    assert.deepEqual(r.engine, [], 'the engine hears nothing of the hub or client sessions');
    a.ch.send({ id: 1, method: 'Browser.getVersion' });
    const out = r.last();
    assert.equal(out.sessionId, 'A');
    assert.notEqual(out.id, 1);
    r.reply(out, { product: 'Chrome' });
    assert.deepEqual(a.heard, [{ id: 1, result: { product: 'Chrome' } }]);
    r.event('Target.targetCreated', { targetInfo: { targetId: 't' } }, 'A');
    assert.deepEqual(a.heard[1], { method: 'Target.targetCreated', params: { targetInfo: { targetId: 't' } } });
  });

  it('same ids from the engine and two clients never collide; each reply reaches its sender only', async () => {
    const r = rig();
    const a = await open(r, 'A');
    const b = await open(r, 'B');
    r.mux.engine.send({ id: 7, method: 'X.a' });
    const e = r.last();
    a.ch.send({ id: 7, method: 'X.b' });
    const ca = r.last();
    b.ch.send({ id: 7, method: 'X.c' });
    const cb = r.last();
    assert.equal(new Set([e.id, ca.id, cb.id]).size, 3);
    r.reply(cb, { who: 'b' });
    r.reply(e, { who: 'e' });
    r.reply(ca, { who: 'a' });
    assert.deepEqual(a.heard, [{ id: 7, result: { who: 'a' } }]);
    assert.deepEqual(b.heard, [{ id: 7, result: { who: 'b' } }]);
    assert.deepEqual(r.engine, [{ id: 7, result: { who: 'e' } }]);
  });

  it('sessions created under a client are its own; nobody else can see or address them', async () => {
    const r = rig();
    const a = await open(r, 'A');
    const b = await open(r, 'B');
    // the engine attaches to the page: E is the engine's
    r.mux.engine.send({ id: 1, method: 'Target.attachToTarget', params: { targetId: 'page', flatten: true } });
    const ea = r.last();
    r.event('Target.attachedToTarget', { sessionId: 'E', targetInfo: { targetId: 'page', type: 'page' } });
    r.reply(ea, { sessionId: 'E' });
    // client A attaches to the same page: P is A's (learnt from the reply)
    a.ch.send({ id: 1, method: 'Target.attachToTarget', params: { targetId: 'page', flatten: true } });
    const aa = r.last();
    r.reply(aa, { sessionId: 'P' });
    // and auto-attach under P announces a worker W: A's too
    r.event('Target.attachedToTarget', { sessionId: 'W', targetInfo: { targetId: 'w', type: 'worker' } }, 'P');
    const n = r.written.length;
    for (const [ch, heard] of [
      [b.ch, b.heard],
      [r.mux.engine, r.engine],
    ] as const) {
      for (const sid of ['P', 'W', 'A', 'HUB', ...(ch === b.ch ? ['E'] : ['B'])]) {
        const before = heard.length;
        ch.send({ id: 99, method: 'Runtime.evaluate', params: { expression: '1' }, sessionId: sid });
        assert.deepEqual(heard.slice(before), [{ id: 99, error: SESSION_NOT_FOUND, sessionId: sid }], sid);
      }
    }
    assert.equal(r.written.length, n, 'nothing of that reached the browser');
    // events of a session go to its owner only
    const heardA = a.heard.length;
    const heardB = b.heard.length;
    const heardE = r.engine.length;
    r.event('Runtime.consoleAPICalled', { type: 'log' }, 'P');
    r.event('Runtime.consoleAPICalled', { type: 'log' }, 'W');
    r.event('Runtime.consoleAPICalled', { type: 'log' }, 'E');
    assert.deepEqual(
      a.heard.slice(heardA).map((m) => m.sessionId),
      ['P', 'W'],
    );
    assert.equal(b.heard.length, heardB);
    assert.deepEqual(
      r.engine.slice(heardE).map((m) => m.sessionId),
      ['E'],
    );
    // A may use its own sessions
    a.ch.send({ id: 2, method: 'Runtime.evaluate', params: { expression: '1' }, sessionId: 'W' });
    assert.equal(r.last().sessionId, 'W');
  });

  it('a client that disconnects is detached; what comes later for it is dropped; others go on', async () => {
    const r = rig();
    const a = await open(r, 'A');
    const b = await open(r, 'B');
    a.ch.send({ id: 1, method: 'Target.attachToTarget', params: { targetId: 'page', flatten: true } });
    r.reply(r.last(), { sessionId: 'P' });
    a.ch.send({ id: 2, method: 'Runtime.evaluate', params: {}, sessionId: 'P' });
    const pendingForA = r.last();
    const routed = r.mux.routedSessions;
    let closed = '';
    a.ch.on('close', (why) => {
      closed = why;
    });
    a.ch.close();
    assert.equal(closed, 'closed by client');
    const detach = r.last();
    assert.equal(detach.method, 'Target.detachFromTarget');
    assert.deepEqual(detach.params, { sessionId: 'A' });
    assert.equal(detach.sessionId, 'HUB');
    assert.equal(r.mux.routedSessions, routed - 2, 'A and P are forgotten');
    assert.equal(r.mux.clientCount, 1);
    const heard = a.heard.length;
    r.reply(pendingForA, { late: true });
    r.event('Runtime.consoleAPICalled', {}, 'P');
    r.event('Target.detachedFromTarget', { sessionId: 'A' }, 'HUB');
    r.reply(detach, {});
    assert.equal(a.heard.length, heard);
    assert.deepEqual(r.engine, []);
    b.ch.send({ id: 3, method: 'Browser.getVersion' });
    r.reply(r.last(), { ok: 1 });
    assert.deepEqual(b.heard.at(-1), { id: 3, result: { ok: 1 } });
  });

  it('Chromium detaching a client session ends that client; a detached child is forgotten', async () => {
    const r = rig();
    const a = await open(r, 'A');
    const b = await open(r, 'B');
    b.ch.send({ id: 1, method: 'Target.attachToTarget', params: { targetId: 'page', flatten: true } });
    r.reply(r.last(), { sessionId: 'Q' });
    r.event('Target.detachedFromTarget', { sessionId: 'Q' }, 'B');
    assert.deepEqual(b.heard.at(-1), { method: 'Target.detachedFromTarget', params: { sessionId: 'Q' } });
    b.ch.send({ id: 2, method: 'Runtime.evaluate', params: {}, sessionId: 'Q' });
    assert.deepEqual(b.heard.at(-1), { id: 2, error: SESSION_NOT_FOUND, sessionId: 'Q' });
    let why = '';
    a.ch.on('close', (w) => {
      why = w;
    });
    r.event('Target.detachedFromTarget', { sessionId: 'A' }, 'HUB');
    assert.equal(why, 'browser session detached');
    assert.equal(a.ch.closed, true);
    assert.equal(b.ch.closed, false);
  });

  it('bounds: a client command over the size limit, more commands in flight than allowed', async () => {
    const r = rig({ maxClientMessageBytes: 200, maxPending: 2 });
    const a = await open(r, 'A');
    const n = r.written.length;
    a.ch.send({ id: 1, method: 'Runtime.evaluate', params: { expression: 'x'.repeat(300) } });
    assert.match(String(a.heard.at(-1)?.error?.message), /larger than 200 bytes/);
    assert.equal(r.written.length, n);
    a.ch.send({ id: 2, method: 'X.a' });
    a.ch.send({ id: 3, method: 'X.b' });
    a.ch.send({ id: 4, method: 'X.c' });
    assert.match(String(a.heard.at(-1)?.error?.message), /more than 2 commands/);
    assert.equal(r.written.length, n + 2);
    r.reply(r.written[n] as CdpMessage, {});
    a.ch.send({ id: 5, method: 'X.d' });
    assert.equal(r.written.length, n + 3, 'a reply frees a slot');
    // malformed commands are dropped, not forwarded
    a.ch.send({ method: 'X.noid' });
    a.ch.send({ id: 6 });
    assert.equal(r.written.length, n + 3);
  });

  it('the browser going away closes every channel; a new client is refused', async () => {
    const r = rig();
    const a = await open(r, 'A');
    const reasons: string[] = [];
    a.ch.on('close', (w) => reasons.push(`a:${w}`));
    r.mux.engine.on('close', (w) => reasons.push(`e:${w}`));
    r.mux.close('chromium exited');
    assert.deepEqual(reasons.sort(), ['a:chromium exited', 'e:chromium exited']);
    // for a browser connection that outlives the mux (CEF): the hub, and with it every client session, is detached
    assert.deepEqual(
      { method: r.last().method, params: r.last().params, sessionId: r.last().sessionId },
      { method: 'Target.detachFromTarget', params: { sessionId: 'HUB' }, sessionId: undefined },
    );
    await assert.rejects(r.mux.openClient(), /closed \(chromium exited\)/);
    r.event('Runtime.consoleAPICalled', {}, 'A'); // ignored
  });

  it('a new mux on the same browser connection never reuses an id of the old one (late replies are dropped)', () => {
    const r1 = rig();
    r1.mux.engine.send({ id: 1, method: 'X.old' });
    const old = r1.last();
    r1.mux.close('page recreated');
    const r2 = rig();
    r2.mux.engine.send({ id: 1, method: 'X.new' });
    assert.notEqual(r2.last().id, old.id);
    r2.reply(old, { stale: true });
    assert.deepEqual(r2.engine, []);
  });

  it('the engine closing its connection closes the mux (the page is being torn down)', async () => {
    const r = rig();
    const a = await open(r, 'A');
    r.mux.engine.close();
    assert.equal(a.ch.closed, true);
    assert.equal(r.mux.closed, true);
  });

  it('a browser that refuses attachToBrowserTarget: openClient rejects', async () => {
    const r = rig();
    const p = r.mux.openClient();
    await new Promise((res) => setImmediate(res));
    r.mux.receive(JSON.stringify({ id: r.last().id, error: { code: -32000, message: 'Not allowed' } }));
    await assert.rejects(p, /Not allowed/);
  });
});
