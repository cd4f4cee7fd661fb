// The real control plane fixture: it starts, serves kubectl/helm as several users under RBAC, runs the controllers
// tests rely on (GC, namespaces, service accounts), enforces ValidatingAdmissionPolicy, and stops without a trace.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type KubeControlPlane, startKubeControlPlane, waitFor } from '@lkbrowser/testkit';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false; // ESRCH: the process is gone
  }
}

describe('KubeControlPlane', () => {
  let cp: KubeControlPlane;
  before(async () => {
    cp = await startKubeControlPlane({ audit: true });
    process.stderr.write(
      `kube control plane ${cp.versions.kubernetes} (etcd ${cp.versions.etcd}) ready in ${cp.startMs} ms\n`,
    );
  });
  after(async () => {
    await cp?.stop();
  });

  it('serves the pinned Kubernetes version to kubectl and helm', async () => {
    const v = JSON.parse((await cp.kubectl(['version', '-o', 'json'])).stdout) as {
      serverVersion: { gitVersion: string };
      clientVersion: { gitVersion: string };
    };
    assert.equal(v.serverVersion.gitVersion, cp.versions.kubernetes);
    assert.equal(v.clientVersion.gitVersion, cp.versions.kubernetes);
    const helmV = (await cp.helm(['version', '--short'])).stdout;
    assert.match(helmV, new RegExp(`^${cp.versions.helm.replace(/\./g, '\\.')}`));
  });

  it('authenticates static-token users and authorizes them with RBAC', async () => {
    const who = JSON.parse((await cp.kubectl(['auth', 'whoami', '-o', 'json'], { user: 'alice' })).stdout) as {
      status: { userInfo: { username: string; groups: string[] } };
    };
    assert.equal(who.status.userInfo.username, 'alice');
    assert.ok(who.status.userInfo.groups.includes('team-a'));
    const denied = await cp.kubectl(['get', 'configmaps', '-n', 'default'], { user: 'alice', allowFail: true });
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /forbidden/);
    await cp.kubectl(['create', 'namespace', 'team-a']);
    await cp.kubectl(['create', 'rolebinding', 'team-a-edit', '-n', 'team-a', '--clusterrole=edit', '--group=team-a']);
    await cp.kubectl(['create', 'configmap', 'x', '-n', 'team-a', '--from-literal=k=v'], { user: 'alice' });
    const bob = await cp.kubectl(['get', 'configmap', 'x', '-n', 'team-a'], { user: 'bob', allowFail: true });
    assert.match(bob.stderr, /forbidden/);
    const eve = await cp.api('GET', '/api/v1/namespaces', undefined, { user: 'eve' });
    assert.equal(eve.status, 403);
    const nobody = await cp.api('GET', '/api/v1/namespaces', undefined, { token: 'not-a-token' });
    assert.equal(nobody.status, 401);
  });

  it('issues ServiceAccount tokens (TokenRequest) that authenticate as the account', async () => {
    await cp.kubectl(['create', 'serviceaccount', 'robot', '-n', 'team-a']);
    const kc = await cp.serviceAccountKubeconfig('team-a', 'robot');
    const who = JSON.parse((await cp.kubectl(['auth', 'whoami', '-o', 'json'], { kubeconfigPath: kc })).stdout) as {
      status: { userInfo: { username: string } };
    };
    assert.equal(who.status.userInfo.username, 'system:serviceaccount:team-a:robot');
    const can = await cp.kubectl(['auth', 'can-i', 'list', 'secrets', '-n', 'team-a'], {
      kubeconfigPath: kc,
      allowFail: true,
    });
    assert.equal(can.stdout.trim(), 'no');
  });

  it('runs the garbage collector: deleting an owner deletes its dependents', async () => {
    const owner = JSON.parse(
      (await cp.kubectl(['create', 'configmap', 'owner', '-n', 'team-a', '-o', 'json'])).stdout,
    ) as { metadata: { uid: string } };
    const dependent = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'dependent',
        namespace: 'team-a',
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid }],
      },
    };
    await cp.kubectl(['apply', '-f', '-'], { input: JSON.stringify(dependent) });
    await cp.kubectl(['delete', 'configmap', 'owner', '-n', 'team-a', '--wait=false']);
    await waitFor(
      'GC deletes the dependent',
      async () => (await cp.api('GET', '/api/v1/namespaces/team-a/configmaps/dependent')).status === 404,
      60_000,
      250,
    );
  });

  it('runs the namespace controller: a deleted namespace is emptied and goes away', async () => {
    await cp.kubectl(['create', 'namespace', 'doomed']);
    await cp.kubectl(['create', 'configmap', 'c', '-n', 'doomed']);
    await cp.kubectl(['delete', 'namespace', 'doomed', '--wait=false']);
    await waitFor(
      'namespace doomed is gone',
      async () => (await cp.api('GET', '/api/v1/namespaces/doomed')).status === 404,
      90_000,
      250,
    );
  });

  it('enforces a ValidatingAdmissionPolicy (GA, on by default)', async () => {
    const policy = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: 'no-forbidden-key' },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['configmaps'] },
          ],
        },
        validations: [
          { expression: "!has(object.data) || !('forbidden' in object.data)", message: 'key forbidden is not allowed' },
        ],
      },
    };
    const binding = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: 'no-forbidden-key' },
      spec: {
        policyName: 'no-forbidden-key',
        validationActions: ['Deny'],
        matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'team-a' } } },
      },
    };
    await cp.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [policy, binding] }),
    });
    // The policy takes effect once the apiserver's admission informers have it.
    const refused = await waitFor(
      'the policy refuses a ConfigMap with key forbidden',
      async () => {
        const r = await cp.kubectl(['create', 'configmap', 'bad', '-n', 'team-a', '--from-literal=forbidden=1'], {
          user: 'alice',
          allowFail: true,
        });
        if (r.code === 0) await cp.kubectl(['delete', 'configmap', 'bad', '-n', 'team-a']);
        return r.code !== 0 ? r : false;
      },
      60_000,
      500,
    );
    assert.match(refused.stderr, /key forbidden is not allowed/);
    await cp.kubectl(['create', 'configmap', 'good', '-n', 'team-a', '--from-literal=fine=1'], { user: 'alice' });
  });

  it('writes an audit log naming user, verb, resource and response code', async () => {
    await waitFor(
      'audit events for eve (403) and alice',
      () => {
        const ev = cp.auditEvents();
        return (
          ev.some((e) => e.user.username === 'eve' && e.responseStatus?.code === 403) &&
          ev.some((e) => e.user.username === 'alice' && e.verb === 'create' && e.objectRef?.resource === 'configmaps')
        );
      },
      10_000,
      100,
    );
  });

  it('stops every process and removes its directory', async () => {
    const pids = cp.pids();
    assert.equal(pids.length, 3, 'etcd, kube-apiserver, kube-controller-manager');
    const dir = cp.dir;
    assert.ok(existsSync(dir));
    const t0 = Date.now();
    await cp.stop();
    process.stderr.write(`kube control plane stopped in ${Date.now() - t0} ms\n`);
    for (const pid of pids) assert.equal(alive(pid), false, `pid ${pid} still alive`);
    assert.equal(existsSync(dir), false);
    assert.deepEqual(cp.pids(), []);
  });
});

describe('KubeControlPlane start failures', () => {
  it('reports a component that exits, with its log, and leaves nothing behind', async () => {
    await assert.rejects(
      startKubeControlPlane({ apiserverArgs: ['--no-such-flag=1'], controllerManager: false }),
      (e: Error) => {
        assert.match(e.message, /kube-apiserver exited/);
        assert.match(e.message, /unknown flag: --no-such-flag/);
        const dir = /control plane in (\S+) did not start/.exec(e.message)?.[1];
        assert.ok(dir);
        assert.equal(existsSync(dir), false, `${dir} left behind`);
        return true;
      },
    );
  });
});
