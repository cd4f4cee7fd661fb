// The runtime IMAGE end to end, for one engine: build the image (scripts/docker-build.sh), run it with
// --network host against the room server of the run (the real livekit-server by default, LKB_TEST_SFU=testserver for
// the test SFU; both on this machine), and check from an rtc-node subscriber that the page's pixels arrive, that focus
// can be taken over RPC, that a `browser-input` click changes the page (seen in the frames) and that SIGTERM leaves
// the room. Used by e2e/local-docker.test.ts (Chromium under Xvfb, the lean image) and e2e/local-docker-cef.test.ts
// (CEF, the runtime-cef image).
// Needs Docker: scripts/docker-build.sh starts dockerd if none answers and builds the base image with
// debootstrap when no registry can be reached. Without Docker these tests FAIL (they are not skipped).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import {
  DisconnectReason,
  dispose,
  type RemoteParticipant,
  type RemoteTrack,
  RoomEvent,
  TrackSource,
} from '@livekit/rtc-node';
import { GenericContainer, type StartedTestContainer } from 'testcontainers';
import { containerProcesses, sandboxEvidence } from '../cluster/pod-processes.ts';
import { buildImage, freePort, LogTail, LoopbackHttpWait, repoRoot } from './docker.ts';
import {
  BLUE,
  CLICK_PAGE_HTML,
  click,
  joinAsViewer,
  RED,
  requestFocus,
  type Viewer,
  waitForColour,
} from './room-check.ts';
import { type Sfu, startSfu, waitFor, withTimeout } from '@lkbrowser/testkit';

process.env.TESTCONTAINERS_RYUK_DISABLED = 'true'; // the Ryuk reaper image cannot be pulled; we clean up ourselves
// Containers use the host network, so the Docker host is loopback. (Without the override testcontainers inspects the
// `bridge` network when it runs inside a container, and we run dockerd with --bridge=none.)
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';

export interface RuntimeContainerSuite {
  /** Which image scripts/docker-build.sh builds (tag e2e). */
  image: 'runtime' | 'runtime-cef';
  /** LKB_ENGINE of the container. */
  engine: 'chromium' | 'cef';
  room: string;
  browser: string;
}

export function runtimeContainerSuite(o: RuntimeContainerSuite): void {
  const execFileP = promisify(execFile);
  const WIDTH = 640;
  const HEIGHT = 360;

  let image: string | undefined;
  let server: Sfu | undefined;
  let page: Server | undefined;
  let pageUrl = '';
  let clicks = 0;
  let container: StartedTestContainer | undefined;
  let metricsPort = 0;
  const logs = new LogTail();
  let viewer: Viewer | undefined;
  let video: RemoteTrack | undefined;

  /** Cleanup step bounded in time: a stuck step is reported and the next one still runs. */
  async function cleanup(what: string, fn: () => Promise<unknown>, ms = 20_000): Promise<void> {
    try {
      await withTimeout(what, fn(), ms);
    } catch (err) {
      console.error(`# cleanup: ${what} failed: ${(err as Error).message}`);
    }
  }

  after(async () => {
    if (viewer) await cleanup('viewer disconnect', () => (viewer as Viewer).close());
    const c = container;
    if (c) await cleanup('container stop', () => c.stop({ timeout: 10_000 }), 40_000);
    if (server) await cleanup('room server close', () => (server as Sfu).close());
    const p = page;
    if (p) {
      p.closeAllConnections();
      await cleanup('page server close', () => new Promise<void>((r) => p.close(() => r())));
    }
    await cleanup('rtc-node dispose', () => dispose());
  });

  function withLogs(err: unknown): Error {
    return new Error(`${(err as Error).message}\n--- runtime container log (tail) ---\n${logs.text()}`);
  }

  /** The runtime image as the suite runs it: host network, the run's room server, the fixture page. */
  function startRuntimeContainer(
    img: string,
    c: { room: string; identity: string; metricsPort: number; logs: LogTail; seccompProfile?: string },
  ): Promise<StartedTestContainer> {
    assert.ok(server, 'no room server');
    let g = new GenericContainer(img).withNetworkMode('host').withSharedMemorySize(512 * 1024 * 1024);
    if (c.seccompProfile !== undefined) g = g.withSecurityOpt(`seccomp=${c.seccompProfile}`);
    return g
      .withEnvironment({
        LIVEKIT_URL: server.url,
        LIVEKIT_ROOM: c.room,
        LIVEKIT_IDENTITY: c.identity,
        LIVEKIT_API_KEY: server.apiKey,
        LIVEKIT_API_SECRET: server.apiSecret,
        LKB_URL: pageUrl,
        LKB_WIDTH: String(WIDTH),
        LKB_HEIGHT: String(HEIGHT),
        LKB_FRAMERATE: '15',
        LKB_NAV_ALLOW_PRIVATE_NETWORKS: 'true',
        LKB_ENGINE: o.engine,
        LKB_METRICS_PORT: String(c.metricsPort),
        LKB_LOG_LEVEL: process.env.LKB_E2E_LOG_LEVEL ?? 'info',
      })
      .withLogConsumer(c.logs.consume)
      .withWaitStrategy(new LoopbackHttpWait(c.metricsPort, '/readyz'))
      .withStartupTimeout(180_000)
      .start();
  }

  test(`docker daemon + base image + ${o.image} image build`, { timeout: 45 * 60_000 }, async () => {
    const t0 = Date.now();
    // LKB_E2E_IMAGE_TAG: a tag of one's own when several checkouts build images on one Docker daemon.
    image = await buildImage(o.image, process.env.LKB_E2E_IMAGE_TAG ?? 'e2e');
    const { stdout } = await execFileP('docker', [
      'image',
      'inspect',
      '-f',
      '{{.Config.User}} {{json .Config.Entrypoint}}',
      image,
    ]);
    assert.match(stdout, /^1000:1000 .*"node","runtime\/dist\/lkbrowser-runtime\.mjs"/, `image config: ${stdout}`);
    console.log(`# runtime image ${image} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  test(`${o.engine}: runtime container starts with --network host and becomes ready`, {
    timeout: 5 * 60_000,
  }, async () => {
    assert.ok(image, 'runtime image was not built (see the previous test)');
    server = await startSfu();
    console.log(`# room server: ${server.label}`);
    page = createServer((req, res) => {
      if (req.method === 'POST' && req.url === '/clicked') {
        clicks++;
        res.writeHead(204).end();
        return;
      }
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
        .end(CLICK_PAGE_HTML);
    });
    await new Promise<void>((r) => page?.listen(0, '127.0.0.1', () => r()));
    const addr = page.address();
    assert.ok(addr && typeof addr === 'object');
    pageUrl = `http://127.0.0.1:${addr.port}/`;
    metricsPort = await freePort();

    const t0 = Date.now();
    try {
      container = await startRuntimeContainer(image, { room: o.room, identity: o.browser, metricsPort, logs });
    } catch (err) {
      throw withLogs(err);
    }
    console.log(`# container ready (/readyz 200) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const status = await fetch(`http://127.0.0.1:${metricsPort}/status`);
    assert.equal(status.status, 200);
    const st = (await status.json()) as { sandbox?: { enabled: boolean; detail: string } };
    const body = JSON.stringify(st);
    assert.ok(body.includes(pageUrl), `/status mentions the page url: ${body}`);
    // Docker's default seccomp profile refuses user namespaces: the engine says so instead of pretending.
    assert.equal(st.sandbox?.enabled, false, `sandbox under Docker's default profile: ${body}`);
    assert.match(st.sandbox?.detail ?? '', /^off: unshare\(CLONE_NEWUSER\): Operation not permitted/);
    // that the browser is in the room is checked from the viewer's side (next test): the same for both servers
  });

  test(`${o.engine}: subscriber receives the page as video (red pixels)`, { timeout: 3 * 60_000 }, async () => {
    assert.ok(server && container, 'container not running (see the previous test)');
    viewer = await joinAsViewer({
      url: server.url,
      apiKey: server.apiKey,
      apiSecret: server.apiSecret,
      room: o.room,
      identity: 'viewer-e2e',
      browserIdentity: o.browser,
    });
    try {
      video = await withTimeout('browser video track subscribed', viewer.video, 60_000);
      const browser = viewer.room.remoteParticipants.get(o.browser);
      assert.ok(browser, 'browser participant visible to the viewer');
      const pubs = [...browser.trackPublications.values()].map((p) => ({ name: p.name, source: p.source }));
      assert.ok(
        pubs.some((p) => p.name === 'browser-video' && p.source === TrackSource.SOURCE_SCREENSHARE),
        `browser-video screen share published: ${JSON.stringify(pubs)}`,
      );
      await withTimeout(
        'browser-audio published',
        (async () => {
          while (![...browser.trackPublications.values()].some((p) => p.name === 'browser-audio')) {
            await new Promise((r) => setTimeout(r, 200));
          }
        })(),
        30_000,
      );
      const got = await waitForColour(video, RED, 90_000);
      assert.equal(got.width, WIDTH);
      assert.equal(got.height, HEIGHT);
      console.log(`# red page seen after ${got.frames} frame(s): ${JSON.stringify(got.points[0])}`);
    } catch (err) {
      throw withLogs(err);
    }
  });

  test(`${o.engine}: focus via browser/request-focus, then a browser-input click turns the page blue`, {
    timeout: 3 * 60_000,
  }, async () => {
    assert.ok(viewer && video, 'no video subscription (see the previous test)');
    try {
      const focus = await requestFocus(viewer.room, o.browser);
      assert.deepEqual(focus, { granted: true });
      await withTimeout(
        'browser-focus broadcast naming the viewer',
        (async () => {
          while (!viewer.data.some((d) => d.topic === 'browser-focus' && d.text.includes('viewer-e2e'))) {
            await new Promise((r) => setTimeout(r, 100));
          }
        })(),
        20_000,
      );
      assert.equal(clicks, 0);
      await click(viewer.room, o.browser, Math.floor(WIDTH / 2), Math.floor(HEIGHT / 2));
      const got = await waitForColour(video, BLUE, 60_000);
      console.log(`# blue page seen after ${got.frames} frame(s): ${JSON.stringify(got.points[0])}`);
      // the page's beacon (POST /clicked, through the runtime's egress proxy) can trail the blue frame
      await waitFor('the page reports its click', () => clicks > 0, 20_000);
      assert.equal(clicks, 1, 'the page reported exactly one click');
    } catch (err) {
      throw withLogs(err);
    }
  });

  test(`${o.engine}: SIGTERM: the runtime leaves the room and the container exits 0`, {
    timeout: 2 * 60_000,
  }, async () => {
    assert.ok(container && server, 'container not running');
    assert.ok(viewer, 'no viewer (see the previous tests)');
    const v = viewer;
    const left = new Promise<RemoteParticipant>((resolve) => {
      v.room.on(RoomEvent.ParticipantDisconnected, (p: RemoteParticipant) => {
        if (p.identity === o.browser) resolve(p);
      });
    });
    const id = container.getId();
    const c = container;
    container = undefined;
    await c.stop({ timeout: 30_000, remove: false });
    try {
      const { stdout } = await execFileP('docker', ['inspect', '-f', '{{json .State}}', id]);
      const state = JSON.parse(stdout) as { ExitCode: number; OOMKilled: boolean };
      assert.equal(state.ExitCode, 0, `container state ${stdout.trim()}; log:\n${logs.text()}`);
      const gone = await withTimeout('the viewer sees the browser leave', left, 30_000);
      assert.ok(!v.room.remoteParticipants.has(o.browser), 'browser left the room');
      // livekit-server tells why: the runtime said goodbye (a killed one would be dropped later, for another reason)
      if (server.kind === 'livekit-server') assert.equal(gone.disconnectReason, DisconnectReason.CLIENT_INITIATED);
    } finally {
      await execFileP('docker', ['rm', '-f', id]);
    }
  });

  test(`${o.engine}: with the generated seccomp profile the engine runs in its own sandbox`, {
    timeout: 4 * 60_000,
  }, async () => {
    assert.ok(image && server, 'no image or room server (see the previous tests)');
    // The Localhost profile of README "Chromium's sandbox in the pod" (setup.sh prebuilds it), given to Docker inline.
    const gen = await execFileP('bash', [`${repoRoot}scripts/tools/seccomp-profile.sh`], { timeout: 900_000 });
    const profile = readFileSync(gen.stdout.trim(), 'utf8');
    const port = await freePort();
    const sbLogs = new LogTail();
    let c: StartedTestContainer | undefined;
    try {
      c = await startRuntimeContainer(image, {
        room: `${o.room}-sandbox`,
        identity: `${o.browser}-sandbox`,
        metricsPort: port,
        logs: sbLogs,
        seccompProfile: profile,
      });
      const st = (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as {
        sandbox?: { enabled: boolean; detail: string };
      };
      assert.deepEqual(st.sandbox, { enabled: true, detail: 'on: user, pid and net namespaces work for this uid' });
      // From the host's /proc: renderers in their own user and pid namespace, under the engine's seccomp filters
      // on top of the container's.
      const id = c.getId();
      let ev = sandboxEvidence(containerProcesses(id), o.engine);
      await waitFor(
        'a sandboxed renderer',
        () => (ev = sandboxEvidence(containerProcesses(id), o.engine)).sandboxedRenderers.length > 0,
        60_000,
        250,
      );
      assert.ok(ev.browser && !ev.browser.cmdline.includes('--no-sandbox'), `browser: ${ev.browser?.cmdline}`);
      assert.equal(ev.sandboxedRenderers.length, ev.renderers.length, 'every renderer is sandboxed');
      console.log(`# ${o.engine}: ${ev.sandboxedRenderers.length} sandboxed renderer(s) under the generated profile`);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- sandboxed container log (tail) ---\n${sbLogs.text()}`);
    } finally {
      if (c)
        await cleanup('sandboxed container stop', () => (c as StartedTestContainer).stop({ timeout: 10_000 }), 40_000);
    }
  });
}
