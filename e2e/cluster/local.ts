// The local cluster provider: a real single-node cluster on this machine, everything on loopback.
//   control plane (testkit startKubeControlPlane) + node (startKubeNode: kube-scheduler, containerd, kubelet);
//   the runtime and operator images built with Docker (scripts/docker-build.sh, cached) and imported into
//   containerd; the real livekit-server (startLiveKitServer) and the click page on 127.0.0.1.
// Pods run with hostNetwork (chart values runtime.hostNetwork / operator.hostNetwork): the node has no pod network
// and no kube-proxy, so the operator reaches the API server at 127.0.0.1:<port> (operator.extraEnv overrides the
// KUBERNETES_SERVICE_* variables) and the runtime's ports are free ports of this machine.
import {
  type KubeControlPlane,
  type KubeNode,
  type LiveKitServer,
  startKubeControlPlane,
  startKubeNode,
  startLiveKitServer,
} from '@lkbrowser/testkit';
import { buildImage, freePort } from '../lib/docker.ts';
import { type ClusterProvider, type CommandResult, serveClickPage } from './provider.ts';

export async function startLocalCluster(log: (line: string) => void): Promise<ClusterProvider> {
  const tag = process.env.LKB_CLUSTER_IMAGE_TAG ?? 'e2e';
  const times: Record<string, number> = {};
  const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    const v = await fn();
    times[what] = Date.now() - t0;
    log(`${what}: ${times[what]} ms`);
    return v;
  };
  const cleanups: Array<() => Promise<void>> = [];
  let node: KubeNode | undefined;
  const stop = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  };
  try {
    // Images first: a cold build is minutes of CPU, better before the cluster's processes run.
    const [runtimeImage, operatorImage] = await timed('docker build (cached when warm)', async () => [
      await buildImage('runtime', tag),
      await buildImage('operator', tag),
    ]);
    const cp: KubeControlPlane = await timed('control plane', () => startKubeControlPlane());
    cleanups.push(() => cp.stop());
    node = await timed('node (scheduler, containerd, kubelet) Ready', () => startKubeNode(cp));
    const n = node;
    cleanups.push(() => n.stop());
    await timed('import images into containerd', async () => {
      await n.importDockerImage(runtimeImage);
      await n.importDockerImage(operatorImage);
    });
    const lk: LiveKitServer = await timed('livekit-server', () => startLiveKitServer({ departureTimeout: 5 }));
    cleanups.push(() => lk.close());
    const page = await serveClickPage();
    cleanups.push(() => page.close());
    const apiPort = new URL(cp.server).port;
    const [metricsPort, probePort, runtimePort] = [await freePort(), await freePort(), await freePort()];
    const [opRepo, opTag] = operatorImage.split(':') as [string, string];
    const [rtRepo, rtTag] = runtimeImage.split(':') as [string, string];
    const helmValues = {
      image: { repository: opRepo, tag: opTag, pullPolicy: 'Never' },
      runtime: { image: { repository: rtRepo, tag: rtTag, pullPolicy: 'Never' }, port: runtimePort, hostNetwork: true },
      metrics: { port: metricsPort },
      healthProbe: { port: probePort },
      operator: {
        hostNetwork: true,
        logLevel: 'debug',
        // no kube-proxy: the `kubernetes` Service address answers nowhere; the API server is on loopback
        extraEnv: [
          { name: 'KUBERNETES_SERVICE_HOST', value: '127.0.0.1' },
          { name: 'KUBERNETES_SERVICE_PORT', value: apiPort },
        ],
      },
      livekit: { url: lk.url },
    };
    const run =
      (which: 'kubectl' | 'helm') =>
      (
        args: string[],
        opts: { input?: string; allowFail?: boolean; timeoutMs?: number } = {},
      ): Promise<CommandResult> =>
        cp[which](args, { ...opts, cwd: new URL('../..', import.meta.url).pathname });
    return {
      name: 'local',
      kubectl: run('kubectl'),
      helm: run('helm'),
      helmValues,
      runtimeImage,
      livekit: { podUrl: lk.url, testUrl: lk.url, apiKey: lk.apiKey, apiSecret: lk.apiSecret },
      pageUrl: page.url,
      clicks: async () => page.clicks(),
      // a registry on a closed loopback port: the pull fails at once and no lookup leaves the machine
      unpullableImage: '127.0.0.1:1/lkbrowser/missing:1',
      installSeccompProfile: async (relPath, profile) => n.installSeccompProfile(relPath, profile),
      startTimes: times,
      stop,
      residue: () => n.residue(),
    };
  } catch (e) {
    if (node) log(`kubelet log tail:\n${node.logTail('kubelet', 30)}`);
    await stop();
    throw e;
  }
}
