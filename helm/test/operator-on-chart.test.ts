// The chart's RBAC and wiring against the requests the operator really makes: the chart is installed with helm into a
// real control plane, the real operator (operator/src/main.ts) runs with the chart's Deployment args and the chart's
// ServiceAccount identity (a TokenRequest token), and creates, updates and deletes sessions. The apiserver's audit
// log must show no request of that ServiceAccount refused (403), cluster-wide and with rbac.namespaced=true; the
// ServiceAccount may not read Secrets. The runtime pods it creates are what the chart's NetworkPolicy selects and the
// chart-made Secret feeds. (No kubelet: pods stay Pending; running them is issue #15.)
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REQUIRED_PERMISSIONS } from '@lkbrowser/operator';
import { StandbyGate } from '@lkbrowser/runtime';
import { pino } from 'pino';
import { type AuditEvent, type KubeControlPlane, startKubeControlPlane, waitFor } from '@lkbrowser/testkit';
import { TokenVerifier } from 'livekit-server-sdk';
import { chartDir, repoRoot } from './lib/helm.ts';

// biome-ignore lint/suspicious/noExplicitAny: test-only navigation of API objects
type AnyObj = any;

const SA = 'system:serviceaccount:lkb-system:lkb-lkbrowser';
let cp: KubeControlPlane;

async function getJson(args: string[]): Promise<AnyObj> {
  return JSON.parse((await cp.kubectl([...args, '-o', 'json'])).stdout) as AnyObj;
}

/**
 * The permission table (operator/src/rbac.ts, which the chart's rules equal) against the ServiceAccount's requests:
 * requests outside the table (would be a 403, or a grant nobody listed), and table verbs never requested whose
 * entry does not say why (`notInAudit`): an unused grant to trim.
 */
function againstTable(since: number, features: readonly string[] = []): { outside: string[]; unused: string[] } {
  const key = (verb: string, group: string, resource: string) => `${verb} ${group}/${resource}`;
  // ResponseStarted too: a watch that is still open has no ResponseComplete yet.
  const events = cp.auditEvents().filter((e, i) => i >= since && e.user.username === SA);
  const used = new Set(
    events.map((e) => {
      const o = e.objectRef ?? {};
      return key(e.verb, o.apiGroup ?? '', `${o.resource ?? ''}${o.subresource ? `/${o.subresource}` : ''}`);
    }),
  );
  const table = REQUIRED_PERMISSIONS.flatMap((p) =>
    p.verbs.map((v) => ({
      k: key(v, p.apiGroup, p.resource),
      why: p.notInAudit?.[v] ?? (p.feature && !features.includes(p.feature) ? `${p.feature} off` : undefined),
    })),
  );
  return {
    outside: [...used].filter((u) => !table.some((t) => t.k === u)).sort(),
    unused: table.filter((t) => !used.has(t.k) && !t.why).map((t) => t.k),
  };
}

interface RunningOperator {
  child: ChildProcess;
  logPath: string;
  exited: Promise<number | null>;
}

/** The chart's credentials Secret as the kubelet mounts it into the operator pod: one file per item. */
async function mountCredentials(deploy: AnyObj, tag: string): Promise<string> {
  const vol = deploy.spec.template.spec.volumes.find((v: AnyObj) => v.name === 'livekit-credentials');
  const secret = await getJson(['get', 'secret', vol.secret.secretName, '-n', 'lkb-system']);
  const dir = join(cp.dir, `operator-${tag}-credentials`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const it of vol.secret.items as { key: string; path: string }[])
    writeFileSync(join(dir, it.path), Buffer.from(secret.data[it.key], 'base64'), { mode: 0o400 });
  return dir;
}

/** The chart's policy ConfigMap as the kubelet mounts it: one file per key. */
async function mountPolicy(deploy: AnyObj, tag: string): Promise<string> {
  const vol = deploy.spec.template.spec.volumes.find((v: AnyObj) => v.name === 'policy');
  const cm = await getJson(['get', 'configmap', vol.configMap.name, '-n', 'lkb-system']);
  const dir = join(cp.dir, `operator-${tag}-policy`);
  mkdirSync(dir, { recursive: true });
  for (const [k, v] of Object.entries(cm.data as Record<string, string>)) writeFileSync(join(dir, k), v);
  return dir;
}

/** The env the kubelet resolves from Secrets for the operator container (the warm pools' claim key). */
async function secretEnv(deploy: AnyObj): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const e of deploy.spec.template.spec.containers[0].env as AnyObj[]) {
    const ref = e.valueFrom?.secretKeyRef;
    if (!ref) continue;
    const secret = await getJson(['get', 'secret', ref.name, '-n', 'lkb-system']);
    env[e.name] = Buffer.from(secret.data[ref.key], 'base64').toString();
  }
  return env;
}

/** Runs operator/src/main.ts as the chart's Deployment would: its args, its ServiceAccount, its namespace. */
/**
 * The 403s among the operator's requests, each with the API server's reason (RBAC, or an admission plugin's). Not
 * counted: OwnerReferencesPermissionEnforcement refusing an owner reference to a kind its RESTMapper has not loaded
 * yet ("cannot find RESTMapping"): right after `helm install` brings the BrowserPool CRD, the admission plugin's
 * mapper lags the CRD by seconds; the operator retries and the pod is created (the test waits for it).
 */
function forbidden(events: AuditEvent[]): string[] {
  return events
    .filter((e) => e.responseStatus?.code === 403 && !/cannot find RESTMapping/.test(e.responseStatus?.message ?? ''))
    .map((e) => `${describeEvent(e)}: ${(e.responseStatus?.message ?? '').slice(0, 300)}`);
}

async function startOperator(tag: string, podsNamespace: string): Promise<RunningOperator> {
  const deploy = await getJson(['get', 'deployment', 'lkb-lkbrowser', '-n', 'lkb-system']);
  const container = deploy.spec.template.spec.containers[0];
  assert.equal(deploy.spec.template.spec.serviceAccountName, 'lkb-lkbrowser');
  const kubeconfig = await cp.serviceAccountKubeconfig('lkb-system', 'lkb-lkbrowser');
  // The API server's RBAC authorizer learns the just-installed bindings from its own watch: on a loaded machine an
  // operator started at once got 403 on its first pod creates (retried, but the audit check counts them).
  await waitFor(
    `the chart's RBAC in effect for pods in ${podsNamespace}`,
    async () =>
      // as the admin impersonating the ServiceAccount: the SA's own audit trail stays the operator's requests
      (
        await cp.kubectl(['auth', 'can-i', 'create', 'pods', '-n', podsNamespace, `--as=${SA}`], {
          allowFail: true,
        })
      ).stdout.trim() === 'yes',
    60_000,
    250,
  );
  // The chart's args, then what differs outside a pod: loopback ports chosen by the OS, the kubeconfig, where the
  // credentials volume is.
  const args = [
    ...(container.args as string[]),
    '--metrics-bind-address=127.0.0.1:0',
    '--health-probe-bind-address=127.0.0.1:0',
    `--kubeconfig=${kubeconfig}`,
    `--livekit-credentials-dir=${await mountCredentials(deploy, tag)}`,
  ];
  // The ConfigMap's mount point (/etc/lkbrowser/policy) is a local directory here.
  const policyDir = await mountPolicy(deploy, tag);
  for (const [i, a] of args.entries())
    if (a.startsWith('--policy-file=') || a.startsWith('--runtime-network-policy-file='))
      args[i] = a.replace('/etc/lkbrowser/policy', policyDir);
  const logPath = join(cp.dir, `operator-${tag}.log`);
  const fd = openSync(logPath, 'a');
  const child = spawn(process.execPath, [join(repoRoot, 'operator/src/main.ts'), ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      POD_NAMESPACE: 'lkb-system',
      POD_NAME: `lkb-lkbrowser-${tag}`,
      ...(await secretEnv(deploy)),
    },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitFor(
    'operator started',
    () => readFileSync(logPath, 'utf8').includes('"msg":"started"') || child.exitCode !== null,
    60_000,
    100,
  );
  assert.equal(child.exitCode, null, `operator exited:\n${readFileSync(logPath, 'utf8')}`);
  return { child, logPath, exited };
}

async function stopOperator(op: RunningOperator | undefined): Promise<void> {
  if (!op || op.child.exitCode !== null) return;
  op.child.kill('SIGTERM');
  assert.equal(await op.exited, 0, `operator did not stop cleanly:\n${readFileSync(op.logPath, 'utf8').slice(-3000)}`);
}

function saEvents(since: number): AuditEvent[] {
  return cp.auditEvents().filter((e, i) => i >= since && e.user.username === SA && e.stage === 'ResponseComplete');
}
function describeEvent(e: AuditEvent): string {
  const o = e.objectRef ?? {};
  return `${e.verb} ${o.apiGroup ?? ''}/${o.resource ?? ''}${o.subresource ? `/${o.subresource}` : ''} ns=${o.namespace ?? '*'} → ${e.responseStatus?.code}`;
}

/** The session's token Secret holds a join token for its room and identity, signed with the chart's credentials. */
async function checkTokenSecret(ns: string, name: string, pod: AnyObj): Promise<void> {
  const secretName = `${name}-livekit-token`;
  const vol = pod.spec.volumes.find((v: AnyObj) => v.secret);
  assert.equal(vol?.secret.secretName, secretName, 'the pod mounts the session token Secret');
  const s = await waitFor(
    `Secret ${ns}/${secretName}`,
    async () => {
      const r = await cp.api('GET', `/api/v1/namespaces/${ns}/secrets/${secretName}`);
      return r.status === 200 ? (r.body as AnyObj) : undefined;
    },
    60_000,
    200,
  );
  assert.equal(s.metadata.ownerReferences?.[0]?.kind, 'BrowserSession');
  const creds = await getJson(['get', 'secret', 'lkb-lkbrowser-livekit', '-n', 'lkb-system']);
  const b64 = (v: string): string => Buffer.from(v, 'base64').toString();
  const claims = await new TokenVerifier(b64(creds.data.apiKey), b64(creds.data.apiSecret)).verify(
    Buffer.from(s.data.token, 'base64').toString(),
  );
  assert.equal(claims.video?.room, `${ns}.demo-room`);
  assert.equal(claims.sub, name);
  assert.notEqual(claims.video?.roomAdmin, true);
}

/** spec.automation's bearer token: in the Secret the operator generated (owned by the session), mounted, in the status. */
async function checkAutomationSecret(ns: string, name: string, pod: AnyObj): Promise<void> {
  const secretName = `${name}-automation`;
  const vol = pod.spec.volumes.find((v: AnyObj) => v.name === 'automation-token');
  assert.equal(vol?.secret.secretName, secretName, 'the pod mounts the generated automation Secret');
  const s = await waitFor(
    `Secret ${ns}/${secretName}`,
    async () => {
      const r = await cp.api('GET', `/api/v1/namespaces/${ns}/secrets/${secretName}`);
      return r.status === 200 ? (r.body as AnyObj) : undefined;
    },
    60_000,
    200,
  );
  assert.equal(s.metadata.ownerReferences?.[0]?.kind, 'BrowserSession');
  assert.match(Buffer.from(s.data.token, 'base64').toString(), /^[A-Za-z0-9_-]{43}$/);
  assert.equal((await getJson(['get', 'bs', name, '-n', ns])).status?.automationTokenSecret, secretName);
}

/** Create, update and delete one session (with spec.automation); returns the pod it got. */
async function exerciseSession(ns: string, name: string): Promise<AnyObj> {
  await cp.kubectl(['apply', '-n', ns, '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'lkbrowser.dev/v1alpha1',
      kind: 'BrowserSession',
      metadata: { name },
      spec: { url: 'https://example.com/', room: `${ns}.demo-room`, automation: { enabled: true } },
    }),
  });
  const podName = `${name}-browser`;
  const pod = await waitFor(
    `pod ${ns}/${podName}`,
    async () => {
      const r = await cp.api('GET', `/api/v1/namespaces/${ns}/pods/${podName}`);
      return r.status === 200 ? (r.body as AnyObj) : undefined;
    },
    60_000,
    200,
  );
  await waitFor(
    `status of ${ns}/${name} written`,
    async () => {
      const bs = await getJson(['get', 'bs', name, '-n', ns]);
      return bs.status?.phase === 'Pending' && bs.status?.observedGeneration === 1 && bs.status?.podName === podName;
    },
    60_000,
    250,
  );
  // Update: a new URL changes the pod spec, so the operator deletes and recreates the pod.
  await cp.kubectl([
    'patch',
    'bs',
    name,
    '-n',
    ns,
    '--type=merge',
    '-p',
    JSON.stringify({ spec: { url: 'https://example.org/' } }),
  ]);
  await waitFor(
    `pod of ${ns}/${name} recreated for the new URL`,
    async () => {
      const r = await cp.api('GET', `/api/v1/namespaces/${ns}/pods/${podName}`);
      const p = r.body as AnyObj;
      return (
        r.status === 200 &&
        p.metadata.uid !== pod.metadata.uid &&
        JSON.stringify(p.spec).includes('https://example.org/')
      );
    },
    60_000,
    250,
  );
  await waitFor(
    `status observedGeneration 2 for ${ns}/${name}`,
    async () => (await getJson(['get', 'bs', name, '-n', ns])).status?.observedGeneration === 2,
    60_000,
    250,
  );
  await checkTokenSecret(ns, name, pod);
  await checkAutomationSecret(ns, name, pod);
  // Delete: the garbage collector removes the pod and the token Secret through their ownerReferences.
  await cp.kubectl(['delete', 'bs', name, '-n', ns]);
  await waitFor(
    `pod of ${ns}/${name} garbage-collected`,
    async () => (await cp.api('GET', `/api/v1/namespaces/${ns}/pods/${podName}`)).status === 404,
    90_000,
    250,
  );
  return pod;
}

before(async () => {
  // OwnerReferencesPermissionEnforcement (as on OpenShift): blockOwnerDeletion needs update on browsersessions/finalizers.
  cp = await startKubeControlPlane({
    audit: true,
    apiserverArgs: ['--enable-admission-plugins=NodeRestriction,OwnerReferencesPermissionEnforcement'],
  });
});
after(async () => {
  await cp?.stop();
});

describe('operator with the chart RBAC: cluster-wide (ClusterRole)', () => {
  let op: RunningOperator | undefined;
  let auditStart = 0;
  after(async () => {
    await stopOperator(op);
  });

  it('helm install: chart-made Secret, NetworkPolicy on', async () => {
    await cp.kubectl(['create', 'namespace', 'lkb-system']);
    await cp.helm([
      'install',
      'lkb',
      chartDir,
      '-n',
      'lkb-system',
      '--set',
      'livekit.url=wss://livekit.example.com',
      '--set',
      'livekit.apiKey=devkey',
      '--set',
      'livekit.apiSecret=devsecret',
      '--set',
      'networkPolicy.enabled=true',
      '--set',
      'operator.replicas=0',
      '--wait',
      '--timeout=120s',
    ]);
  });

  it('the operator, as the chart ServiceAccount, creates, updates and deletes a session with nothing forbidden', async () => {
    auditStart = cp.auditEvents().length;
    op = await startOperator('cluster', 'lkb-system');
    const pod = await exerciseSession('lkb-system', 'example');
    // The operator wrote the runtime NetworkPolicy (the chart's rules) into the session's namespace; it selects the
    // pod, which serves the port it admits.
    const np = await getJson(['get', 'networkpolicy', 'lkbrowser-runtime', '-n', 'lkb-system']);
    assert.equal(np.spec.egress.at(-1).to[0].ipBlock.cidr, '0.0.0.0/0');
    for (const [k, v] of Object.entries(np.spec.podSelector.matchLabels as Record<string, string>))
      assert.equal(pod.metadata.labels[k], v, k);
    const ports = pod.spec.containers.flatMap((c: AnyObj) => (c.ports ?? []).map((p: AnyObj) => p.containerPort));
    assert.deepEqual(
      np.spec.ingress[0].ports.map((p: AnyObj) => p.port).filter((p: number) => !ports.includes(p)),
      [],
      'admitted port served',
    );
    // No API key or secret reaches the runtime pod: no secretKeyRef, only the session's token Secret as a volume.
    const refs = pod.spec.containers.flatMap((c: AnyObj) => c.env ?? []).filter((e: AnyObj) => e.valueFrom);
    assert.deepEqual(refs, []);
    assert.equal(pod.spec.automountServiceAccountToken, false);

    const events = saEvents(auditStart);
    const seen = [...new Set(events.map(describeEvent))].sort();
    process.stderr.write(`operator requests (cluster-wide):\n  ${seen.join('\n  ')}\n`);
    assert.ok(
      events.some((e) => e.verb === 'create' && e.objectRef?.resource === 'pods' && e.responseStatus?.code === 201),
      'the operator created pods as the ServiceAccount',
    );
    assert.ok(
      events.some((e) => e.objectRef?.subresource === 'status' && e.responseStatus?.code === 200),
      'the operator wrote status',
    );
    assert.deepEqual(forbidden(events), [], 'forbidden requests');
    assert.deepEqual(againstTable(auditStart), { outside: [], unused: [] }, 'requests vs the permission table');
  });

  it('the ServiceAccount cannot read Secrets, anywhere (it only creates and replaces session token Secrets)', async () => {
    const kc = await cp.serviceAccountKubeconfig('lkb-system', 'lkb-lkbrowser');
    for (const args of [
      ['get', 'secrets', '-n', 'lkb-system'],
      ['list', 'secrets', '-n', 'lkb-system'],
      ['watch', 'secrets', '-n', 'default'],
      ['list', 'secrets', '--all-namespaces'],
      ['patch', 'secrets', '-n', 'lkb-system'],
      ['delete', 'secrets', '-n', 'lkb-system'],
    ]) {
      const r = await cp.kubectl(['auth', 'can-i', ...args], { kubeconfigPath: kc, allowFail: true });
      assert.equal(r.stdout.trim(), 'no', `can-i ${args.join(' ')}`);
    }
    const r = await cp.kubectl(['get', 'secret', 'lkb-lkbrowser-livekit', '-n', 'lkb-system'], {
      kubeconfigPath: kc,
      allowFail: true,
    });
    assert.match(r.stderr, /forbidden/);
  });

  it('helm uninstall stops here: the operator is stopped first, the CRD stays', async () => {
    await stopOperator(op);
    op = undefined;
    await cp.helm(['uninstall', 'lkb', '-n', 'lkb-system', '--wait']);
    await cp.kubectl(['get', 'crd', 'browsersessions.lkbrowser.dev']);
  });
});

describe('operator with the chart RBAC: rbac.namespaced=true (a Role per watched namespace)', () => {
  let op: RunningOperator | undefined;
  after(async () => {
    await stopOperator(op);
  });

  it('helm install with watchNamespaces=[team-a], rbac.namespaced', async () => {
    await cp.kubectl(['create', 'namespace', 'team-a']);
    await cp.kubectl(['create', 'namespace', 'team-b']);
    await cp.helm([
      'install',
      'lkb',
      chartDir,
      '-n',
      'lkb-system',
      '--set',
      'livekit.url=wss://livekit.example.com',
      '--set',
      'livekit.apiKey=devkey',
      '--set',
      'livekit.apiSecret=devsecret',
      '--set',
      'watchNamespaces={team-a}',
      '--set',
      'rbac.namespaced=true',
      '--set',
      'operator.replicas=0',
      '--wait',
      '--timeout=120s',
    ]);
    assert.equal(
      (await cp.kubectl(['get', 'clusterrole', 'lkb-lkbrowser'], { allowFail: true })).code,
      1,
      'no ClusterRole',
    );
  });

  it('the operator works in team-a with nothing forbidden, and may not touch team-b', async () => {
    const auditStart = cp.auditEvents().length;
    op = await startOperator('namespaced', 'team-a');
    await exerciseSession('team-a', 'ns-session');
    await getJson(['get', 'networkpolicy', 'lkbrowser-runtime', '-n', 'team-a']); // written by the operator
    const events = saEvents(auditStart);
    process.stderr.write(
      `operator requests (namespaced):\n  ${[...new Set(events.map(describeEvent))].sort().join('\n  ')}\n`,
    );
    assert.ok(
      events.some((e) => e.verb === 'create' && e.objectRef?.resource === 'pods' && e.objectRef.namespace === 'team-a'),
    );
    assert.deepEqual(forbidden(events), [], 'forbidden requests');
    assert.ok(!events.some((e) => e.objectRef?.namespace === 'team-b'), 'the operator never asked about team-b');
    // The Lease exists already (the cluster-wide operator above took and released it): get + update, no create.
    assert.deepEqual(
      againstTable(auditStart),
      { outside: [], unused: ['create coordination.k8s.io/leases'] },
      'requests vs the permission table',
    );
    const kc = await cp.serviceAccountKubeconfig('lkb-system', 'lkb-lkbrowser');
    for (const args of [
      ['create', 'pods', '-n', 'team-b'],
      ['list', 'browsersessions.lkbrowser.dev', '-n', 'team-b'],
      ['list', 'pods', '--all-namespaces'],
      ['get', 'secrets', '-n', 'team-a'],
    ]) {
      const r = await cp.kubectl(['auth', 'can-i', ...args], { kubeconfigPath: kc, allowFail: true });
      assert.equal(r.stdout.trim(), 'no', `can-i ${args.join(' ')}`);
    }
  });
});

describe('operator with the chart RBAC: warm pools (warmPools.enabled)', () => {
  let op: RunningOperator | undefined;
  let standby: Server | undefined;
  after(async () => {
    await stopOperator(op);
    await new Promise<void>((r) => (standby ? standby.close(() => r()) : r()));
  });
  let runtimePort = 0;
  let claimKey = '';

  it('helm install with warmPools.enabled: the BrowserPool CRD and a claim key Secret; helm upgrade keeps the key', async () => {
    await cp.helm(['uninstall', 'lkb', '-n', 'lkb-system', '--wait']);
    // The kubelet's part for one pool pod: the runtime's own claim gate (StandbyGate) behind the pod IP and the
    // chart's runtime.port, so the operator's claim is checked and answered as a standby runtime does.
    standby = createServer();
    await new Promise<void>((r) => standby?.listen(0, '127.0.0.1', r));
    runtimePort = (standby.address() as AddressInfo).port;
    const install = (verb: string) =>
      cp.helm([
        verb,
        'lkb',
        chartDir,
        '-n',
        'lkb-system',
        '--set',
        'livekit.url=wss://livekit.example.com',
        '--set',
        'livekit.apiKey=devkey',
        '--set',
        'livekit.apiSecret=devsecret',
        '--set',
        'warmPools.enabled=true',
        '--set',
        `runtime.port=${runtimePort}`,
        '--set',
        'operator.replicas=0',
        '--wait',
        '--timeout=120s',
      ]);
    await install('install');
    await cp.kubectl(['wait', '--for=condition=Established', 'crd/browserpools.lkbrowser.dev', '--timeout=60s']);
    const key = async () =>
      (await getJson(['get', 'secret', 'lkb-lkbrowser-pool-claim-key', '-n', 'lkb-system'])).data.claimKey as string;
    claimKey = await key();
    assert.ok(Buffer.from(claimKey, 'base64').toString().length >= 32);
    await install('upgrade');
    assert.equal(await key(), claimKey, 'the upgrade kept the claim key (pool pods started under it stay claimable)');
    const kc = await cp.serviceAccountKubeconfig('lkb-system', 'lkb-lkbrowser');
    for (const args of [
      ['update', 'browserpools.lkbrowser.dev', '-n', 'team-a'],
      ['update', 'browserpools.lkbrowser.dev/scale', '-n', 'team-a'],
      ['get', 'secrets', '-n', 'lkb-system'],
    ]) {
      const r = await cp.kubectl(['auth', 'can-i', ...args], { kubeconfigPath: kc, allowFail: true });
      assert.equal(r.stdout.trim(), 'no', `can-i ${args.join(' ')}`);
    }
  });

  it('the operator keeps a pool, a session claims its runtime, the runtime goes at the end: nothing forbidden', async () => {
    const auditStart = cp.auditEvents().length;
    op = await startOperator('pools', 'team-a');
    await cp.kubectl(['apply', '-n', 'team-a', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'lkbrowser.dev/v1alpha1',
        kind: 'BrowserPool',
        metadata: { name: 'warm' },
        spec: { replicas: 1 },
      }),
    });
    const podsOfPool = async (): Promise<AnyObj[]> =>
      (await getJson(['get', 'pods', '-n', 'team-a', '-l', 'lkbrowser.dev/pool=warm'])).items;
    const [pod] = await waitFor(
      'the pool pod',
      async () => ((await podsOfPool()).length === 1 ? await podsOfPool() : undefined),
      60_000,
      250,
    );
    const digest = pod.spec.containers[0].env.find((e: AnyObj) => e.name === 'LKB_CLAIM_SECRET_SHA256').value;
    let claimedRoom: string | undefined;
    const gate = new StandbyGate<string>(
      digest,
      (c) => ({ ok: true, value: c.env.LIVEKIT_ROOM ?? '' }),
      pino({ level: 'silent' }),
    );
    void gate.claimed.then((room) => {
      claimedRoom = room;
    });
    standby?.on('request', (req, res) => {
      if (req.url === '/claim') gate.handle(req, res);
      else res.writeHead(404).end();
    });
    const t = new Date().toISOString();
    const st = await cp.api(
      'PATCH',
      `/api/v1/namespaces/team-a/pods/${pod.metadata.name}/status`,
      {
        status: {
          phase: 'Running',
          podIP: '127.0.0.1',
          podIPs: [{ ip: '127.0.0.1' }],
          conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: t }],
        },
      },
      { contentType: 'application/merge-patch+json' },
    );
    assert.equal(st.status, 200, st.text);
    await waitFor(
      'pool status: 1 ready',
      async () => (await getJson(['get', 'bp', 'warm', '-n', 'team-a'])).status?.readyReplicas === 1,
      60_000,
      250,
    );
    await cp.kubectl(['apply', '-n', 'team-a', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'lkbrowser.dev/v1alpha1',
        kind: 'BrowserSession',
        metadata: { name: 'warm-session' },
        spec: { url: 'https://example.com/', room: 'team-a.demo-room', pool: { name: 'warm' } },
      }),
    });
    await waitFor('the claim reached the standby runtime', () => claimedRoom, 60_000, 100);
    assert.equal(claimedRoom, 'team-a.demo-room');
    const claimed = await getJson(['get', 'pod', pod.metadata.name, '-n', 'team-a']);
    assert.equal(claimed.metadata.labels['lkbrowser.dev/pool-state'], 'claimed');
    await waitFor(
      'the pool refills (a new standby pod)',
      async () => (await podsOfPool()).some((p) => p.metadata.name !== pod.metadata.name),
      60_000,
      250,
    );
    await cp.kubectl(['delete', 'bs', 'warm-session', '-n', 'team-a']);
    await waitFor(
      'the claimed runtime deleted at the end of its session',
      async () => (await cp.api('GET', `/api/v1/namespaces/team-a/pods/${pod.metadata.name}`)).status === 404,
      60_000,
      250,
    );
    const events = saEvents(auditStart);
    process.stderr.write(
      `operator requests (warm pools):\n  ${[...new Set(events.map(describeEvent))].sort().join('\n  ')}\n`,
    );
    assert.deepEqual(forbidden(events), [], 'forbidden requests');
    const { outside, unused } = againstTable(auditStart, ['warmPools']);
    assert.deepEqual(outside, [], 'requests outside the permission table');
    const poolEntries = REQUIRED_PERMISSIONS.filter((p) => p.feature === 'warmPools').flatMap((p) =>
      p.verbs.filter((v) => !p.notInAudit?.[v]).map((v) => `${v} ${p.apiGroup}/${p.resource}`),
    );
    assert.deepEqual(
      unused.filter((u) => poolEntries.includes(u)),
      [],
      'every warm pool permission is used',
    );
    await cp.kubectl(['delete', 'bp', 'warm', '-n', 'team-a']);
  });
});
