// The kind cluster provider (hosts with a registry, e.g. GitHub Actions with helm/kind-action): a kind cluster
// (reused if it exists), the :<tag> images built and `kind load`ed, LiveKit (--dev, hostNetwork) and the click page
// inside the cluster (e2e/kind/manifests.ts); the test's subscriber reaches LiveKit through `kubectl port-forward`
// for signalling and the kind node's IP for media. kubectl and helm are the host's (PATH).
// Env: KIND_CLUSTER_NAME (lkb-e2e), LKB_CLUSTER_IMAGE_TAG (ci).
import { type ChildProcess, spawn } from 'node:child_process';
import { waitFor } from '@lkbrowser/testkit';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { buildImage, freePort, repoRoot } from '../lib/docker.ts';
import { E2E, infraManifests, livekitUrl, pageUrl, toYaml } from '../kind/manifests.ts';
import type { ClusterProvider, CommandResult } from './provider.ts';

function run(
  bin: string,
  args: string[],
  opts: { input?: string; allowFail?: boolean; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const r = { code: code ?? 1, stdout, stderr };
      if (r.code !== 0 && !opts.allowFail)
        reject(new Error(`${bin} ${args.join(' ')} exited ${r.code}: ${stderr}${stdout}`));
      else resolve(r);
    });
    child.stdin.end(opts.input ?? '');
  });
}

export async function startKindCluster(log: (line: string) => void): Promise<ClusterProvider> {
  const cluster = process.env.KIND_CLUSTER_NAME ?? 'lkb-e2e';
  const tag = process.env.LKB_CLUSTER_IMAGE_TAG ?? 'ci';
  const times: Record<string, number> = {};
  const t = Date.now();
  const clusters = (await run('kind', ['get', 'clusters'])).stdout.split('\n');
  const created = !clusters.includes(cluster);
  if (created) await run('kind', ['create', 'cluster', '--name', cluster, '--wait', '180s'], { timeoutMs: 600_000 });
  await run('kubectl', ['config', 'use-context', `kind-${cluster}`]);
  times.cluster = Date.now() - t;
  const runtimeImage = await buildImage('runtime', tag);
  const operatorImage = await buildImage('operator', tag);
  if ((await run('docker', ['image', 'inspect', E2E.livekitImage], { allowFail: true })).code !== 0)
    await run('docker', ['pull', '-q', E2E.livekitImage], { timeoutMs: 600_000 });
  await run('kind', ['load', 'docker-image', runtimeImage, operatorImage, E2E.livekitImage, '--name', cluster], {
    timeoutMs: 900_000,
  });
  times.images = Date.now() - t - times.cluster;
  await run('kubectl', ['apply', '-f', '-'], { input: toYaml(infraManifests(E2E.namespace)) });
  await run('kubectl', ['-n', E2E.namespace, 'rollout', 'status', 'deploy/livekit', '--timeout=180s'], {
    timeoutMs: 200_000,
  });
  await run('kubectl', ['-n', E2E.namespace, 'rollout', 'status', 'deploy/testpage', '--timeout=180s'], {
    timeoutMs: 200_000,
  });
  const port = await freePort();
  const pf: ChildProcess = spawn('kubectl', ['-n', E2E.namespace, 'port-forward', 'svc/livekit', `${port}:7880`], {
    stdio: 'ignore',
  });
  await waitFor(
    'port-forward to LiveKit',
    async () => (await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined))?.ok === true,
    60_000,
    500,
  );
  log(`kind cluster ${cluster} (${created ? 'created' : 'reused'}), LiveKit forwarded to 127.0.0.1:${port}`);
  const values = parse(readFileSync(`${repoRoot}/e2e/kind/helm-values.yaml`, 'utf8')) as Record<
    string,
    Record<string, unknown>
  >;
  const helmValues = {
    ...values,
    image: { ...values.image, tag },
    runtime: { ...values.runtime, image: { ...(values.runtime?.image as object), tag } },
    livekit: { ...values.livekit, url: livekitUrl(E2E.namespace) },
  };
  return {
    name: 'kind',
    kubectl: (args, opts) => run('kubectl', args, opts),
    helm: (args, opts) => run('helm', args, opts),
    helmValues,
    runtimeImage,
    livekit: {
      podUrl: livekitUrl(E2E.namespace),
      testUrl: `ws://127.0.0.1:${port}`,
      apiKey: E2E.apiKey,
      apiSecret: E2E.apiSecret,
    },
    pageUrl: pageUrl(E2E.namespace),
    clicks: async () =>
      (await run('kubectl', ['-n', E2E.namespace, 'logs', 'deploy/testpage'])).stdout
        .split('\n')
        .filter((l) => l === 'clicked').length,
    unpullableImage: '127.0.0.1:1/lkbrowser/missing:1',
    installSeccompProfile: async (relPath, profile) => {
      // kind's nodes are containers; their kubelets keep the default --root-dir (/var/lib/kubelet)
      const nodes = (await run('kind', ['get', 'nodes', '--name', cluster])).stdout.split('\n').filter(Boolean);
      const path = `/var/lib/kubelet/seccomp/${relPath}`;
      for (const node of nodes)
        await run('docker', ['exec', '-i', node, 'sh', '-c', 'mkdir -p "$(dirname "$1")" && cat > "$1"', 'sh', path], {
          input: profile,
        });
    },
    startTimes: times,
    stop: async () => {
      pf.kill('SIGTERM');
      await run('kubectl', ['delete', 'namespace', E2E.namespace, '--wait=false'], { allowFail: true });
      if (created && process.env.KEEP_CLUSTER !== '1')
        await run('kind', ['delete', 'cluster', '--name', cluster], { allowFail: true });
    },
    // the cluster runs in Docker containers (deleted with the cluster when this provider created it)
    residue: () => [],
  };
}
