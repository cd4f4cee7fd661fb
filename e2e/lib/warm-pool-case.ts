// The warm pool step of the cluster e2e (issue #19), kept in its own file: a BrowserPool of 1 on the cluster
// (chart warmPools.enabled), a session naming it claims the standby runtime, the page's pixels arrive in the room,
// the session's end deletes the claimed runtime and the pool refills; then the pool goes. Timed: apply → first
// frame, and the claim (the operator's claimed-at annotation, set just before POST /claim) → first frame.
// Needs no other runtime pod on the node (host networking: one runtime per node and port).
import assert from 'node:assert/strict';
import { waitFor, withTimeout } from '@lkbrowser/testkit';
import type { ClusterProvider } from '../cluster/provider.ts';
import { joinAsViewer, RED, waitForColour } from './room-check.ts';

type Obj = Record<string, unknown>;

interface Pod {
  metadata: { name: string; uid: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  status?: { phase?: string; conditions?: Array<{ type: string; status: string }> };
}

export interface WarmPoolCaseOptions {
  ns: string;
  /** The example session of the cluster test (its spec.pod removed here: a pool pod is the admin's). */
  session: { metadata: { name: string }; spec: Obj & { room: string; participant?: { identity?: string } } };
  apply(objs: Obj[]): Promise<void>;
  log(line: string): void;
}

export async function warmPoolCase(p: ClusterProvider, o: WarmPoolCaseOptions): Promise<Record<string, number>> {
  const times: Record<string, number> = {};
  const { ns } = o;
  const viewport = o.session.spec.viewport as { width: number; height: number; framerate: number };
  await o.apply([
    {
      apiVersion: 'lkbrowser.dev/v1alpha1',
      kind: 'BrowserPool',
      metadata: { name: 'warm', namespace: ns },
      spec: {
        replicas: 1,
        viewport,
        allowPrivateNetworks: true, // the click page is on this machine, like the example session's
        pod: { resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '2Gi' } } },
      },
    },
  ]);
  const pods = async (): Promise<Pod[]> =>
    (
      JSON.parse(
        (await p.kubectl(['-n', ns, 'get', 'pods', '-l', 'lkbrowser.dev/pool=warm', '-o', 'json'])).stdout,
      ) as { items: Pod[] }
    ).items;
  const readyStandby = async (): Promise<Pod | undefined> =>
    (await pods()).find(
      (x) =>
        x.metadata.labels?.['lkbrowser.dev/pool-state'] === 'standby' &&
        x.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
  let t0 = Date.now();
  const standby = await waitFor('a ready standby runtime in the pool', readyStandby, 300_000, 1000);
  times['pool created → standby Ready'] = Date.now() - t0;
  o.log(`BrowserPool of 1 → standby runtime Ready: ${times['pool created → standby Ready']} ms`);
  const bp = (await p.kubectl(['-n', ns, 'get', 'bp', 'warm'])).stdout;
  o.log(`kubectl get bp:\n${bp}`);

  const name = 'warm-session';
  const identity = 'warm-browser';
  const room = `${ns}.warm-room`;
  const spec: Obj = {
    ...o.session.spec,
    room,
    participant: { identity },
    pool: { name: 'warm' },
  };
  delete spec.pod;
  const viewer = await joinAsViewer({
    url: p.livekit.testUrl,
    apiKey: p.livekit.apiKey,
    apiSecret: p.livekit.apiSecret,
    room,
    identity: 'e2e-warm-viewer',
    browserIdentity: identity,
  });
  try {
    t0 = Date.now();
    await o.apply([
      { apiVersion: 'lkbrowser.dev/v1alpha1', kind: 'BrowserSession', metadata: { name, namespace: ns }, spec },
    ]);
    const video = await withTimeout('video of the claimed runtime', viewer.video, 120_000);
    const red = await waitForColour(video, RED, 60_000);
    const firstFrameAt = Date.now();
    times['apply → first frame (warm)'] = firstFrameAt - t0;
    const claimed = (await pods()).find((x) => x.metadata.uid === standby.metadata.uid);
    const claimedAt = Date.parse(claimed?.metadata.annotations?.['lkbrowser.dev/claimed-at'] ?? '');
    times['claim → first frame (warm)'] = firstFrameAt - claimedAt;
    o.log(
      `warm: apply → first frame ${times['apply → first frame (warm)']} ms, claim → first frame ` +
        `${times['claim → first frame (warm)']} ms (${red.width}x${red.height})`,
    );
    assert.equal(claimed?.metadata.labels?.['lkbrowser.dev/pool-state'], 'claimed', 'the standby runtime was claimed');
    const st = JSON.parse((await p.kubectl(['-n', ns, 'get', 'bs', name, '-o', 'json'])).stdout) as {
      status?: { podName?: string; conditions?: Array<{ type: string; status: string; reason?: string }> };
    };
    const warm = st.status?.conditions?.find((c) => c.type === 'WarmStart');
    assert.equal(warm?.status, 'True', JSON.stringify(warm));
    assert.equal(st.status?.podName, `${ns}/${standby.metadata.name}`);

    // The session ends: its runtime is deleted (never reused), and the pool starts a fresh one (on this node only
    // once the claimed one is gone: host port).
    t0 = Date.now();
    await p.kubectl(['-n', ns, 'delete', 'bs', name, '--wait', '--timeout=120s'], { timeoutMs: 130_000 });
    await waitFor(
      'the claimed runtime deleted',
      async () => !(await pods()).some((x) => x.metadata.uid === standby.metadata.uid),
      120_000,
      1000,
    );
    const refill = await waitFor(
      'the pool refilled: a new standby runtime Ready',
      async () => {
        const x = await readyStandby();
        return x && x.metadata.uid !== standby.metadata.uid ? x : undefined;
      },
      300_000,
      1000,
    );
    times['session deleted → pool refilled'] = Date.now() - t0;
    o.log(
      `session deleted → claimed runtime gone, pool refilled (${refill.metadata.name}): ${times['session deleted → pool refilled']} ms`,
    );
  } finally {
    await viewer.close();
  }
  await p.kubectl(['-n', ns, 'delete', 'bp', 'warm', '--wait', '--timeout=120s'], { timeoutMs: 130_000 });
  await waitFor('the pool’s pods gone', async () => (await pods()).length === 0, 120_000, 1000);
  return times;
}
