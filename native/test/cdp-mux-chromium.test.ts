// CdpMux against a REAL Chromium pipe (headless, --remote-debugging-pipe on fds 3/4, spawned here so the test can
// also write to the pipe behind the mux's back): client sessions are real browser-target sessions, Playwright-style
// use works through one, and when a client disconnects Chromium itself drops its sessions (the page session it
// created answers "not found" even to a raw command), while the engine and the other client go on.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor, withTimeout } from '@lkbrowser/testkit';
import { pino } from 'pino';
import { CdpMux, SESSION_NOT_FOUND } from '../src/cdp/cdp-mux.ts';
import type { CdpMessage } from '../src/cdp/channel.ts';
import { CdpConnection } from '../src/cdp/connection.ts';
import { PageDriver } from '../src/cdp/page-driver.ts';
import { cdpClient } from './helpers.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';
/** Ids of the test's raw commands: far above the mux's, so their replies are told apart. */
const RAW_ID = 1_000_000_000;

describe('CdpMux on a real Chromium pipe', { timeout: 120_000 }, () => {
  let proc: ChildProcess;
  let dir: string;
  let mux: CdpMux;
  const raw = new Map<number, (m: CdpMessage) => void>();
  let rawId = RAW_ID;
  let toChromium: Writable;
  let finished = false;
  /** A command written straight to the pipe, past the mux. */
  const rawSend = (method: string, params: Record<string, unknown>, sessionId?: string): Promise<CdpMessage> =>
    withTimeout(
      `raw ${method}`,
      new Promise((resolve) => {
        const id = ++rawId;
        raw.set(id, resolve);
        toChromium.write(`${JSON.stringify({ id, method, params, sessionId })}\0`);
      }),
      20_000,
    );

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cdp-mux-'));
    proc = spawn(
      CHROMIUM,
      [
        '--headless=new',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
        '--disable-dev-shm-usage',
        '--remote-debugging-pipe',
        `--user-data-dir=${dir}`,
        '--',
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'], detached: true },
    );
    toChromium = proc.stdio[3] as Writable;
    const fromChromium = proc.stdio[4] as Readable;
    // Once the test kills Chromium, its pipe ends in EPIPE / ECONNRESET; before that, an error is a failure.
    const onPipeError = (err: Error): void => {
      if (!finished) throw err;
    };
    toChromium.on('error', onPipeError);
    fromChromium.on('error', onPipeError);
    mux = new CdpMux({ logger: pino({ level: 'silent' }), write: (t) => toChromium.write(`${t}\0`) });
    let buf = '';
    fromChromium.setEncoding('utf8');
    fromChromium.on('data', (d: string) => {
      buf += d;
      for (let i = buf.indexOf('\0'); i >= 0; i = buf.indexOf('\0')) {
        const text = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const m = JSON.parse(text) as CdpMessage;
        if (typeof m.id === 'number' && m.id > RAW_ID) raw.get(m.id)?.(m);
        else mux.receive(text);
      }
    });
  });

  after(() => {
    finished = true;
    mux?.close('test done');
    if (proc?.pid !== undefined && proc.exitCode === null) process.kill(-proc.pid, 'SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  it('the engine drives the page while clients come and go; a gone client leaves nothing in Chromium', async () => {
    const driver = await PageDriver.attach(CdpConnection.over(mux.engine, { timeoutMs: 20_000 }), {
      timeoutMs: 20_000,
    });
    assert.equal(await driver.evaluate<number>('40 + 2'), 42);

    const chA = await mux.openClient();
    const a = cdpClient(chA);
    const b = cdpClient(await mux.openClient());
    const version = await a.send('Browser.getVersion');
    assert.match(String(version.result?.product), /Chrom/);
    const pa = String(
      (await a.send('Target.attachToTarget', { targetId: driver.targetId, flatten: true })).result?.sessionId,
    );
    assert.deepEqual(
      (await a.send('Runtime.evaluate', { expression: '"a"', returnByValue: true }, pa)).result?.result,
      { type: 'string', value: 'a' },
    );
    // Client B and the engine cannot address A's session (the mux answers as Chromium does for an unknown one).
    assert.deepEqual((await b.send('Runtime.evaluate', { expression: '1' }, pa)).error, SESSION_NOT_FOUND);
    assert.deepEqual(
      await driver.connection.send('Runtime.evaluate', { expression: '1' }, pa).catch((e: Error) => e.message),
      `CDP Runtime.evaluate: ${SESSION_NOT_FOUND.message}`,
    );
    // Behind the mux's back the session is real: Chromium answers a raw command on it.
    assert.equal((await rawSend('Runtime.evaluate', { expression: '1' }, pa)).error, undefined);

    // B auto-attaches at its browser level: it hears of the page (its own new session), A does not.
    const eventsOfA = a.events.length;
    await b.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: true });
    await waitFor('B hears the page', () => b.events.some((e) => e.method === 'Target.attachedToTarget'), 10_000, 20);
    assert.equal(
      a.events.slice(eventsOfA).some((e) => e.method === 'Target.attachedToTarget'),
      false,
    );

    // A disconnects: the mux detaches its browser session, and Chromium drops every session under it.
    const routed = mux.routedSessions;
    chA.close();
    assert.equal(mux.clientCount, 1);
    assert.ok(mux.routedSessions < routed);
    await waitFor(
      "Chromium dropped A's page session",
      async () => (await rawSend('Runtime.evaluate', { expression: '1' }, pa)).error?.code === SESSION_NOT_FOUND.code,
      10_000,
      50,
    );
    // B and the engine go on.
    assert.match(String((await b.send('Browser.getVersion')).result?.product), /Chrom/);
    assert.equal(await driver.evaluate<number>('1 + 1'), 2);
    await driver.close();
    assert.equal(mux.closed, true, 'the engine closing its connection closes the mux');
  });
});
