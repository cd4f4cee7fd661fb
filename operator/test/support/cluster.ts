// The operator's integration tests run against a real control plane (etcd, kube-apiserver, kube-controller-manager
// from @lkbrowser/testkit): the CRD installed as shipped, sessions created through the API, and the kubelet's part
// (pod status) written by the test, since no kubelet runs. One TestCluster per test file; a namespace per test.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import {
  type KubeControlPlane,
  type KubeControlPlaneOptions,
  startKubeControlPlane,
  waitFor,
} from '@lkbrowser/testkit';
import { CRD_PATH } from '../../scripts/gen-types.ts';
import { SESSIONS } from '../../src/browsersession/resource.ts';
import type { BrowserSession } from '../../src/browsersession/types.ts';
import type { OperatorConfig } from '../../src/config.ts';
import { ClientNodeKube, EVENTS, PODS, type ResourceRef } from '../../src/framework/kube-client.ts';
import type { KubeObject, Pod } from '../../src/framework/kube-types.ts';
import { Operator } from '../../src/operator.ts';
import type { SessionPolicy } from '../../src/policy/session-policy.ts';
import { PERMISSIVE_POLICY, permissivePolicyFile, testConfig, testCredentialsDir, testLog } from './helpers.ts';

export const NAMESPACES: ResourceRef = { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace' };
export const RESOURCE_QUOTAS: ResourceRef = {
  group: '',
  version: 'v1',
  plural: 'resourcequotas',
  kind: 'ResourceQuota',
};

export interface KubeEvent extends KubeObject {
  reason: string;
  type: string;
  note: string;
  regarding: { name: string; uid: string; kind: string };
}

export class TestCluster {
  readonly cp: KubeControlPlane;
  /** The operator's own client as cluster admin: the tests drive the API through the adapter under test. */
  readonly admin: ClientNodeKube;
  private readonly operators: Operator[] = [];
  private readonly children = new Set<ChildProcess>();

  private constructor(cp: KubeControlPlane) {
    this.cp = cp;
    this.admin = new ClientNodeKube(this.kubeConfig());
  }

  static async start(opts: KubeControlPlaneOptions = {}): Promise<TestCluster> {
    const cp = await startKubeControlPlane(opts);
    const c = new TestCluster(cp);
    try {
      await cp.kubectl(['apply', '-f', CRD_PATH]);
      await cp.kubectl(['wait', '--for=condition=Established', 'crd/browsersessions.lkbrowser.dev', '--timeout=120s']);
      // Established is set before every apiserver handler serves the new resource: wait until it lists.
      await waitFor(
        'BrowserSessions served',
        async () => (await c.admin.list(SESSIONS, 'default')).items !== undefined,
        60_000,
        200,
      );
    } catch (e) {
      await cp.stop();
      throw e;
    }
    return c;
  }

  kubeConfig(user = 'admin'): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromFile(this.cp.kubeconfig(user));
    return kc;
  }

  /** A fresh namespace `<prefix>-<random>`. */
  async namespace(prefix: string, labels: Record<string, string> = {}): Promise<string> {
    const name = `${prefix}-${randomBytes(3).toString('hex')}`;
    await this.admin.create(NAMESPACES, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
    return name;
  }

  /** An operator in this process, as cluster admin unless `kubeconfig` says otherwise. */
  async operator(
    over: Partial<OperatorConfig> = {},
    kc: KubeConfig = this.kubeConfig(),
    policy: SessionPolicy = PERMISSIVE_POLICY,
  ): Promise<Operator> {
    const config = testConfig({ identity: `op-${randomBytes(3).toString('hex')}`, ...over });
    const op = new Operator({
      config,
      client: new ClientNodeKube(kc),
      log: testLog.child({ op: config.identity }),
      policy,
    });
    this.operators.push(op);
    await op.start();
    return op;
  }

  /** `node operator/src/main.ts` as a child process (for kill -9); stdout/stderr kept for failure messages. */
  spawnOperator(args: string[]): { child: ChildProcess; output: () => string } {
    const main = new URL('../../src/main.ts', import.meta.url).pathname;
    const child = spawn(
      process.execPath,
      [
        main,
        `--kubeconfig=${this.cp.kubeconfig('admin')}`,
        `--livekit-credentials-dir=${testCredentialsDir()}`,
        `--policy-file=${permissivePolicyFile()}`,
        ...args,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return { child, output: () => out };
  }

  createSession(ns: string, name: string, spec: Record<string, unknown> = {}): Promise<BrowserSession> {
    return this.admin.create(SESSIONS, ns, {
      apiVersion: 'lkbrowser.dev/v1alpha1',
      kind: 'BrowserSession',
      metadata: { name, namespace: ns },
      spec: { url: 'https://example.com', room: 'demo', ...spec },
    } as unknown as BrowserSession);
  }

  session(ns: string, name: string): Promise<BrowserSession | undefined> {
    return this.admin.get<BrowserSession>(SESSIONS, ns, name);
  }

  pod(ns: string, sessionName: string): Promise<Pod | undefined> {
    return this.admin.get<Pod>(PODS, ns, `${sessionName}-browser`);
  }

  async pods(ns: string): Promise<Pod[]> {
    return (await this.admin.list<Pod>(PODS, ns)).items;
  }

  async events(ns: string, reason?: string): Promise<KubeEvent[]> {
    const all = (await this.admin.list<KubeEvent>(EVENTS, ns)).items;
    return all.filter((e) => reason === undefined || e.reason === reason);
  }

  /** The kubelet's part: merge-patch a pod's status subresource. */
  setPodStatus(ns: string, podName: string, status: Record<string, unknown>): Promise<Pod> {
    return this.admin.patchStatus<Pod>(PODS, ns, podName, { status });
  }

  /** Stops every operator and child started here, then the control plane. */
  async stop(): Promise<void> {
    await Promise.all(
      this.operators.map((o) => o.stop().catch((e: unknown) => testLog.warn({ err: e }, 'operator stop failed'))),
    );
    for (const c of this.children) c.kill('SIGKILL');
    await this.cp.stop();
  }
}

/** A session's condition by type. */
export const condOf = (s: BrowserSession | undefined, type: string) =>
  s?.status?.conditions?.find((c) => c.type === type);
