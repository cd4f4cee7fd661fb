// Shared test utilities: a fake runtime /status server, an operator wired to the fake apiserver, sleep.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { defaultConfig, type OperatorConfig } from '../../src/config.ts';
import { ClientNodeKube } from '../../src/framework/kube-client.ts';
import { Operator } from '../../src/operator.ts';
import type { RuntimeStatus } from '../../src/browsersession/runtime-status.ts';
import { parsePolicy, type SessionPolicy } from '../../src/policy/session-policy.ts';
import type { FakeApiServer } from './fake-apiserver.ts';

export const testLog = pino({ level: process.env.LKB_TEST_LOG ?? 'silent' });

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function kubeConfigFor(server: string, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 't', server, skipTLSVerify: true }],
    users: [{ name: 'u', token }],
    contexts: [{ name: 'c', cluster: 't', user: 'u', namespace: 'default' }],
    currentContext: 'c',
  });
  return kc;
}

/** The runtime's GET /status, with mutable answers. */
export class FakeRuntime {
  status: RuntimeStatus = {
    url: 'https://example.com/',
    focusHolder: null,
    width: 1280,
    height: 720,
    fps: 30,
    publishing: true,
    restarts: 0,
  };
  requests = 0;
  private server: Server | undefined;
  port = 0;
  async start(): Promise<number> {
    this.server = createServer((req, res) => {
      this.requests++;
      if (req.url === '/status')
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(this.status));
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }
  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** LiveKit API credentials of the tests' operators (a directory like the chart's mounted Secret). */
export const TEST_CREDENTIALS = { apiKey: 'APItestkey', apiSecret: 'test-secret-of-at-least-thirty-two-bytes-0123' };
let credentialsDir: string | undefined;
export function testCredentialsDir(): string {
  if (credentialsDir) return credentialsDir;
  const dir = mkdtempSync(join(tmpdir(), 'lkb-op-creds-'));
  writeFileSync(join(dir, 'apiKey'), TEST_CREDENTIALS.apiKey);
  writeFileSync(join(dir, 'apiSecret'), TEST_CREDENTIALS.apiSecret);
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  credentialsDir = dir;
  return dir;
}

/**
 * The policy of the tests' operators: anything goes (rooms in any namespace, every pod override), so tests of other
 * behaviour need not follow the admin rules. The rules themselves: test/policy and test/integration/trust.test.ts.
 */
export const PERMISSIVE_POLICY: SessionPolicy = parsePolicy({
  roomPrefix: '',
  images: ['*'],
  runtimeClassNames: ['*'],
  nodeSelectorKeys: ['*'],
  tolerationKeys: ['*'],
  labelKeys: ['*'],
  annotationKeys: ['*'],
  resources: { cpu: {}, memory: {}, 'ephemeral-storage': {} },
  engines: ['*'],
  allowPrivateNetworks: true,
  allowAutomation: true,
});
let policyFile: string | undefined;
/** PERMISSIVE_POLICY as a --policy-file for spawned operators. */
export function permissivePolicyFile(): string {
  if (policyFile) return policyFile;
  const f = join(testCredentialsDir(), 'policy.json');
  writeFileSync(f, JSON.stringify(PERMISSIVE_POLICY));
  policyFile = f;
  return f;
}

export function testConfig(over: Partial<OperatorConfig> = {}): OperatorConfig {
  return {
    ...defaultConfig(),
    livekitUrl: 'wss://livekit.example.com',
    livekitCredentialsDir: testCredentialsDir(),
    runtimeImage: 'lkbrowser-runtime:test',
    healthProbeBindAddress: '127.0.0.1:0',
    metricsBindAddress: '127.0.0.1:0',
    startingRequeueMs: 300,
    runningRequeueMs: 300,
    watchdogMs: 10_000,
    operatorNamespace: 'lkb-system',
    ...over,
  };
}

export function makeOperator(fake: FakeApiServer, token: string, over: Partial<OperatorConfig> = {}): Operator {
  const kc = kubeConfigFor(fake.url, token);
  return new Operator({
    config: testConfig({ identity: token, ...over }),
    policy: PERMISSIVE_POLICY,
    client: new ClientNodeKube(kc),
    log: testLog.child({ op: token }),
  });
}

export function session(name: string, spec: Record<string, unknown> = {}, namespace = 'default') {
  return {
    apiVersion: 'lkbrowser.dev/v1alpha1',
    kind: 'BrowserSession',
    metadata: { name, namespace },
    spec: { url: 'https://example.com', room: 'demo', ...spec },
  };
}

/** A kubelet-style pod status. */
export function podStatus(
  kind: 'scheduled' | 'running' | 'ready' | 'crashloop' | 'imagepull' | 'succeeded' | 'failed',
  restarts = 0,
): Record<string, unknown> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const cond = (type: string, status: string, reason?: string) => ({
    type,
    status,
    lastTransitionTime: now,
    ...(reason ? { reason } : {}),
  });
  const base = { podIP: '127.0.0.1', startTime: now };
  const cs = (state: Record<string, unknown>, ready: boolean, lastState: Record<string, unknown> = {}) => [
    { name: 'browser', image: 'lkbrowser-runtime:test', ready, restartCount: restarts, state, lastState },
  ];
  switch (kind) {
    case 'scheduled':
      return {
        ...base,
        phase: 'Pending',
        conditions: [cond('PodScheduled', 'True')],
        containerStatuses: cs({ waiting: { reason: 'ContainerCreating' } }, false),
      };
    case 'running':
      return {
        ...base,
        phase: 'Running',
        conditions: [cond('PodScheduled', 'True'), cond('Ready', 'False')],
        containerStatuses: cs({ running: { startedAt: now } }, false),
      };
    case 'ready':
      return {
        ...base,
        phase: 'Running',
        conditions: [cond('PodScheduled', 'True'), cond('Ready', 'True')],
        containerStatuses: cs({ running: { startedAt: now } }, true),
      };
    case 'crashloop':
      return {
        ...base,
        phase: 'Running',
        conditions: [cond('PodScheduled', 'True'), cond('Ready', 'False')],
        containerStatuses: cs(
          { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' } },
          false,
          { terminated: { exitCode: 3, reason: 'Error', message: 'runtime failed to start: 401 unauthorized\n' } },
        ),
      };
    case 'imagepull':
      return {
        ...base,
        phase: 'Pending',
        conditions: [cond('PodScheduled', 'True')],
        containerStatuses: cs(
          { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"' } },
          false,
        ),
      };
    case 'succeeded':
      return {
        ...base,
        phase: 'Succeeded',
        conditions: [cond('PodScheduled', 'True'), cond('Ready', 'False', 'PodCompleted')],
        containerStatuses: cs({ terminated: { exitCode: 0, reason: 'Completed' } }, false),
      };
    case 'failed':
      return {
        ...base,
        phase: 'Failed',
        reason: 'Evicted',
        message: 'The node was low on resource: memory.',
        conditions: [cond('PodScheduled', 'True')],
        containerStatuses: [],
      };
  }
}
