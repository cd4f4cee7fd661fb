// The permission table (src/rbac.ts) is enough, checked by the real authorizer: the operator runs as a
// ServiceAccount whose only rights are a ClusterRole and a Role built from the table, through a whole lifecycle
// with leader election. A missing verb would be a 403 (a reconcile error, or a Lease never taken); more than the
// table is not granted (kubectl auth can-i).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { waitFor } from '@lkbrowser/testkit';
import { SESSIONS } from '../../src/browsersession/resource.ts';
import { LEASES } from '../../src/framework/kube-client.ts';
import type { Lease } from '../../src/framework/kube-types.ts';
import type { Operator } from '../../src/operator.ts';
import { REQUIRED_PERMISSIONS } from '../../src/rbac.ts';
import { condOf, TestCluster } from '../support/cluster.ts';
import { FakeRuntime, podStatus } from '../support/helpers.ts';

const LONG = 90_000;

function rules(scope: 'watched' | 'operator') {
  return REQUIRED_PERMISSIONS.filter((p) => p.scope === scope).map((p) => ({
    apiGroups: [p.apiGroup],
    resources: [p.resource],
    verbs: p.verbs,
  }));
}

describe('RBAC from the permission table, enforced by the real authorizer', { timeout: 10 * 60_000 }, () => {
  let c: TestCluster;
  let runtime: FakeRuntime;
  let op: Operator;
  let system: string;
  let ns: string;

  before(async () => {
    c = await TestCluster.start();
    runtime = new FakeRuntime();
    await runtime.start();
    system = await c.namespace('lkb-system');
    ns = await c.namespace('tenant');
    const yaml = JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'lkb-operator', namespace: system } },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name: 'lkb-operator-test' },
          rules: rules('watched'),
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: 'lkb-operator-test' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'lkb-operator-test' },
          subjects: [{ kind: 'ServiceAccount', name: 'lkb-operator', namespace: system }],
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: { name: 'lkb-operator-election', namespace: system },
          rules: rules('operator'),
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: 'lkb-operator-election', namespace: system },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'lkb-operator-election' },
          subjects: [{ kind: 'ServiceAccount', name: 'lkb-operator', namespace: system }],
        },
      ],
    });
    await c.cp.kubectl(['apply', '-f', '-'], { input: yaml });
    const kc = new KubeConfig();
    kc.loadFromFile(await c.cp.serviceAccountKubeconfig(system, 'lkb-operator'));
    op = await c.operator(
      {
        leaderElect: true,
        operatorNamespace: system,
        leaseDurationMs: 4000,
        renewDeadlineMs: 3000,
        retryPeriodMs: 500,
        runtimePort: runtime.port,
      },
      kc,
    );
  });
  after(async () => {
    await runtime?.stop();
    await c?.stop();
  });

  it('a full lifecycle as the ServiceAccount: Lease, pod, status, events, recreate, delete — no 403', async () => {
    await waitFor('leader', () => op.isLeader(), LONG);
    assert.equal(
      (await c.admin.get<Lease>(LEASES, system, op.config.leaderElectionId))?.spec?.holderIdentity,
      op.identity,
    );
    await c.createSession(ns, 'rb');
    const first = await waitFor('pod', () => c.pod(ns, 'rb'), LONG);
    await c.setPodStatus(ns, 'rb-browser', { ...podStatus('ready'), podIPs: [{ ip: '127.0.0.1' }] });
    await waitFor('Running', async () => (await c.session(ns, 'rb'))?.status?.phase === 'Running', LONG);
    await waitFor('events written', async () => (await c.events(ns, 'Running')).length > 0, LONG);
    await c.admin.mergePatch(SESSIONS, ns, 'rb', { spec: { audio: false } });
    await waitFor(
      'recreated',
      async () => {
        const p = await c.pod(ns, 'rb');
        return p && p.metadata.uid !== first.metadata.uid;
      },
      LONG,
    );
    await waitFor(
      'status of generation 2',
      async () => condOf(await c.session(ns, 'rb'), 'Ready')?.observedGeneration === 2,
      LONG,
    );
    const text = await op.metrics.registry.metrics();
    const errors = text.split('\n').find((l) => l.startsWith('controller_runtime_reconcile_errors_total'));
    assert.match(errors ?? 'controller_runtime_reconcile_errors_total 0', / 0$/, 'no reconcile failed (a 403 would)');
    await op.stop();
    assert.equal(
      (await c.admin.get<Lease>(LEASES, system, op.config.leaderElectionId))?.spec?.holderIdentity,
      '',
      'released with update',
    );
  });

  it('the ServiceAccount gets nothing beyond the table (secrets, pod updates, other namespaces’ leases)', async () => {
    const kc = await c.cp.serviceAccountKubeconfig(system, 'lkb-operator');
    const no: string[][] = [
      ['get', 'secrets', '-n', ns],
      ['update', 'pods', '-n', ns],
      ['update', 'browsersessions.lkbrowser.dev', '-n', ns],
      ['create', 'leases.coordination.k8s.io', '-n', ns],
      ['delete', 'events.events.k8s.io', '-n', ns],
    ];
    for (const args of no) {
      const r = await c.cp.kubectl(['auth', 'can-i', ...args], { kubeconfigPath: kc, allowFail: true });
      assert.equal(r.stdout.trim(), 'no', args.join(' '));
    }
  });
});
