// Computer-use API latency through the real room server: an agent (@lkbrowser/client on rtc-node) drives the
// runtime CLI (runtime/src/main.ts, real engine). Prints p50/p95 of
//   action → ack             browser/actions [left_click] answered (applied in the page)
//   action → frame           the same with waitFrame: answered once a frame captured after the click was published
//   screenshot               browser/screenshot round trip incl. the PNG byte stream, and the runtime's encode time,
//                            on the long text page at 1280x720 and 1920x1080
// Usage: node bench/agent-actions.ts [--trials 40] [--shots 10]
import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from '@lkbrowser/client';
import { startSfu, withTimeout } from '@lkbrowser/testkit';
import { dispose, Room } from '@livekit/rtc-node';
import { AccessToken } from 'livekit-server-sdk';
import { type BenchSpec, benchFlags } from './lib/cli.ts';
import { fmt, loadavg, log, NODE, percentile, sleep } from './lib/common.ts';
import { startPageServer } from './lib/pages.ts';
import { freshBundle } from '@lkbrowser/runtime/entry-points';

const FLAGS = {
  trials: { flag: 'trials', kind: 'number', default: 40, min: 1, integer: true, help: 'left_click trials per mode' },
  shots: { flag: 'shots', kind: 'number', default: 10, min: 1, integer: true, help: 'screenshots per size' },
} as const satisfies Record<string, BenchSpec>;
const flags = benchFlags('agent-actions.ts', 'Computer-use API latency through the real room server.', FLAGS);
const TRIALS = flags.trials;
const SHOTS = flags.shots;
const ROOM = 'bench-agent';

const row = (name: string, v: number[]): string =>
  `| ${name} | ${fmt(percentile(v, 50))} | ${fmt(percentile(v, 95))} | ${v.length} |`;

// The room server of the tests: the real livekit-server unless LKB_TEST_SFU=testserver.
const sfu = await startSfu();
const pages = await startPageServer();
try {
  const runtime: ChildProcess = spawn(NODE, [freshBundle()], {
    env: {
      ...process.env,
      LIVEKIT_URL: sfu.url,
      LIVEKIT_API_KEY: sfu.apiKey,
      LIVEKIT_API_SECRET: sfu.apiSecret,
      LIVEKIT_ROOM: ROOM,
      LKB_URL: pages.url('text'),
      LKB_WIDTH: '1280',
      LKB_HEIGHT: '720',
      LKB_AUDIO: 'false',
      LKB_NAV_ALLOW_PRIVATE_NETWORKS: 'true',
      LKB_METRICS_PORT: '0',
      LKB_METRICS_HOST: '127.0.0.1',
      LKB_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', process.env.BENCH_CHILD_STDERR === '1' ? 'inherit' : 'ignore'],
  });
  const exited = new Promise<void>((r) => runtime.once('exit', () => r()));
  // Ctrl-C / SIGTERM: stop the runtime child (and the server, below) instead of orphaning them.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      runtime.kill('SIGTERM');
      void sfu.close().finally(() => process.exit(130));
    });
  }
  const room = new Room();
  try {
    const at = new AccessToken(sfu.apiKey, sfu.apiSecret, { identity: 'agent-bench', ttl: 600 });
    at.addGrant({ room: ROOM, roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true });
    await withTimeout(
      'agent connect',
      room.connect(sfu.url, await at.toJwt(), { autoSubscribe: false, dynacast: false }),
      30_000,
    );
    let browser: Awaited<ReturnType<typeof connect>> | undefined;
    for (let i = 0; i < 120 && !browser; i++) {
      try {
        browser = await connect(room, 'browser', { timeoutMs: 5000 });
      } catch (e) {
        log.debug({ err: String(e) }, 'runtime not in the room yet');
        await sleep(500);
      }
    }
    if (!browser) throw new Error('the runtime did not join the room');
    const b = browser;
    await b.acquireFocus(30_000);
    await b.run([{ type: 'wait_for_load' }]);
    await sleep(1000);
    const ack: number[] = [];
    const frame: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const x = 100 + (i % 10) * 50;
      let t = performance.now();
      await b.run([{ type: 'left_click', x, y: 300 }]);
      ack.push(performance.now() - t);
      await sleep(100);
      t = performance.now();
      const r = await b.run([{ type: 'left_click', x, y: 400 }], { waitFrame: true });
      if (r.frame) frame.push(performance.now() - t);
      await sleep(100);
    }
    const shots: Record<string, { rtt: number[]; encode: number[]; kib: number[] }> = {};
    for (const [w, h] of [
      [1280, 720],
      [1920, 1080],
    ] as const) {
      const lp = room.localParticipant;
      if (!lp) throw new Error('not connected');
      if (w !== 1280) {
        await lp.performRpc({
          destinationIdentity: 'browser',
          method: 'browser/resize',
          payload: JSON.stringify({ width: w, height: h }),
          responseTimeout: 15_000,
        });
        await b.run([{ type: 'wait_for_settle', quietMs: 500, timeoutMs: 8000 }]);
      }
      const s = { rtt: [] as number[], encode: [] as number[], kib: [] as number[] };
      for (let i = 0; i < SHOTS; i++) {
        const t = performance.now();
        const shot = await b.screenshot({ timeoutMs: 20_000 });
        s.rtt.push(performance.now() - t);
        s.encode.push(shot.encodeMs);
        s.kib.push(shot.png.byteLength / 1024);
        if (shot.width !== w) throw new Error(`screenshot is ${shot.width} wide, expected ${w}`);
      }
      shots[`${w}x${h}`] = s;
    }
    b.close();
    console.log(`\nComputer-use API through ${sfu.label} (load ${loadavg()}), ms\n`);
    console.log('| measure | p50 | p95 | n |\n|---|---|---|---|');
    console.log(row('left_click → ack', ack));
    console.log(row('left_click → frame published (waitFrame)', frame));
    for (const [size, s] of Object.entries(shots)) {
      console.log(row(`screenshot ${size}: RPC + PNG stream`, s.rtt));
      console.log(row(`screenshot ${size}: encode (runtime)`, s.encode));
      console.log(`| screenshot ${size}: PNG size KiB | ${fmt(percentile(s.kib, 50))} | | |`);
    }
  } finally {
    await room.disconnect();
    runtime.kill('SIGTERM');
    const t = setTimeout(() => runtime.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
    await dispose();
  }
} finally {
  await pages.close();
  await sfu.close();
}
