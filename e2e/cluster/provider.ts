// A cluster the end-to-end test (e2e/cluster.test.ts) runs on: the same steps, two providers.
//   local: a real single-node cluster on this machine (control plane + kube-scheduler + containerd + kubelet,
//          hostNetwork pods, everything on loopback; e2e/cluster/local.ts)
//   kind:  a kind cluster on a host with a registry (GitHub Actions; e2e/cluster/kind.ts)
// LKB_CLUSTER=local|kind picks one (default local).
import { createServer } from 'node:http';
import { CLICK_PAGE_HTML } from '../lib/room-check.ts';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ClusterProvider {
  readonly name: 'local' | 'kind';
  /** kubectl / helm against the cluster as its admin; reject on a non-zero exit unless allowFail. */
  kubectl(args: string[], opts?: { input?: string; allowFail?: boolean; timeoutMs?: number }): Promise<CommandResult>;
  helm(args: string[], opts?: { allowFail?: boolean; timeoutMs?: number }): Promise<CommandResult>;
  /** Chart values for this cluster (images, LiveKit URL, networking), on top of the chart's defaults. */
  readonly helmValues: Record<string, unknown>;
  readonly runtimeImage: string;
  /** The LiveKit server as runtime pods reach it, and as the test's subscriber reaches it. */
  readonly livekit: { podUrl: string; testUrl: string; apiKey: string; apiSecret: string };
  /** The click page as runtime pods reach it. */
  readonly pageUrl: string;
  /** POST /clicked beacons the page has sent so far. */
  clicks(): Promise<number>;
  /** An image reference that cannot be pulled, without any traffic leaving loopback where that matters. */
  readonly unpullableImage: string;
  /**
   * Installs a seccomp profile (OCI JSON) on every node as <kubelet seccomp dir>/<relPath>, as an admin does before
   * setting the chart's runtime.seccompProfile to relPath.
   */
  installSeccompProfile(relPath: string, profile: string): Promise<void>;
  /** How long start() took, ms, by part. */
  readonly startTimes: Record<string, number>;
  stop(): Promise<void>;
  /** What is left on this machine after stop() (processes, mounts, cgroups, dirs): [] when clean. */
  residue(): string[];
}

/** The click page (red, blue after a click; POST /clicked counted) on 127.0.0.1, for the local provider. */
export async function serveClickPage(
  host = '127.0.0.1',
): Promise<{ url: string; clicks: () => number; close: () => Promise<void> }> {
  let clicks = 0;
  const srv = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/clicked') {
      clicks++;
      res.writeHead(204).end();
      return;
    }
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      .end(CLICK_PAGE_HTML);
  });
  await new Promise<void>((r) => srv.listen(0, host, r));
  const a = srv.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  return {
    url: `http://${host}:${port}/`,
    clicks: () => clicks,
    close: () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}
