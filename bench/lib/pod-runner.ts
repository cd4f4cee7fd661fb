// The kubelet's part for the warm-pool bench, on a real control plane without a kubelet: every pool pod the
// operator creates becomes a real runtime process on this machine, started with the pod's own environment
// (values only: a pool pod has no secret references) and its HTTP server bound to a loopback address of its own
// (127.0.0.N, the pod IP written to the pod's status), so the operator's claim client and /status polls reach it
// exactly as they would reach a pod. /readyz 200 → pod Running + Ready; the process exits → Succeeded/Failed; the
// pod is deleted → SIGTERM. The claimed runtime's steps are on its /metrics (address()).
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { KubeClient, Pod } from '@lkbrowser/operator';
import { PODS } from '@lkbrowser/operator';
import { log, NODE, sleep } from './common.ts';
import { freshBundle } from '@lkbrowser/runtime/entry-points';

interface Running {
  proc: ChildProcess;
  ip: string;
  ready: boolean;
  exited: boolean;
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function status(ip: string, phase: 'Running' | 'Succeeded' | 'Failed', ready: boolean): Record<string, unknown> {
  const t = now();
  const state =
    phase === 'Running' ? { running: { startedAt: t } } : { terminated: { exitCode: phase === 'Failed' ? 1 : 0 } };
  return {
    phase,
    podIP: ip,
    podIPs: [{ ip }],
    hostIP: '127.0.0.1',
    hostIPs: [{ ip: '127.0.0.1' }],
    startTime: t,
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: t },
      { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: t },
    ],
    containerStatuses: [
      { name: 'browser', image: 'lkbrowser-runtime:bench', ready, restartCount: 0, state, lastState: {} },
    ],
  };
}

export class PodRunner {
  private readonly pods = new Map<string, Running>();
  private nextIp = 2;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly client: KubeClient;
  private readonly namespace: string;
  private readonly port: number;
  private readonly extraArgs: string[];

  constructor(client: KubeClient, namespace: string, port: number, extraArgs: string[] = []) {
    this.client = client;
    this.namespace = namespace;
    this.port = port;
    this.extraArgs = extraArgs;
  }

  /** The pod's runtime HTTP server (status, metrics), while its process runs. */
  address(podName: string): string | undefined {
    const r = this.pods.get(podName);
    return r && !r.exited ? `http://${r.ip}:${this.port}` : undefined;
  }

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        try {
          await this.tick();
        } catch (e) {
          log.warn({ err: (e as Error).message }, 'pod runner tick failed');
        }
        await sleep(100);
      }
    })();
  }

  private async tick(): Promise<void> {
    const { items } = await this.client.list<Pod>(PODS, this.namespace, { labelSelector: 'lkbrowser.dev/pool' });
    const seen = new Set<string>();
    for (const pod of items) {
      const name = pod.metadata.name ?? '';
      seen.add(name);
      const r = this.pods.get(name);
      if (pod.metadata.deletionTimestamp) {
        if (r && !r.exited) r.proc.kill('SIGTERM');
        continue;
      }
      if (!r && !pod.status?.podIP) this.spawn(pod);
    }
    for (const [name, r] of this.pods) {
      if (!seen.has(name) && !r.exited) r.proc.kill('SIGTERM');
      if (!seen.has(name) && r.exited) this.pods.delete(name);
    }
  }

  private spawn(pod: Pod): void {
    const name = pod.metadata.name ?? '';
    const ip = `127.0.0.${this.nextIp++}`;
    const env: Record<string, string> = {};
    for (const e of pod.spec?.containers?.[0]?.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
    const proc = spawn(NODE, [freshBundle(), ...this.extraArgs], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env, LKB_METRICS_HOST: ip },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const r: Running = { proc, ip, ready: false, exited: false };
    this.pods.set(name, r);
    const tail: string[] = [];
    createInterface({ input: proc.stdout as NonNullable<ChildProcess['stdout']> }).on('line', (l) => {
      tail.push(l);
      if (tail.length > 30) tail.shift();
    });
    createInterface({ input: proc.stderr as NonNullable<ChildProcess['stderr']> }).on('line', (l) => {
      tail.push(`stderr: ${l}`);
      if (tail.length > 30) tail.shift();
    });
    proc.once('exit', (code, signal) => {
      r.exited = true;
      if (code !== 0 && signal === null) log.warn({ pod: name, code, tail: tail.slice(-8) }, 'runtime exited');
      void this.client
        .patchStatus(PODS, this.namespace, name, { status: status(ip, code === 0 ? 'Succeeded' : 'Failed', false) })
        .catch(() => undefined); // the pod is usually deleted already
    });
    void (async () => {
      await this.client.patchStatus(PODS, this.namespace, name, { status: status(ip, 'Running', false) });
      while (!r.exited && !this.stopped) {
        const ok = await fetch(`http://${ip}:${this.port}/readyz`)
          .then((res) => res.status === 200)
          .catch(() => false);
        if (ok) {
          r.ready = true;
          await this.client.patchStatus(PODS, this.namespace, name, { status: status(ip, 'Running', true) });
          return;
        }
        await sleep(100);
      }
    })().catch((e: unknown) => log.warn({ pod: name, err: (e as Error).message }, 'pod status write failed'));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    const exits = [...this.pods.values()]
      .filter((r) => !r.exited)
      .map(
        (r) =>
          new Promise<void>((res) => {
            r.proc.once('exit', () => res());
            r.proc.kill('SIGTERM');
            setTimeout(() => {
              if (!r.exited) r.proc.kill('SIGKILL');
            }, 8000).unref();
          }),
      );
    await Promise.all(exits);
  }
}
