// helm/lkbrowser rendered by the real helm (`helm template`, `helm lint --strict`) for each documented value set, then
// checked: kinds, RBAC least privilege, restricted security contexts, NetworkPolicy CIDRs, CRD = crds/ source,
// Secrets; values.schema.json and the templates' own guards refuse bad values. Installing it: chart-install.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { parse as yamlParse } from 'yaml';
import { AUTOMATION_PORT, DEFAULT_POLICY, desiredNetworkPolicy, loadConfig, parsePolicy } from '@lkbrowser/operator';
import {
  chartDir,
  chartYaml,
  type Dict,
  find,
  helm,
  inCidr,
  type K8sObject,
  release,
  template,
  templateError,
} from './lib/helm.ts';

// biome-ignore lint/suspicious/noExplicitAny: test-only navigation of rendered manifests (plain parsed YAML)
type AnyObj = any;

const minimal = { livekit: { url: 'wss://livekit.example.com', credentialsSecret: 'livekit-credentials' } };
const full = {
  livekit: { url: 'ws://livekit.livekit.svc:7880', apiKey: 'devkey', apiSecret: 's3cr3t-value' },
  watchNamespaces: ['team-a', 'team-b'],
  rbac: { namespaced: true },
  operator: { replicas: 2, leaderElect: true, extraArgs: ['--max-concurrent-reconciles=2'] },
  crd: { keep: false },
  metrics: { enabled: false },
  networkPolicy: {
    enabled: true,
    livekit: { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'livekit' } } }] },
    extraExceptCidrs: ['203.0.113.0/24'],
  },
  runtime: { image: { tag: '1.2.3' } },
  cluster: { podCidrs: ['10.244.0.0/16'], serviceCidrs: ['10.96.0.0/12'] },
};

const crdSource = yamlParse(readFileSync(new URL('../../crds/browsersession.yaml', import.meta.url), 'utf8')) as AnyObj;

const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10', '127.0.0.0/8'];

/** The runtime NetworkPolicy the operator writes into a session namespace, from the chart's policy ConfigMap. */
function runtimeNetworkPolicy(objs: K8sObject[], namespace = 'team-a'): AnyObj {
  const [cm] = find(objs, 'ConfigMap', 'lkb-lkbrowser-policy') as [AnyObj];
  const rules = cm.data['runtime-networkpolicy.json'];
  return rules === undefined ? undefined : desiredNetworkPolicy(namespace, JSON.parse(rules));
}

function kinds(objs: K8sObject[]): string[] {
  return objs.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort();
}

// The operator's permissions, one line per rule. Changing the chart's RBAC means changing this table consciously.
const OPERATOR_RULES = [
  'lkbrowser.dev browsersessions list,watch',
  'lkbrowser.dev browsersessions/status patch',
  'lkbrowser.dev browsersessions/finalizers update',
  ' pods get,list,watch,create,delete',
  ' secrets create,update',
  'networking.k8s.io networkpolicies create,update',
  'events.k8s.io events create',
];
function ruleLines(rules: AnyObj[]): string[] {
  return rules.map((r) => `${r.apiGroups.join(',')} ${r.resources.join(',')} ${r.verbs.join(',')}`);
}

/** PodSecurity "restricted" (v1.29+) checks on a pod spec; returns the violations. */
function restrictedViolations(pod: AnyObj): string[] {
  const v: string[] = [];
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) v.push('host namespaces');
  for (const vol of pod.volumes ?? []) {
    const type = Object.keys(vol).find((k) => k !== 'name');
    if (
      ![
        'configMap',
        'secret',
        'emptyDir',
        'projected',
        'downwardAPI',
        'persistentVolumeClaim',
        'csi',
        'ephemeral',
      ].includes(type ?? '')
    )
      v.push(`volume type ${type}`);
  }
  const psc = pod.securityContext ?? {};
  for (const c of [...(pod.containers ?? []), ...(pod.initContainers ?? [])]) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) v.push(`${c.name}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) v.push(`${c.name}: allowPrivilegeEscalation must be false`);
    if (!(sc.runAsNonRoot ?? psc.runAsNonRoot)) v.push(`${c.name}: runAsNonRoot`);
    if ((sc.runAsUser ?? psc.runAsUser) === 0) v.push(`${c.name}: runAsUser 0`);
    const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') v.push(`${c.name}: seccompProfile`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) v.push(`${c.name}: capabilities.drop ALL`);
    for (const add of sc.capabilities?.add ?? []) if (add !== 'NET_BIND_SERVICE') v.push(`${c.name}: adds ${add}`);
    if (c.ports?.some((p: AnyObj) => p.hostPort)) v.push(`${c.name}: hostPort`);
  }
  return v;
}

/** Does this NetworkPolicy's egress allow TCP to ip:port (ipBlock peers only)? */
function egressAllowsIp(np: AnyObj, ip: string, port: number): boolean {
  return (np.spec.egress ?? []).some((rule: AnyObj) => {
    const portOk =
      !rule.ports ||
      rule.ports.some(
        (p: AnyObj) =>
          (p.protocol ?? 'TCP') === 'TCP' &&
          (p.port === undefined || (port >= p.port && port <= (p.endPort ?? p.port))),
      );
    const peerOk = (rule.to ?? []).some(
      (peer: AnyObj) =>
        peer.ipBlock &&
        inCidr(ip, peer.ipBlock.cidr) &&
        !(peer.ipBlock.except ?? []).some((e: string) => inCidr(ip, e)),
    );
    return portOk && peerOk;
  });
}

describe('Chart.yaml, values.schema.json and helm lint', () => {
  it('is a v2 application chart named lkbrowser with semver version and appVersion', async () => {
    assert.equal(chartYaml.name, 'lkbrowser');
    assert.match(chartYaml.version, /^\d+\.\d+\.\d+$/);
    assert.match(chartYaml.appVersion, /^\d+\.\d+\.\d+$/);
    const c = yamlParse(readFileSync(new URL('../lkbrowser/Chart.yaml', import.meta.url), 'utf8')) as AnyObj;
    assert.equal(c.apiVersion, 'v2');
    assert.equal(c.type, 'application');
  });
  for (const [name, values] of [
    ['minimal', minimal],
    ['full', full],
  ] as const) {
    it(`helm lint --strict passes with the ${name} value set`, async () => {
      const r = await helm(['lint', '--strict', chartDir, '--namespace', release.Namespace], { values });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    });
  }
  it('helm lint --strict fails on bad values (so the passes above mean something)', async () => {
    const r = await helm(['lint', '--strict', chartDir], { values: { ...minimal, operator: { replicas: 'two' } } });
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /replicas/);
  });
  it('refuses a Kubernetes older than the CRD needs (Chart.yaml kubeVersion)', async () => {
    assert.match(chartYaml.kubeVersion ?? '', />=1\.29/);
    assert.match(await templateError(minimal, ['--kube-version', '1.28.0']), /kubeVersion|incompatible/i);
    await template(minimal, { extraArgs: ['--kube-version', '1.29.0'] });
  });
  // Each bad value set, refused by helm itself (values.schema.json), with the part of helm's message that names it.
  const bad: [string, Dict, RegExp][] = [
    ['unknown top-level key', { livekitUrl: 'x' }, /livekitUrl|additional/i],
    ['bad pull policy', { image: { pullPolicy: 'Sometimes' } }, /pullPolicy/],
    ['livekit url with bad scheme', { livekit: { url: 'ftp://lk', credentialsSecret: 's' } }, /livekit\.url|url/],
    ['replicas 2 without leader election', { operator: { replicas: 2, leaderElect: false } }, /leaderElect/],
    ['namespaced RBAC without namespaces', { rbac: { namespaced: true } }, /watchNamespaces/],
    ['bad namespace name', { watchNamespaces: ['Team_A'] }, /watchNamespaces/],
    ['bad quantity', { operator: { resources: { limits: { memory: 'lots' } } } }, /memory/],
    ['bad shm size', { runtime: { shmSize: '1 gig' } }, /shmSize/],
    ['bad CIDR', { networkPolicy: { extraExceptCidrs: ['10.0.0.0'] } }, /extraExceptCidrs/],
    ['port out of range', { metrics: { port: 70000 } }, /port/],
  ];
  for (const [name, v, re] of bad)
    it(`values.schema.json refuses: ${name}`, async () => {
      const err = await templateError({
        ...minimal,
        ...v,
        livekit: { ...minimal.livekit, ...((v.livekit as Dict | undefined) ?? {}) },
      });
      assert.match(err, /values don't meet the specifications of the schema/);
      assert.match(err, re);
    });
  it('fails with a clear message: livekit.url is required', async () => {
    assert.match(await templateError({}), /livekit\.url is required/);
  });
  it('fails without credentials', async () => {
    assert.match(
      await templateError({ livekit: { url: 'wss://lk.example' } }),
      /set livekit.credentialsSecret or livekit.apiKey/,
    );
  });
});

describe('helm template: minimal values (existing credentials Secret, cluster-wide)', () => {
  let o: K8sObject[];
  before(async () => {
    o = (await template(minimal)).objects;
  });

  it('renders exactly the expected objects', () => {
    assert.deepEqual(kinds(o), [
      'ClusterRole//lkb-lkbrowser',
      'ClusterRoleBinding//lkb-lkbrowser',
      'ConfigMap/lkb-system/lkb-lkbrowser-policy',
      'CustomResourceDefinition//browsersessions.lkbrowser.dev',
      'Deployment/lkb-system/lkb-lkbrowser',
      'NetworkPolicy/lkb-system/lkb-lkbrowser-operator',
      'Role/lkb-system/lkb-lkbrowser-leader-election',
      'RoleBinding/lkb-system/lkb-lkbrowser-leader-election',
      'Service/lkb-system/lkb-lkbrowser-metrics',
      'ServiceAccount/lkb-system/lkb-lkbrowser',
      'ValidatingAdmissionPolicy//lkb-lkbrowser-sessions',
      'ValidatingAdmissionPolicyBinding//lkb-lkbrowser-sessions',
    ]);
  });

  it('labels every object with the standard labels', () => {
    for (const obj of o) {
      assert.equal(obj.metadata.labels?.['app.kubernetes.io/managed-by'], 'Helm', obj.kind);
      assert.equal(obj.metadata.labels?.['app.kubernetes.io/instance'], 'lkb', obj.kind);
      assert.equal(obj.metadata.labels?.['helm.sh/chart'], `lkbrowser-${chartYaml.version}`, obj.kind);
    }
  });

  it('templates the CRD from crds/browsersession.yaml, unchanged apart from labels and the keep annotation', () => {
    const [crd] = find(o, 'CustomResourceDefinition') as [AnyObj];
    assert.equal(crd.metadata.annotations['helm.sh/resource-policy'], 'keep');
    const stripped = structuredClone(crd);
    delete stripped.metadata.labels;
    delete stripped.metadata.annotations;
    assert.deepEqual(stripped, crdSource);
  });

  it('runs the operator with the documented flags, env and ports', () => {
    const [d] = find(o, 'Deployment') as [AnyObj];
    const c = d.spec.template.spec.containers[0];
    assert.equal(c.image, `ghcr.io/lkbrowser/operator:${chartYaml.appVersion}`);
    assert.deepEqual(c.args, [
      '--livekit-url=wss://livekit.example.com',
      '--livekit-credentials-dir=/etc/lkbrowser/livekit',
      '--policy-file=/etc/lkbrowser/policy/policy.json',
      '--runtime-network-policy-file=/etc/lkbrowser/policy/runtime-networkpolicy.json',
      '--token-ttl=1h',
      '--token-renew-before=30m',
      `--runtime-image=ghcr.io/lkbrowser/runtime:${chartYaml.appVersion}`,
      '--runtime-image-pull-policy=IfNotPresent',
      '--runtime-port=9090',
      '--shm-size=512Mi',
      '--leader-elect',
      '--metrics-bind-address=:8080',
      '--health-probe-bind-address=:8081',
      '--log-level=info',
    ]);
    const env = Object.fromEntries(c.env.map((e: AnyObj) => [e.name, e.value ?? e.valueFrom]));
    assert.deepEqual(env, {
      POD_NAME: { fieldRef: { fieldPath: 'metadata.name' } },
      POD_NAMESPACE: { fieldRef: { fieldPath: 'metadata.namespace' } },
      // V8 heap sized for the 256Mi limit (bench/operator-scale.ts measures 5,000 sessions with it)
      NODE_OPTIONS: '--max-old-space-size=160 --max-semi-space-size=8',
    });
    assert.equal(c.resources.limits.memory, '256Mi', 'NODE_OPTIONS is sized for this limit');
    assert.deepEqual(
      c.ports.map((p: AnyObj) => [p.name, p.containerPort]),
      [
        ['metrics', 8080],
        ['probes', 8081],
      ],
    );
    assert.deepEqual(c.livenessProbe.httpGet, { path: '/healthz', port: 'probes' });
    assert.deepEqual(c.readinessProbe.httpGet, { path: '/readyz', port: 'probes' });
    assert.equal(d.spec.template.spec.serviceAccountName, 'lkb-lkbrowser');
    assert.equal(find(o, 'ServiceAccount')[0]?.metadata.name, 'lkb-lkbrowser');
    // The selector must match the pod template, and the metrics Service must select the pod.
    for (const [k, v] of Object.entries(d.spec.selector.matchLabels))
      assert.equal(d.spec.template.metadata.labels[k], v);
    const [svc] = find(o, 'Service') as [AnyObj];
    for (const [k, v] of Object.entries(svc.spec.selector)) assert.equal(d.spec.template.metadata.labels[k], v);
    assert.equal(svc.spec.ports[0].targetPort, 'metrics');
  });

  it('meets PodSecurity restricted with a read-only root filesystem', () => {
    const [d] = find(o, 'Deployment') as [AnyObj];
    const pod = d.spec.template.spec;
    assert.deepEqual(restrictedViolations(pod), []);
    assert.equal(pod.containers[0].securityContext.readOnlyRootFilesystem, true);
    // The checker itself catches violations.
    assert.ok(
      restrictedViolations({ hostNetwork: true, containers: [{ name: 'x', securityContext: {} }] }).length >= 4,
    );
  });

  it('grants least privilege: exact operator rules, no wildcards, Secrets write-only, leases only in the release namespace', () => {
    const [cr] = find(o, 'ClusterRole') as [AnyObj];
    assert.deepEqual(ruleLines(cr.rules), OPERATOR_RULES);
    const roles = [...find(o, 'ClusterRole'), ...find(o, 'Role')] as AnyObj[];
    for (const role of roles)
      for (const rule of role.rules) {
        for (const f of ['apiGroups', 'resources', 'verbs'])
          assert.ok(!rule[f].includes('*'), `${role.metadata.name}: wildcard ${f}`);
        if (rule.resources.includes('secrets'))
          assert.deepEqual(rule.verbs, ['create', 'update'], `${role.metadata.name} may read Secrets`);
        assert.ok(
          !rule.verbs.includes('escalate') && !rule.verbs.includes('bind') && !rule.verbs.includes('impersonate'),
        );
      }
    const [le] = find(o, 'Role', 'lkb-lkbrowser-leader-election') as [AnyObj];
    assert.equal(le.metadata.namespace, release.Namespace);
    assert.deepEqual(ruleLines(le.rules), ['coordination.k8s.io leases get,create,update']);
    const [crb] = find(o, 'ClusterRoleBinding') as [AnyObj];
    assert.deepEqual(crb.subjects, [{ kind: 'ServiceAccount', name: 'lkb-lkbrowser', namespace: release.Namespace }]);
    assert.deepEqual(crb.roleRef, {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'lkb-lkbrowser',
    });
  });

  it("creates no Secret; NetworkPolicies on by default: the operator's, and the runtime rules for the operator", () => {
    assert.equal(find(o, 'Secret').length, 0);
    assert.deepEqual(
      find(o, 'NetworkPolicy').map((n) => n.metadata.name),
      ['lkb-lkbrowser-operator'],
      'the runtime one is written by the operator, per session namespace',
    );
    const np = runtimeNetworkPolicy(o);
    assert.equal(np.spec.egress.length, 2, 'DNS + internet (no in-cluster LiveKit rule without livekit.to)');
    const [d] = find(o, 'Deployment') as [AnyObj];
    assert.ok(
      d.spec.template.spec.containers[0].args.includes(
        '--runtime-network-policy-file=/etc/lkbrowser/policy/runtime-networkpolicy.json',
      ),
    );
    const off = find(o, 'ConfigMap');
    assert.equal(off.length, 1);
  });
});

describe('helm template: full values (namespaced RBAC, chart-made Secret, NetworkPolicy, HA)', () => {
  let o: K8sObject[];
  before(async () => {
    o = (await template(full)).objects;
  });

  it('renders Roles, Secrets and runtime NetworkPolicies in each watched namespace, no cluster-wide RBAC', () => {
    assert.deepEqual(kinds(o), [
      'ConfigMap/lkb-system/lkb-lkbrowser-policy',
      'CustomResourceDefinition//browsersessions.lkbrowser.dev',
      'Deployment/lkb-system/lkb-lkbrowser',
      'NetworkPolicy/lkb-system/lkb-lkbrowser-operator',
      'Role/lkb-system/lkb-lkbrowser-leader-election',
      'Role/team-a/lkb-lkbrowser',
      'Role/team-b/lkb-lkbrowser',
      'RoleBinding/lkb-system/lkb-lkbrowser-leader-election',
      'RoleBinding/team-a/lkb-lkbrowser',
      'RoleBinding/team-b/lkb-lkbrowser',
      'Secret/lkb-system/lkb-lkbrowser-livekit',
      'ServiceAccount/lkb-system/lkb-lkbrowser',
      'ValidatingAdmissionPolicy//lkb-lkbrowser-sessions',
      'ValidatingAdmissionPolicyBinding//lkb-lkbrowser-sessions',
    ]);
    for (const role of find(o, 'Role', 'lkb-lkbrowser') as AnyObj[])
      assert.deepEqual(ruleLines(role.rules), OPERATOR_RULES);
    for (const rb of find(o, 'RoleBinding', 'lkb-lkbrowser') as AnyObj[])
      assert.deepEqual(rb.subjects, [{ kind: 'ServiceAccount', name: 'lkb-lkbrowser', namespace: release.Namespace }]);
  });

  it('passes the watch namespaces, the chart-made Secret, extra args and 2 replicas to the operator', () => {
    const [d] = find(o, 'Deployment') as [AnyObj];
    assert.equal(d.spec.replicas, 2);
    assert.deepEqual(d.spec.template.spec.containers[0].args, [
      '--livekit-url=ws://livekit.livekit.svc:7880',
      '--livekit-credentials-dir=/etc/lkbrowser/livekit',
      '--policy-file=/etc/lkbrowser/policy/policy.json',
      '--runtime-network-policy-file=/etc/lkbrowser/policy/runtime-networkpolicy.json',
      '--token-ttl=1h',
      '--token-renew-before=30m',
      '--egress-deny-cidrs=10.244.0.0/16,10.96.0.0/12',
      '--runtime-image=ghcr.io/lkbrowser/runtime:1.2.3',
      '--runtime-image-pull-policy=IfNotPresent',
      '--runtime-port=9090',
      '--shm-size=512Mi',
      '--leader-elect',
      '--namespace=team-a,team-b',
      '--metrics-bind-address=0',
      '--health-probe-bind-address=:8081',
      '--log-level=info',
      '--max-concurrent-reconciles=2',
    ]);
    assert.deepEqual(
      d.spec.template.spec.containers[0].ports.map((p: AnyObj) => p.name),
      ['probes'],
    );
  });

  it('the admin policy reaches the operator as its --policy-file and binds the admission policy to the watched namespaces', () => {
    const [cm] = find(o, 'ConfigMap', 'lkb-lkbrowser-policy') as [AnyObj];
    const policy = parsePolicy(JSON.parse(cm.data['policy.json']));
    assert.deepEqual(policy, DEFAULT_POLICY, 'the chart default is the operator default');
    const [d] = find(o, 'Deployment') as [AnyObj];
    const vol = d.spec.template.spec.volumes.find((v: AnyObj) => v.name === 'policy');
    assert.equal(vol.configMap.name, cm.metadata.name);
    assert.match(d.spec.template.metadata.annotations['lkbrowser.dev/policy-hash'], /^[0-9a-f]{16}$/);
    const [b] = find(o, 'ValidatingAdmissionPolicyBinding') as [AnyObj];
    assert.deepEqual(b.spec.validationActions, ['Deny']);
    assert.deepEqual(b.spec.matchResources.namespaceSelector.matchExpressions[0].values, ['team-a', 'team-b']);
  });

  it('keeps the API key and secret in the release namespace, mounted into the operator only', () => {
    const secrets = find(o, 'Secret') as AnyObj[];
    assert.equal(secrets.length, 1, 'one Secret, in no session namespace');
    const [s] = secrets;
    assert.equal(s.metadata.namespace, release.Namespace);
    assert.equal(s.type, 'Opaque');
    assert.equal(Buffer.from(s.data.apiKey, 'base64').toString(), 'devkey');
    assert.equal(Buffer.from(s.data.apiSecret, 'base64').toString(), 's3cr3t-value');
    const [d] = find(o, 'Deployment') as [AnyObj];
    const vol = d.spec.template.spec.volumes.find((v: AnyObj) => v.name === 'livekit-credentials');
    assert.equal(vol.secret.secretName, s.metadata.name);
    // root-owned files, readable by the operator's group only (uid 1000 reads them through fsGroup 1000)
    assert.equal(vol.secret.defaultMode, 0o440);
    assert.equal(d.spec.template.spec.securityContext.fsGroup, d.spec.template.spec.securityContext.runAsGroup);
    const mount = d.spec.template.spec.containers[0].volumeMounts.find((m: AnyObj) => m.name === 'livekit-credentials');
    assert.deepEqual(mount, { name: 'livekit-credentials', mountPath: '/etc/lkbrowser/livekit', readOnly: true });
    assert.ok(!JSON.stringify(o).includes('s3cr3t-value'), 'the secret appears nowhere in plain text');
    assert.ok(!JSON.stringify(d).includes(s.data.apiSecret), 'not in the Deployment either');
  });

  it('does not mark the CRD keep when crd.keep=false', () => {
    const [crd] = find(o, 'CustomResourceDefinition') as [AnyObj];
    assert.equal(crd.metadata.annotations, undefined);
  });

  it('runtime NetworkPolicy: no ingress but operator→metrics, egress DNS + LiveKit + public internet only', () => {
    for (const np of [runtimeNetworkPolicy(o)]) {
      assert.deepEqual(np.spec.podSelector, {
        matchLabels: {
          'app.kubernetes.io/name': 'lkbrowser-runtime',
          'app.kubernetes.io/managed-by': 'lkbrowser-operator',
        },
      });
      assert.deepEqual(np.spec.policyTypes, ['Ingress', 'Egress']);
      assert.equal(np.spec.ingress.length, 1);
      const from = np.spec.ingress[0].from;
      assert.deepEqual(from[0].namespaceSelector, {
        matchLabels: { 'kubernetes.io/metadata.name': release.Namespace },
      });
      assert.equal(from[0].podSelector.matchLabels['app.kubernetes.io/component'], 'operator');
      assert.deepEqual(np.spec.ingress[0].ports, [{ protocol: 'TCP', port: 9090 }]);
      const [dns, livekit, internet] = np.spec.egress;
      assert.deepEqual(
        dns.ports.map((p: AnyObj) => `${p.protocol}/${p.port}`),
        ['UDP/53', 'TCP/53'],
      );
      assert.equal(dns.to[0].podSelector.matchLabels['k8s-app'], 'kube-dns');
      assert.deepEqual(livekit.to, full.networkPolicy.livekit.to);
      assert.ok(livekit.ports.some((p: AnyObj) => p.protocol === 'UDP' && p.port === 50000 && p.endPort === 60000));
      assert.equal(internet.to[0].ipBlock.cidr, '0.0.0.0/0');
      // extraExceptCidrs and the cluster's IPv4 ranges (cluster.podCidrs/serviceCidrs) are excluded too.
      assert.deepEqual(internet.to[0].ipBlock.except, [...PRIVATE, '203.0.113.0/24', '10.244.0.0/16', '10.96.0.0/12']);
      // Evaluate the policy: public addresses yes, cluster/private/metadata/loopback/CGNAT/extra no.
      for (const ip of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '11.0.0.1'])
        assert.ok(egressAllowsIp(np, ip, 443), `${ip} should be reachable`);
      for (const ip of [
        '169.254.169.254',
        '10.96.0.1',
        '172.16.0.1',
        '172.31.255.255',
        '192.168.1.1',
        '100.64.0.1',
        '127.0.0.1',
        '203.0.113.7',
      ])
        assert.ok(!egressAllowsIp(np, ip, 443), `${ip} must be blocked`);
    }
  });

  it('operator NetworkPolicy admits only the probe port (metrics disabled here)', async () => {
    const [np] = find(o, 'NetworkPolicy', 'lkb-lkbrowser-operator') as [AnyObj];
    assert.deepEqual(np.spec.policyTypes, ['Ingress']);
    assert.deepEqual(
      np.spec.ingress.flatMap((i: AnyObj) => i.ports.map((p: AnyObj) => p.port)),
      [8081],
    );
    const withMetrics = await template({ ...minimal, networkPolicy: { enabled: true } });
    const [np2] = find(withMetrics.objects, 'NetworkPolicy', 'lkb-lkbrowser-operator') as [AnyObj];
    assert.deepEqual(
      np2.spec.ingress.flatMap((i: AnyObj) => i.ports.map((p: AnyObj) => p.port)),
      [8080, 8081],
    );
  });
});

describe('helm template: other value sets', () => {
  it('crd.enabled=false renders no CRD', async () => {
    const r = await template({ ...minimal, crd: { enabled: false } });
    assert.equal(find(r.objects, 'CustomResourceDefinition').length, 0);
  });
  it('cluster-wide with chart-made credentials puts the Secret in the release namespace; networkPolicy off drops both', async () => {
    const r = await template({ livekit: { url: 'wss://lk.example', apiKey: 'k', apiSecret: 's' } });
    assert.deepEqual(
      find(r.objects, 'Secret').map((s) => s.metadata.namespace),
      [release.Namespace],
    );
    const off = await template({ ...minimal, networkPolicy: { enabled: false } });
    assert.equal(find(off.objects, 'NetworkPolicy').length, 0);
    assert.equal(runtimeNetworkPolicy(off.objects), undefined);
    const [d] = find(off.objects, 'Deployment') as [AnyObj];
    assert.ok(!d.spec.template.spec.containers[0].args.some((a: string) => a.startsWith('--runtime-network-policy')));
  });
  it('apiKey without apiSecret fails', async () => {
    assert.match(
      await templateError({ livekit: { url: 'wss://lk.example', apiKey: 'k' } }),
      /livekit.apiSecret is required/,
    );
  });
  it('leaderElect=false drops the flag and the Lease Role', async () => {
    const r = await template({ ...minimal, operator: { leaderElect: false } });
    const [d] = find(r.objects, 'Deployment') as [AnyObj];
    assert.ok(!d.spec.template.spec.containers[0].args.includes('--leader-elect'));
    assert.equal(find(r.objects, 'Role').length, 0);
  });
  it('the templates themselves refuse replicas>1 without leader election and namespaced RBAC without namespaces', async () => {
    // --skip-schema-validation: the template guards hold even where the schema is bypassed.
    const skip = ['--skip-schema-validation'];
    assert.match(
      await templateError({ ...minimal, operator: { replicas: 3, leaderElect: false } }, skip),
      /operator.replicas > 1 needs operator.leaderElect=true/,
    );
    assert.match(await templateError({ ...minimal, rbac: { namespaced: true } }, skip), /needs watchNamespaces/);
  });
  it('serviceAccount.create=false uses the named account and renders no ServiceAccount', async () => {
    const r = await template({ ...minimal, serviceAccount: { create: false, name: 'existing-sa' } });
    assert.equal(find(r.objects, 'ServiceAccount').length, 0);
    const [d] = find(r.objects, 'Deployment') as [AnyObj];
    assert.equal(d.spec.template.spec.serviceAccountName, 'existing-sa');
    assert.match(
      await templateError({ ...minimal, serviceAccount: { create: false } }),
      /serviceAccount.name is required/,
    );
  });
  it('hostNetwork values (single-node test cluster): off by default; on, the flag, hostNetwork, Recreate, extra env', async () => {
    const [d0] = find((await template(minimal)).objects, 'Deployment') as [AnyObj];
    assert.equal(JSON.stringify(d0).includes('hostNetwork'), false);
    assert.equal(JSON.stringify(d0).includes('--runtime-host-network'), false);
    const r = await template({
      ...minimal,
      runtime: { hostNetwork: true },
      operator: { hostNetwork: true, extraEnv: [{ name: 'KUBERNETES_SERVICE_HOST', value: '127.0.0.1' }] },
    });
    const [d] = find(r.objects, 'Deployment') as [AnyObj];
    const spec = d.spec as { strategy?: { type: string }; template: { spec: AnyObj } };
    assert.deepEqual(spec.strategy, { type: 'Recreate' }, 'host ports: no surge');
    assert.equal(spec.template.spec.hostNetwork, true);
    assert.equal(spec.template.spec.dnsPolicy, 'ClusterFirstWithHostNet');
    const c = (
      spec.template.spec.containers as Array<{ args: string[]; env: Array<{ name: string; value?: string }> }>
    )[0];
    assert.ok(c?.args.includes('--runtime-host-network'));
    assert.deepEqual(c?.env.at(-1), { name: 'KUBERNETES_SERVICE_HOST', value: '127.0.0.1' });
    const parsed = loadConfig(c?.args ?? [], {});
    assert.ok(!parsed.help && parsed.config.runtimeHostNetwork);
  });
  it('runtime.seccompProfile: none by default (RuntimeDefault); set, the one flag the operator reads; bad paths refused', async () => {
    const [d0] = find((await template(minimal)).objects, 'Deployment') as [AnyObj];
    assert.equal(JSON.stringify(d0).includes('--runtime-seccomp-profile'), false);
    const r = await template({ ...minimal, runtime: { seccompProfile: 'lkbrowser/chromium.json' } });
    const [d] = find(r.objects, 'Deployment') as [AnyObj];
    const c = (d.spec.template.spec.containers as Array<{ args: string[] }>)[0];
    assert.ok(c?.args.includes('--runtime-seccomp-profile=lkbrowser/chromium.json'));
    const parsed = loadConfig(c?.args ?? [], {});
    assert.ok(!parsed.help && parsed.config.runtimeSeccompProfile === 'lkbrowser/chromium.json');
    for (const bad of ['/var/lib/kubelet/seccomp/x.json', '../x.json', 'a/../x.json', 'a b.json'])
      assert.match(await templateError({ ...minimal, runtime: { seccompProfile: bad } }), /seccompProfile/, bad);
  });
  it('fullnameOverride and a release name containing the chart name shorten names like Helm does', async () => {
    const r = await template({ ...minimal, fullnameOverride: 'browsers' });
    assert.ok(find(r.objects, 'Deployment', 'browsers').length === 1);
  });
  it('operator pod extras (annotations, nodeSelector, tolerations, imagePullSecrets) are passed through', async () => {
    const r = await template({
      ...minimal,
      imagePullSecrets: [{ name: 'regcred' }],
      operator: {
        podAnnotations: { 'a.io/x': 'y' },
        nodeSelector: { pool: 'system' },
        tolerations: [{ key: 'k', operator: 'Exists' }],
      },
    });
    const [d] = find(r.objects, 'Deployment') as [AnyObj];
    const spec = d.spec.template.spec;
    assert.equal(d.spec.template.metadata.annotations['a.io/x'], 'y');
    assert.deepEqual(spec.nodeSelector, { pool: 'system' });
    assert.deepEqual(spec.tolerations, [{ key: 'k', operator: 'Exists' }]);
    assert.deepEqual(spec.imagePullSecrets, [{ name: 'regcred' }]);
    assert.deepEqual(restrictedViolations(spec), []);
  });
});

describe('helm template: warm pools (warmPools.enabled)', () => {
  const poolCrdSource = yamlParse(
    readFileSync(new URL('../../crds/browserpool.yaml', import.meta.url), 'utf8'),
  ) as AnyObj;
  const poolRules = (objs: K8sObject[], kind: string): string[] =>
    ruleLines((find(objs, kind) as AnyObj[]).filter((r) => !r.metadata.name.endsWith('leader-election'))[0].rules);

  it('off by default: no BrowserPool CRD, no pool rules, no flag, no claim key', async () => {
    const o = (await template(minimal)).objects;
    assert.deepEqual(
      (find(o, 'CustomResourceDefinition') as AnyObj[]).map((c) => c.metadata.name),
      ['browsersessions.lkbrowser.dev'],
    );
    assert.ok(!poolRules(o, 'ClusterRole').some((l) => l.includes('browserpools') || l === ' pods patch'));
    const [d] = find(o, 'Deployment') as [AnyObj];
    const c = d.spec.template.spec.containers[0];
    assert.ok(!c.args.includes('--warm-pools'));
    assert.ok(!c.env.some((e: AnyObj) => e.name === 'LKB_POOL_CLAIM_KEY'));
  });

  it('on: the CRD from crds/browserpool.yaml, the pool rules, --warm-pools, a generated claim key in the release namespace only', async () => {
    const o = (await template({ ...minimal, warmPools: { enabled: true } })).objects;
    const crd = (find(o, 'CustomResourceDefinition') as AnyObj[]).find(
      (c) => c.metadata.name === 'browserpools.lkbrowser.dev',
    );
    assert.ok(crd, 'BrowserPool CRD rendered');
    assert.equal(crd.metadata.annotations['helm.sh/resource-policy'], 'keep');
    const stripped = structuredClone(crd);
    delete stripped.metadata.labels;
    delete stripped.metadata.annotations;
    assert.deepEqual(stripped, poolCrdSource);
    const lines = poolRules(o, 'ClusterRole');
    for (const l of [
      'lkbrowser.dev browserpools list,watch',
      'lkbrowser.dev browserpools/status patch',
      'lkbrowser.dev browserpools/finalizers update',
      ' pods patch',
    ])
      assert.ok(lines.includes(l), `${l} in ${lines.join(' | ')}`);
    assert.ok(!lines.some((l) => l.includes('browserpools/scale')), 'the operator never scales a pool');
    const [d] = find(o, 'Deployment') as [AnyObj];
    const c = d.spec.template.spec.containers[0];
    assert.ok(c.args.includes('--warm-pools'));
    const env = c.env.find((e: AnyObj) => e.name === 'LKB_POOL_CLAIM_KEY');
    const secrets = find(o, 'Secret') as AnyObj[];
    assert.deepEqual(
      secrets.map((x) => `${x.metadata.namespace}/${x.metadata.name}`),
      [`${release.Namespace}/lkb-lkbrowser-pool-claim-key`],
    );
    assert.deepEqual(env.valueFrom, { secretKeyRef: { name: 'lkb-lkbrowser-pool-claim-key', key: 'claimKey' } });
    const key = Buffer.from(secrets[0].data.claimKey, 'base64').toString();
    assert.match(key, /^[A-Za-z0-9]{48}$/);
    assert.ok(!JSON.stringify(d).includes(key), 'the key is not in the Deployment');
    // A second render generates another key (helm template has no cluster to look the old one up in; an upgrade
    // keeps it: chart-install.test.ts).
    const again = (await template({ ...minimal, warmPools: { enabled: true } })).objects;
    assert.notEqual((find(again, 'Secret') as AnyObj[])[0].data.claimKey, secrets[0].data.claimKey);
  });

  it('an admin-provided claim key Secret: referenced, none rendered; namespaced RBAC gets the pool rules per namespace', async () => {
    const o = (await template({ ...full, warmPools: { enabled: true, claimKeySecret: 'my-claim-key' } })).objects;
    assert.ok(!(find(o, 'Secret') as AnyObj[]).some((x) => x.metadata.name.includes('claim')));
    const [d] = find(o, 'Deployment') as [AnyObj];
    const env = d.spec.template.spec.containers[0].env.find((e: AnyObj) => e.name === 'LKB_POOL_CLAIM_KEY');
    assert.equal(env.valueFrom.secretKeyRef.name, 'my-claim-key');
    const roles = (find(o, 'Role') as AnyObj[]).filter((r) => !r.metadata.name.endsWith('leader-election'));
    assert.deepEqual(
      roles.map((r) => r.metadata.namespace),
      ['team-a', 'team-b'],
    );
    for (const r of roles) assert.ok(ruleLines(r.rules).includes('lkbrowser.dev browserpools list,watch'));
  });
});

describe('.github/workflows/ci.yml helm job', () => {
  it('runs real helm lint and helm template with azure/setup-helm', () => {
    const ci = yamlParse(readFileSync(new URL('../../.github/workflows/ci.yml', import.meta.url), 'utf8')) as AnyObj;
    const job = ci.jobs.helm as AnyObj;
    assert.ok(job, 'a helm job');
    const steps = job.steps as AnyObj[];
    assert.ok(steps.some((s: AnyObj) => String(s.uses ?? '').startsWith('azure/setup-helm@')));
    const runs = steps.map((s: AnyObj) => String(s.run ?? '')).join('\n');
    assert.match(runs, /helm lint --strict/);
    assert.match(runs, /helm template/);
    assert.match(runs, /cmp crds\/browsersession\.yaml helm\/lkbrowser\/files\/browsersession\.yaml/);
  });
});

describe('the operator accepts what the chart passes (operator/src/config.ts loadConfig)', () => {
  // The kubelet resolves the downward-API env; simulate it for the pod the Deployment creates.
  async function operatorConfig(values: Dict) {
    const [d] = find((await template(values)).objects, 'Deployment') as [AnyObj];
    const c = d.spec.template.spec.containers[0];
    const env: Record<string, string> = {};
    for (const e of c.env) {
      if (e.value !== undefined) env[e.name] = e.value;
      else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = release.Namespace;
      else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = 'lkb-lkbrowser-7d9f-abcde';
      else if (e.valueFrom?.secretKeyRef?.key === 'claimKey')
        env[e.name] = 'k'.repeat(48); // the kubelet reads it
      else assert.fail(`unhandled env source for ${e.name}`);
    }
    const parsed = loadConfig(c.args, env);
    assert.equal(parsed.help, false);
    if (parsed.help) throw new Error('unreachable');
    return { cfg: parsed.config, d };
  }

  it('minimal values: every flag is known and lands in the config', async () => {
    const { cfg, d } = await operatorConfig(minimal);
    assert.equal(cfg.livekitUrl, 'wss://livekit.example.com');
    assert.equal(cfg.livekitCredentialsDir, '/etc/lkbrowser/livekit');
    assert.equal(cfg.tokenTtlMs, 3600_000);
    assert.equal(cfg.tokenRenewBeforeMs, 1800_000);
    assert.deepEqual(cfg.egressDenyCidrs, []);
    assert.equal(cfg.runtimeImage, `ghcr.io/lkbrowser/runtime:${chartYaml.appVersion}`);
    assert.equal(cfg.runtimeImagePullPolicy, 'IfNotPresent');
    assert.equal(cfg.runtimePort, 9090);
    assert.equal(cfg.shmSize, '512Mi');
    assert.equal(cfg.leaderElect, true);
    assert.deepEqual(cfg.namespaces, []);
    assert.equal(cfg.operatorNamespace, release.Namespace);
    assert.equal(cfg.identity, 'lkb-lkbrowser-7d9f-abcde');
    assert.equal(cfg.logLevel, 'info');
    // The ports the operator binds are the ones the probes, the Service and the NetworkPolicy use.
    const c = d.spec.template.spec.containers[0];
    const port = (n: string): number => c.ports.find((p: AnyObj) => p.name === n).containerPort;
    assert.equal(cfg.metricsBindAddress, `:${port('metrics')}`);
    assert.equal(cfg.healthProbeBindAddress, `:${port('probes')}`);
  });

  it('full values: namespaces, chart-made Secret, metrics off, extra args', async () => {
    const { cfg } = await operatorConfig(full);
    assert.deepEqual(cfg.namespaces, ['team-a', 'team-b']);
    assert.deepEqual(cfg.egressDenyCidrs, ['10.244.0.0/16', '10.96.0.0/12']);
    assert.equal(cfg.metricsBindAddress, '0');
    assert.equal(cfg.maxConcurrentReconciles, 2);
    assert.equal(cfg.runtimeImage, 'ghcr.io/lkbrowser/runtime:1.2.3');
    // The runtime NetworkPolicy lets the operator reach exactly the port it polls.
    const np = runtimeNetworkPolicy((await template(full)).objects);
    assert.deepEqual(np.spec.ingress[0].ports, [{ protocol: 'TCP', port: cfg.runtimePort }]);
    assert.equal(cfg.runtimeNetworkPolicyFile, '/etc/lkbrowser/policy/runtime-networkpolicy.json');
  });

  it('networkPolicy.automation.from opens the DevTools port (spec.automation) to the peers named, nobody by default', async () => {
    const closed = runtimeNetworkPolicy((await template(minimal)).objects);
    assert.equal(closed.spec.ingress.length, 1, 'by default only the operator reaches a runtime');
    const agents = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'agents' } } }];
    const open = runtimeNetworkPolicy(
      (await template({ ...minimal, networkPolicy: { automation: { from: agents } } })).objects,
    );
    assert.equal(open.spec.ingress.length, 2);
    assert.deepEqual(open.spec.ingress[1], { from: agents, ports: [{ protocol: 'TCP', port: AUTOMATION_PORT }] });
  });

  it('runtime.cefImage: unset = no CEF image (cef sessions refused); set = --cef-runtime-image', async () => {
    assert.equal((await operatorConfig(minimal)).cfg.cefRuntimeImage, '');
    const withCef = { ...minimal, runtime: { cefImage: { repository: 'ghcr.io/lkbrowser/runtime-cef' } } };
    assert.equal(
      (await operatorConfig(withCef)).cfg.cefRuntimeImage,
      `ghcr.io/lkbrowser/runtime-cef:${chartYaml.appVersion}`,
    );
  });

  it('warmPools.enabled yields warmPools in the operator, with a claim key in its environment', async () => {
    assert.equal((await operatorConfig(minimal)).cfg.warmPools, false);
    const { cfg, d } = await operatorConfig({ ...minimal, warmPools: { enabled: true } });
    assert.equal(cfg.warmPools, true);
    assert.ok(d.spec.template.spec.containers[0].env.some((e: AnyObj) => e.name === 'LKB_POOL_CLAIM_KEY'));
  });

  it('leaderElect=false yields leaderElect false in the operator', async () => {
    assert.equal((await operatorConfig({ ...minimal, operator: { leaderElect: false } })).cfg.leaderElect, false);
  });

  it('an unknown flag would be rejected by the operator (so the checks above are meaningful)', () => {
    assert.throws(() => loadConfig(['--watch-namespaces=a'], {}), /Unknown option/);
  });
});
