// What a user of the chart does, end to end on a real cluster: helm install; kubectl apply the example
// BrowserSession; kubectl wait Ready; the page's pixels in the room; focus by RPC and a click; kubectl get bs;
// a deleted pod comes back and the restart is counted; kubectl delete ends the session and the participant leaves;
// Chromium's sandbox: off under RuntimeDefault (the Sandboxed condition says why), on with the generated Localhost
// seccomp profile (scripts/tools/seccomp-profile.sh, chart runtime.seccompProfile; renderers checked in /proc);
// failures (unpullable image, crash-looping runtime, LiveKit refusing the token) show in status and events;
// helm uninstall leaves no pods; the cluster's tear-down leaves nothing on the machine.
// LKB_CLUSTER=local (default: this machine, e2e/cluster/local.ts) or kind (e2e/cluster/kind.ts, GitHub Actions).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { dispose, RoomEvent } from '@livekit/rtc-node';
import { waitFor, withTimeout } from '@lkbrowser/testkit';
import { parse, stringify } from 'yaml';
import { BLUE, click, joinAsViewer, RED, requestFocus, type Viewer, waitForColour } from './lib/room-check.ts';
import { startKindCluster } from './cluster/kind.ts';
import { startLocalCluster } from './cluster/local.ts';
import { podProcesses, sandboxEvidence } from './cluster/pod-processes.ts';
import type { ClusterProvider } from './cluster/provider.ts';
import { warmPoolCase } from './lib/warm-pool-case.ts';

const NS = 'lkb-e2e';
const RELEASE = 'lkb';
const OPERATOR_NS = 'lkb-system';
const log = (line: string): void => console.log(`# cluster e2e: ${line}`);

type Obj = Record<string, unknown>;
interface Session {
  metadata: { name: string; namespace?: string };
  spec: Obj & { room: string; participant?: { identity?: string } };
}
interface SessionStatus {
  phase?: string;
  podName?: string;
  restarts?: number;
  focusHolder?: string;
  url?: string;
  conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
}

/** examples/browsersession.yaml in the test namespace, showing the click page, with this cluster's LiveKit. */
function exampleSession(p: ClusterProvider, overrides: Obj = {}, name?: string): Session {
  const ex = parse(readFileSync(new URL('../examples/browsersession.yaml', import.meta.url), 'utf8')) as Session;
  return {
    ...ex,
    metadata: { ...ex.metadata, name: name ?? ex.metadata.name, namespace: NS },
    spec: {
      ...ex.spec,
      // rooms are confined per namespace (chart policy.roomPrefix "<namespace>."): the example's room, moved here
      room: `${NS}.${ex.spec.room.slice(ex.spec.room.indexOf('.') + 1)}`,
      url: p.pageUrl,
      viewport: { width: 640, height: 360, framerate: 15 },
      navigation: { allowPrivateNetworks: true }, // the click page is on this machine
      pod: { resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '2Gi' } } },
      ...overrides,
    },
  };
}

/** Runtime pods anywhere in the cluster (the operator labels them). */
async function runtimePods(p: ClusterProvider): Promise<string> {
  const r = await p.kubectl([
    'get',
    'pods',
    '-A',
    '-l',
    'app.kubernetes.io/managed-by=lkbrowser-operator',
    '-o',
    'name',
  ]);
  return r.stdout.trim();
}

async function status(p: ClusterProvider, name: string): Promise<SessionStatus> {
  const r = await p.kubectl(['-n', NS, 'get', 'browsersession', name, '-o', 'json'], { allowFail: true });
  if (r.code !== 0) return {};
  return ((JSON.parse(r.stdout) as { status?: SessionStatus }).status ?? {}) as SessionStatus;
}

async function apply(p: ClusterProvider, objs: Obj[]): Promise<void> {
  await p.kubectl(['apply', '-f', '-'], { input: objs.map((o) => stringify(o)).join('---\n') });
}

async function events(
  p: ClusterProvider,
  name: string,
): Promise<Array<{ type: string; reason: string; message: string }>> {
  const r = await p.kubectl([
    '-n',
    NS,
    'get',
    'events',
    '--field-selector',
    `involvedObject.kind=BrowserSession,involvedObject.name=${name}`,
    '-o',
    'json',
  ]);
  return (JSON.parse(r.stdout) as { items: Array<{ type: string; reason: string; message: string }> }).items;
}

/** Applies a session that must fail, waits for phase Failed with one of `reasons`, checks the Warning event. */
async function expectFailure(
  p: ClusterProvider,
  s: Session,
  reasons: string[],
  message: RegExp,
  timeoutMs: number,
): Promise<{ reason: string; message: string; ms: number }> {
  const t0 = Date.now();
  await apply(p, [s as unknown as Obj]);
  let last: SessionStatus = {};
  try {
    await waitFor(
      `${s.metadata.name}: phase Failed with ${reasons.join('|')}`,
      async () => {
        last = await status(p, s.metadata.name);
        const failed = last.conditions?.find((c) => c.type === 'Failed');
        return last.phase === 'Failed' && failed?.status === 'True' && reasons.includes(failed.reason ?? '');
      },
      timeoutMs,
      1000,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}; last status ${JSON.stringify(last)}`);
  }
  const failed = last.conditions?.find((c) => c.type === 'Failed');
  const reason = failed?.reason ?? '';
  assert.match(failed?.message ?? '', message, `status says why: ${failed?.message}`);
  await waitFor(
    `${s.metadata.name}: Warning event ${reason}`,
    async () => (await events(p, s.metadata.name)).some((e) => e.type === 'Warning' && e.reason === reason),
    60_000,
    1000,
  );
  const ev = (await events(p, s.metadata.name)).find((e) => e.type === 'Warning' && e.reason === reason);
  assert.match(ev?.message ?? '', message, `event says why: ${ev?.message}`);
  await p.kubectl(['-n', NS, 'delete', 'browsersession', s.metadata.name, '--wait', '--timeout=120s']);
  await waitFor(`${s.metadata.name}: pod gone`, async () => (await runtimePods(p)) === '', 120_000, 1000);
  return { reason, message: failed?.message ?? '', ms: Date.now() - t0 };
}

// --- Chromium's own sandbox in the pod (README "Chromium's sandbox in the pod")
const SECCOMP_PROFILE = 'lkbrowser/chromium.json';

function sandboxedCondition(st: SessionStatus) {
  return st.conditions?.find((c) => c.type === 'Sandboxed');
}

/** Under RuntimeDefault, containerd's profile refuses user namespaces: the session says so, Chromium runs --no-sandbox. */
async function defaultSeccompReportsNoSandbox(p: ClusterProvider, name: string): Promise<void> {
  let st: SessionStatus = {};
  await waitFor(
    `${name}: Sandboxed condition`,
    async () => sandboxedCondition((st = await status(p, name))) !== undefined,
    60_000,
    1000,
  );
  const c = sandboxedCondition(st);
  log(`RuntimeDefault: Sandboxed=${c?.status} ${c?.reason}: ${c?.message}`);
  assert.equal(c?.status, 'False');
  assert.equal(c?.reason, 'NoSandbox');
  assert.equal(c?.message, 'off: unshare(CLONE_NEWUSER): Operation not permitted', 'the seccomp refusal, named');
  if (p.name !== 'local') return;
  const uid = (await p.kubectl(['-n', NS, 'get', 'pod', st.podName ?? '', '-o', 'jsonpath={.metadata.uid}'])).stdout;
  const ev = sandboxEvidence(podProcesses(uid));
  assert.ok(ev.browser?.cmdline.includes('--no-sandbox'), `browser runs --no-sandbox: ${ev.browser?.cmdline}`);
  assert.equal(ev.sandboxedRenderers.length, 0);
}

/**
 * The admin installs the generated Localhost profile on the node and sets runtime.seccompProfile: a new session's
 * Chromium runs in its own sandbox (condition True; on the local node, from /proc: no --no-sandbox, renderers in a
 * user and pid namespace of their own under Chromium's seccomp-bpf filters on top of the container's).
 */
async function localhostSeccompRunsSandboxed(p: ClusterProvider, times: Record<string, number>): Promise<void> {
  let t0 = Date.now();
  const gen = await promisify(execFile)(
    'bash',
    [new URL('../scripts/tools/seccomp-profile.sh', import.meta.url).pathname],
    {
      timeout: 900_000,
    },
  );
  await p.installSeccompProfile(SECCOMP_PROFILE, readFileSync(gen.stdout.trim(), 'utf8'));
  await p.helm(
    ['upgrade', RELEASE, 'helm/lkbrowser', '-n', OPERATOR_NS, '--reuse-values', '--wait', '--timeout', '300s'].concat([
      '--set',
      `runtime.seccompProfile=${SECCOMP_PROFILE}`,
    ]),
    { timeoutMs: 320_000 },
  );
  times['seccomp profile + helm upgrade'] = Date.now() - t0;
  t0 = Date.now();
  const s = exampleSession(p, {}, 'sandboxed');
  await apply(p, [s as unknown as Obj]);
  await p.kubectl(['-n', NS, 'wait', 'browsersession/sandboxed', '--for=condition=Ready', '--timeout=300s'], {
    timeoutMs: 320_000,
  });
  let st: SessionStatus = {};
  await waitFor(
    'sandboxed: Sandboxed condition',
    async () => sandboxedCondition((st = await status(p, 'sandboxed'))) !== undefined,
    60_000,
    1000,
  );
  times['Localhost profile: apply → Ready, Sandboxed'] = Date.now() - t0;
  const c = sandboxedCondition(st);
  log(`Localhost ${SECCOMP_PROFILE}: Sandboxed=${c?.status} ${c?.reason}: ${c?.message}`);
  assert.equal(c?.status, 'True', `${c?.reason}: ${c?.message}`);
  assert.equal(c?.reason, 'ChromiumSandbox');
  const pod = JSON.parse((await p.kubectl(['-n', NS, 'get', 'pod', st.podName ?? '', '-o', 'json'])).stdout) as {
    metadata: { uid: string };
    spec: { securityContext: Obj; containers: Array<{ securityContext: Obj }> };
  };
  const want = { type: 'Localhost', localhostProfile: SECCOMP_PROFILE };
  assert.deepEqual(pod.spec.securityContext.seccompProfile, want);
  assert.deepEqual(pod.spec.containers[0]?.securityContext.seccompProfile, want);
  if (p.name === 'local') {
    const ev = sandboxEvidence(podProcesses(pod.metadata.uid));
    assert.ok(ev.runtime, 'the runtime process of the pod');
    assert.ok(ev.browser && !ev.browser.cmdline.includes('--no-sandbox'), `browser: ${ev.browser?.cmdline}`);
    assert.ok(ev.renderers.length >= 1, 'a renderer');
    assert.deepEqual(
      ev.sandboxedRenderers.map((r) => r.pid),
      ev.renderers.map((r) => r.pid),
      `every renderer sandboxed: ${JSON.stringify({ runtime: ev.runtime, renderers: ev.renderers })}`,
    );
    const r = ev.renderers[0];
    log(
      `renderer ${r?.pid}: ${r?.userNs} (runtime ${ev.runtime?.userNs}), NSpid ${r?.nsPids.join(' ')}, ` +
        `seccomp filters ${r?.seccompFilters} (runtime ${ev.runtime?.seccompFilters})`,
    );
  }
  await p.kubectl(['-n', NS, 'delete', 'browsersession', 'sandboxed', '--wait', '--timeout=120s'], {
    timeoutMs: 130_000,
  });
  await waitFor('sandboxed: pod gone', async () => (await runtimePods(p)) === '', 120_000, 1000);
}

async function startProvider(): Promise<ClusterProvider> {
  const which = process.env.LKB_CLUSTER ?? 'local';
  if (which === 'kind') return startKindCluster(log);
  if (which !== 'local') throw new Error(`LKB_CLUSTER=${which}: local or kind`);
  return startLocalCluster(log);
}

test('cluster e2e: helm install, kubectl apply, frames in the room, focus, restart, delete, failures, uninstall', {
  timeout: 50 * 60_000,
}, async () => {
  const p = await startProvider();
  log(`provider ${p.name} up: ${JSON.stringify(p.startTimes)}`);
  let viewer: Viewer | undefined;
  const times: Record<string, number> = {};
  try {
    // --- helm install (the README's commands: namespace, credentials Secret, install)
    // The project's API key/secret live only in the operator's namespace (the operator mints per-session tokens).
    await apply(p, [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: OPERATOR_NS } },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'livekit-credentials', namespace: OPERATOR_NS },
        stringData: { apiKey: p.livekit.apiKey, apiSecret: p.livekit.apiSecret },
      },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'wrong-credentials', namespace: OPERATOR_NS },
        stringData: { apiKey: p.livekit.apiKey, apiSecret: 'not-the-secret-livekit-knows-00000000' },
      },
    ]);
    let t0 = Date.now();
    const valuesDir = mkdtempSync(join(tmpdir(), 'lkb-cluster-values-'));
    const valuesFile = join(valuesDir, 'values.json');
    writeFileSync(
      valuesFile,
      JSON.stringify({
        ...p.helmValues,
        livekit: { url: (p.helmValues.livekit as { url: string }).url, credentialsSecret: 'livekit-credentials' },
        // What this test's sessions need beyond the default policy: the click page is on a private address, a
        // small machine runs them with 256Mi requests, and the failure case uses an image the admin allows but no
        // registry serves (else the admission policy refuses it before any pull: that refusal has its own tests).
        policy: {
          allowPrivateNetworks: true,
          resources: { memory: { min: '256Mi' } },
          images: [p.unpullableImage],
        },
        warmPools: { enabled: true }, // the warm pool step below (#19)
      }),
    );
    try {
      await p.helm(
        [
          'install',
          RELEASE,
          'helm/lkbrowser',
          '-n',
          OPERATOR_NS,
          '--create-namespace',
          '--wait',
          '--timeout',
          '300s',
        ].concat(['-f', valuesFile]),
        { timeoutMs: 320_000 },
      );
    } finally {
      rmSync(valuesDir, { recursive: true, force: true });
    }
    times['helm install --wait'] = Date.now() - t0;
    log(`helm install --wait: ${times['helm install --wait']} ms`);

    // --- kubectl apply the example; Ready and the first frame, timed from the apply
    const s = exampleSession(p);
    const name = s.metadata.name;
    const identity = s.spec.participant?.identity ?? name;
    const room = s.spec.room;
    t0 = Date.now();
    await apply(p, [s as unknown as Obj]);
    viewer = await joinAsViewer({
      url: p.livekit.testUrl,
      apiKey: p.livekit.apiKey,
      apiSecret: p.livekit.apiSecret,
      room,
      identity: 'e2e-viewer',
      browserIdentity: identity,
    });
    const v = viewer;
    const ready = p
      .kubectl(['-n', NS, 'wait', `browsersession/${name}`, '--for=condition=Ready', '--timeout=300s'], {
        timeoutMs: 320_000,
      })
      .then(() => {
        times['apply → Ready'] = Date.now() - t0;
        log(`apply → Ready: ${times['apply → Ready']} ms`);
      });
    const firstFrame = (async () => {
      const video = await withTimeout(`video track of ${identity}`, v.video, 300_000);
      const red = await waitForColour(video, RED, 120_000);
      times['apply → first frame'] = Date.now() - t0;
      log(`apply → first frame (the page's red): ${times['apply → first frame']} ms, ${red.width}x${red.height}`);
      return { video, red };
    })();
    // whichever fails first ends the step (a session that never gets Ready must not wait for frames too)
    ready.catch(() => undefined);
    firstFrame.catch(() => undefined);
    const { video, red } = await Promise.race([firstFrame, ready.then(() => firstFrame)]);
    assert.equal(red.width, 640);
    assert.equal(red.height, 360);
    await ready;

    // --- focus by RPC, a click changes the page
    const focus = await requestFocus(v.room, identity);
    assert.equal(focus.granted, true, JSON.stringify(focus));
    // The first input packet can arrive before the runtime's data channel settles: click until the page turns.
    let blue: Awaited<ReturnType<typeof waitForColour>> | undefined;
    for (let i = 0; i < 10 && !blue; i++) {
      await click(v.room, identity, 320, 180);
      blue = await waitForColour(video, BLUE, 6_000).catch(() => undefined);
    }
    assert.ok(blue, 'the click turned the page blue');
    assert.ok((await p.clicks()) >= 1, 'the page itself saw the click');

    // --- kubectl get bs shows the URL and the focus holder
    await waitFor(
      'status.focusHolder = e2e-viewer',
      async () => (await status(p, name)).focusHolder === 'e2e-viewer',
      60_000,
      1000,
    );
    const table = (await p.kubectl(['-n', NS, 'get', 'bs'])).stdout;
    log(`kubectl get bs:\n${table}`);
    assert.ok(table.includes(p.pageUrl), 'URL column');
    assert.match(table, /\se2e-viewer\s/, 'Focus column');
    await defaultSeccompReportsNoSandbox(p, name);

    // --- the pod deleted by hand: a new one, the restart counted
    const before = await status(p, name);
    const podName = before.podName ?? '';
    const uid1 = (await p.kubectl(['-n', NS, 'get', 'pod', podName, '-o', 'jsonpath={.metadata.uid}'])).stdout;
    t0 = Date.now();
    await p.kubectl(['-n', NS, 'delete', 'pod', podName, '--wait=false']);
    await waitFor(
      'a new runtime pod, Ready, restart counted',
      async () => {
        const st = await status(p, name);
        const uid = (
          await p.kubectl(['-n', NS, 'get', 'pod', podName, '-o', 'jsonpath={.metadata.uid}'], { allowFail: true })
        ).stdout;
        return (
          uid !== '' &&
          uid !== uid1 &&
          (st.restarts ?? 0) >= 1 &&
          st.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true
        );
      },
      300_000,
      1000,
    );
    times['pod deleted → new pod Ready'] = Date.now() - t0;
    log(
      `pod deleted → new pod Ready, restarts=${(await status(p, name)).restarts}: ${times['pod deleted → new pod Ready']} ms`,
    );

    // --- kubectl delete: the pod goes, the participant leaves the room
    await waitFor('browser back in the room', () => v.room.remoteParticipants.has(identity), 120_000, 500);
    const left = new Promise<void>((resolve) => {
      v.room.on(RoomEvent.ParticipantDisconnected, (rp) => {
        if (rp.identity === identity) resolve();
      });
    });
    t0 = Date.now();
    await p.kubectl(['-n', NS, 'delete', 'browsersession', name, '--wait', '--timeout=120s'], { timeoutMs: 130_000 });
    await withTimeout('the browser participant leaves the room', left, 120_000);
    await waitFor('no runtime pod left', async () => (await runtimePods(p)) === '', 120_000, 1000);
    times['delete → participant left, pod gone'] = Date.now() - t0;
    log(`kubectl delete → participant left, pod gone: ${times['delete → participant left, pod gone']} ms`);
    await v.close();
    viewer = undefined;

    // --- Chromium's sandbox with the generated Localhost seccomp profile (one more session; default case above)
    await localhostSeccompRunsSandboxed(p, times);

    // --- warm pool (#19; e2e/lib/warm-pool-case.ts): a pool of 1, a session claims it, frames, the pool refills
    Object.assign(times, await warmPoolCase(p, { ns: NS, session: exampleSession(p), apply: (o) => apply(p, o), log }));

    // --- failure reporting: each in status (phase Failed, condition Failed with the reason) and in events
    const img = await expectFailure(
      p,
      exampleSession(p, { pod: { image: p.unpullableImage, imagePullPolicy: 'IfNotPresent' } }, 'bad-image'),
      ['ErrImagePull', 'ImagePullBackOff'],
      new RegExp(p.unpullableImage.replace(/[.:/]/g, '\\$&')),
      180_000,
    );
    log(`unpullable image → ${img.reason} in ${img.ms} ms: ${img.message}`);
    const crash = await expectFailure(
      p,
      // the runtime refuses a start URL its navigation policy forbids and exits (2): every restart again
      exampleSession(p, { url: 'http://127.0.0.1:9/', navigation: { allowPrivateNetworks: false } }, 'crash-loop'),
      ['CrashLoopBackOff'],
      /navigation policy/,
      300_000,
    );
    log(`crash-looping runtime → ${crash.reason} in ${crash.ms} ms: ${crash.message}`);
    // LiveKit refusing the token: the operator signs with credentials LiveKit does not know (helm upgrade to
    // another Secret; the operator pod is recreated with it), the runtime's join is refused.
    await p.helm(
      ['upgrade', RELEASE, 'helm/lkbrowser', '-n', OPERATOR_NS, '--reuse-values', '--wait', '--timeout', '300s'].concat(
        ['--set', 'livekit.credentialsSecret=wrong-credentials'],
      ),
      { timeoutMs: 320_000 },
    );
    const token = await expectFailure(
      p,
      exampleSession(p, {}, 'bad-token'),
      ['CrashLoopBackOff'],
      /runtime failed to start: .*(401|unauthori[sz]ed|invalid|signature|token)/i,
      420_000,
    );
    log(`LiveKit refusing the token → ${token.reason} in ${token.ms} ms: ${token.message}`);

    // --- helm uninstall: no pods anywhere
    t0 = Date.now();
    await p.helm(['uninstall', RELEASE, '-n', OPERATOR_NS, '--wait', '--timeout', '180s'], { timeoutMs: 200_000 });
    await waitFor(
      'no operator or runtime pods',
      async () =>
        (await runtimePods(p)) === '' &&
        (await p.kubectl(['-n', OPERATOR_NS, 'get', 'pods', '-o', 'name'])).stdout.trim() === '',
      120_000,
      1000,
    );
    if (p.name === 'local')
      assert.equal((await p.kubectl(['get', 'pods', '-A', '-o', 'name'])).stdout.trim(), '', 'no pods at all');
    times['helm uninstall → no pods'] = Date.now() - t0;
    log(`step times (ms): ${JSON.stringify(times)}`);
  } finally {
    await viewer?.close();
    await dispose();
    const t0 = Date.now();
    await p.stop();
    log(`tear-down: ${Date.now() - t0} ms`);
    // checked even when a step failed: a failing run must not leave a kubelet, shim, Chromium or mount either
    const residue = p.residue();
    log(`left after tear-down: ${residue.length === 0 ? 'nothing' : residue.join('; ')}`);
    assert.deepEqual(residue, [], `tear-down left: ${residue.join('; ')}`);
  }
});
