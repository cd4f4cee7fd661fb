// A real Kubernetes control plane on loopback for tests (like controller-runtime's envtest): etcd, kube-apiserver
// (RBAC + Node authorizers, static token users, service-account signing, default admission plugins incl.
// ValidatingAdmissionPolicy) and kube-controller-manager (garbage collector, namespaces, service accounts, tokens,
// workloads). No scheduler or kubelet: pods are created and stay Pending (testkit/src/kube-node.ts adds kube-scheduler,
// containerd and a kubelet). Binaries: scripts/tools/kubernetes.sh.
//
//   const cp = await startKubeControlPlane();
//   await cp.kubectl(['apply', '-f', file]);            // admin
//   await cp.kubectl(['get', 'bs'], { user: 'alice' });  // a tenant user (RBAC applies)
//   cp.kubeconfig('admin')                              // a kubeconfig file for the operator / helm
//   await cp.stop();                                    // no process or file left behind
//
// Design note (issue #15): every process is a `Component` started by `startComponent`; a scheduler and a kubelet
// are two more components with their own kubeconfig (tokens for system:kube-scheduler exist already; a node gets a
// client certificate from `issueClientCert`, signed by the cluster CA the apiserver trusts).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { toolPath, toolVersions } from './tools.ts';
import { waitFor } from './wait.ts';

const execFileP = promisify(execFile);

export interface KubeUser {
  name: string;
  groups?: string[];
}

export interface KubeControlPlaneOptions {
  /** Extra static-token users (besides the built-in ones, see BUILTIN_USERS). */
  users?: KubeUser[];
  /** Write an audit log (Metadata level, every request) to `auditLogPath`. */
  audit?: boolean;
  /** Audit only these users' requests (default: everyone's). A bench that counts one client's requests should not
   * pay for serializing the controller-manager's and its own. */
  auditUsers?: string[];
  /** Extra kube-apiserver flags (`--name=value`), appended last. */
  apiserverArgs?: string[];
  /** Start kube-controller-manager (default true). */
  controllerManager?: boolean;
  /** Startup deadline for the whole control plane (default 180 s: the machine is shared). */
  startTimeoutMs?: number;
}

/** Users every control plane has. Tenant tests bind RBAC to alice/bob/eve or the groups team-a/team-b. */
export const BUILTIN_USERS: readonly KubeUser[] = [
  { name: 'admin', groups: ['system:masters'] },
  { name: 'system:kube-controller-manager' },
  { name: 'system:kube-scheduler' },
  { name: 'alice', groups: ['team-a'] },
  { name: 'bob', groups: ['team-b'] },
  { name: 'eve' },
];

/** The Service CIDR: on loopback, so that a ClusterIP dialled without kube-proxy never leaves the machine. */
export const SERVICE_CIDR = '127.100.0.0/24';
export const KUBERNETES_SERVICE_IP = '127.100.0.1';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Static-token user (default admin) or a kubeconfig path. */
  user?: string;
  kubeconfigPath?: string;
  input?: string;
  /** Resolve with a non-zero exit instead of rejecting. */
  allowFail?: boolean;
  cwd?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  text: string;
}

interface Component {
  name: string;
  child: ChildProcess;
  logPath: string;
  exited: Promise<void>;
  exitCode: number | null | undefined;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
/** A test process that dies without stop() must not leave apiservers behind: kill what is still running. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function tail(path: string, lines = 40): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
  } catch (e) {
    return `(no log: ${(e as Error).message})`;
  }
}

async function openssl(args: string[], cwd: string): Promise<void> {
  await execFileP('openssl', args, { cwd });
}

export class KubeControlPlane {
  readonly dir: string;
  readonly server: string;
  readonly caFile: string;
  readonly auditLogPath: string | undefined;
  readonly versions: { kubernetes: string; etcd: string; helm: string };
  readonly binDir: string;
  /** Time from start() to ready, ms. */
  startMs = 0;
  private readonly tokens = new Map<string, string>();
  private readonly components: Component[] = [];
  private stopped = false;

  private constructor(dir: string, server: string, auditLogPath: string | undefined) {
    this.dir = dir;
    this.server = server;
    this.caFile = join(dir, 'pki', 'ca.crt');
    this.auditLogPath = auditLogPath;
    const v = toolVersions();
    this.versions = { kubernetes: v.KUBERNETES_VERSION ?? '', etcd: v.ETCD_VERSION ?? '', helm: v.HELM_VERSION ?? '' };
    this.binDir = join(toolPath(`kubernetes-${this.versions.kubernetes}`, 'kube-apiserver', 'kubernetes.sh'), '..');
  }

  static async start(opts: KubeControlPlaneOptions = {}): Promise<KubeControlPlane> {
    const t0 = Date.now();
    const dir = mkdtempSync(join(tmpdir(), 'lkb-kube-'));
    const [etcdPort, etcdPeerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const auditLogPath = opts.audit ? join(dir, 'audit.log') : undefined;
    let cp: KubeControlPlane;
    try {
      cp = new KubeControlPlane(dir, `https://127.0.0.1:${apiPort}`, auditLogPath);
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    try {
      await cp.boot(opts, etcdPort, etcdPeerPort, apiPort);
    } catch (e) {
      await cp.stop();
      throw e;
    }
    cp.startMs = Date.now() - t0;
    return cp;
  }

  private async boot(
    opts: KubeControlPlaneOptions,
    etcdPort: number,
    etcdPeerPort: number,
    apiPort: number,
  ): Promise<void> {
    const deadline = Date.now() + (opts.startTimeoutMs ?? 180_000);
    const left = (): number => Math.max(1000, deadline - Date.now());
    const pki = join(this.dir, 'pki');
    for (const d of ['pki', 'logs', 'kubeconfig', 'etcd'])
      mkdirSync(join(this.dir, d), { recursive: true, mode: 0o700 });
    await this.makePki(pki);
    // The apiserver's client identity towards kubelets (logs, exec; testkit/src/kube-node.ts).
    const kubeletClient = await this.issueClientCert('kube-apiserver-kubelet-client', ['system:masters']);

    const users = [...BUILTIN_USERS, ...(opts.users ?? [])];
    const csv: string[] = [];
    for (const u of users) {
      if (this.tokens.has(u.name)) throw new Error(`duplicate user ${u.name}`);
      const token = randomBytes(24).toString('hex');
      this.tokens.set(u.name, token);
      const groups = (u.groups ?? []).join(',');
      csv.push(`${token},${u.name},${u.name}${groups ? `,"${groups}"` : ''}`);
      this.writeKubeconfig(u.name, token);
    }
    writeFileSync(join(pki, 'tokens.csv'), `${csv.join('\n')}\n`, { mode: 0o600 });

    // etcd: one member on loopback, fsync off (test data only).
    const etcd = toolPath(`etcd-${this.versions.etcd}`, 'etcd', 'kubernetes.sh');
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    this.startComponent('etcd', etcd, [
      '--name=lkb',
      `--data-dir=${join(this.dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=lkb=${peerUrl}`,
      '--unsafe-no-fsync',
      '--log-level=warn',
    ]);
    await this.waitReady('etcd', left(), async () => {
      const r = await fetch(`${etcdUrl}/health`);
      return r.ok && ((await r.json()) as { health?: string }).health === 'true';
    });

    const apiArgs = [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      // The endpoint reconciler refuses a loopback advertise address; the `kubernetes` Service then has no
      // endpoints, which nothing here needs (no kube-proxy: in-cluster clients get the server URL directly).
      '--endpoint-reconciler-type=none',
      `--secure-port=${apiPort}`,
      `--tls-cert-file=${join(pki, 'apiserver.crt')}`,
      `--tls-private-key-file=${join(pki, 'apiserver.key')}`,
      `--client-ca-file=${join(pki, 'ca.crt')}`,
      `--token-auth-file=${join(pki, 'tokens.csv')}`,
      '--authorization-mode=Node,RBAC',
      // Default plugins are on (NamespaceLifecycle, ServiceAccount, ValidatingAdmissionPolicy, webhooks, …);
      // NodeRestriction is for kubelets (#15).
      '--enable-admission-plugins=NodeRestriction',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${join(pki, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--allow-privileged=true',
      `--kubelet-client-certificate=${kubeletClient.certFile}`,
      `--kubelet-client-key=${kubeletClient.keyFile}`,
      '--kubelet-preferred-address-types=InternalIP',
      '--profiling=false',
      `--cert-dir=${pki}`,
    ];
    if (this.auditLogPath) {
      const policy = join(this.dir, 'audit-policy.yaml');
      const only = opts.auditUsers;
      const rules = only
        ? `  - level: Metadata\n    users: ${JSON.stringify(only)}\n  - level: None\n`
        : '  - level: Metadata\n';
      writeFileSync(
        policy,
        `apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n${rules}`,
      );
      apiArgs.push(
        `--audit-policy-file=${policy}`,
        `--audit-log-path=${this.auditLogPath}`,
        '--audit-log-format=json',
        '--audit-log-mode=blocking',
      );
    }
    apiArgs.push(...(opts.apiserverArgs ?? []));
    this.startComponent('kube-apiserver', join(this.binDir, 'kube-apiserver'), apiArgs);
    await this.waitReady(
      'kube-apiserver /readyz',
      left(),
      async () => (await this.api('GET', '/readyz')).status === 200,
    );

    if (opts.controllerManager !== false) {
      this.startComponent('kube-controller-manager', join(this.binDir, 'kube-controller-manager'), [
        `--kubeconfig=${this.kubeconfig('system:kube-controller-manager')}`,
        '--bind-address=127.0.0.1',
        '--secure-port=0',
        '--leader-elect=false',
        '--use-service-account-credentials=true',
        `--service-account-private-key-file=${join(pki, 'sa.key')}`,
        `--root-ca-file=${join(pki, 'ca.crt')}`,
        `--cluster-signing-cert-file=${join(pki, 'ca.crt')}`,
        `--cluster-signing-key-file=${join(pki, 'ca.key')}`,
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        '--controllers=*',
      ]);
      // The default ServiceAccount is written by the serviceaccount controller: its presence proves the
      // controller-manager is up and syncing.
      await this.waitReady('default ServiceAccount in namespace default', left(), async () => {
        return (await this.api('GET', '/api/v1/namespaces/default/serviceaccounts/default')).status === 200;
      });
    } else {
      await this.waitReady(
        'namespace default',
        left(),
        async () => (await this.api('GET', '/api/v1/namespaces/default')).status === 200,
      );
    }
  }

  private async makePki(pki: string): Promise<void> {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    await openssl(
      ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '7', '-subj', '/CN=lkb-test-ca'],
      pki,
    );
    const sans = [
      'IP:127.0.0.1',
      `IP:${KUBERNETES_SERVICE_IP}`,
      'DNS:localhost',
      'DNS:kubernetes',
      'DNS:kubernetes.default',
      'DNS:kubernetes.default.svc',
      'DNS:kubernetes.default.svc.cluster.local',
    ].join(',');
    await openssl(
      [
        'req',
        '-x509',
        ...ec,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-keyout',
        'apiserver.key',
        '-out',
        'apiserver.crt',
        '-days',
        '7',
        '-subj',
        '/CN=kube-apiserver',
        '-addext',
        `subjectAltName=${sans}`,
        '-addext',
        'extendedKeyUsage=serverAuth',
        '-addext',
        'basicConstraints=critical,CA:FALSE',
      ],
      pki,
    );
    const sa = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(pki, 'sa.key'), sa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(join(pki, 'sa.pub'), sa.publicKey.export({ type: 'spki', format: 'pem' }));
  }

  /** A client certificate for user `cn` in groups `orgs`, signed by the cluster CA (e.g. a kubelet, #15). */
  async issueClientCert(cn: string, orgs: string[] = []): Promise<{ certFile: string; keyFile: string }> {
    const pki = join(this.dir, 'pki');
    const base = `client-${cn.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
    const subj = `${orgs.map((o) => `/O=${o}`).join('')}/CN=${cn}`;
    await openssl(
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-keyout',
        `${base}.key`,
        '-out',
        `${base}.crt`,
        '-days',
        '7',
        '-subj',
        subj,
        '-addext',
        'extendedKeyUsage=clientAuth',
        '-addext',
        'basicConstraints=critical,CA:FALSE',
      ],
      pki,
    );
    return { certFile: join(pki, `${base}.crt`), keyFile: join(pki, `${base}.key`) };
  }

  private startComponent(name: string, bin: string, args: string[]): void {
    const logPath = join(this.dir, 'logs', `${name}.log`);
    const fd = openSync(logPath, 'a');
    const child = spawn(bin, args, { stdio: ['ignore', fd, fd], cwd: this.dir });
    closeSync(fd);
    installExitHook();
    live.add(child);
    const comp: Component = { name, child, logPath, exitCode: undefined, exited: Promise.resolve() };
    comp.exited = new Promise<void>((resolve) => {
      child.on('exit', (code, signal) => {
        live.delete(child);
        comp.exitCode = code ?? (signal ? -1 : 0);
        resolve();
      });
      child.on('error', (e) => {
        live.delete(child);
        comp.exitCode = -1;
        writeFileSync(logPath, `spawn error: ${e.message}\n`, { flag: 'a' });
        resolve();
      });
    });
    this.components.push(comp);
  }

  private async waitReady(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
    const dead = (): Component | undefined => this.components.find((c) => c.exitCode !== undefined);
    let failure: string | undefined;
    try {
      // A component that exits ends the wait at once (waitFor treats a throwing probe as "not yet").
      await waitFor(what, async () => dead() !== undefined || (await probe()), timeoutMs, 100);
    } catch (e) {
      failure = (e as Error).message;
    }
    const d = dead();
    if (failure === undefined && d === undefined) return;
    const last = d ?? this.components.at(-1);
    const why = d ? `${d.name} exited with ${d.exitCode}` : failure;
    throw new Error(
      `control plane in ${this.dir} did not start (${what}): ${why}\n--- ${last?.name} log (tail) ---\n${last ? tail(last.logPath) : ''}`,
    );
  }

  /** The static token of a user (BUILTIN_USERS or options.users). */
  token(user = 'admin'): string {
    const t = this.tokens.get(user);
    if (!t) throw new Error(`no such user ${user}`);
    return t;
  }

  /** Path of the kubeconfig of a static-token user. */
  kubeconfig(user = 'admin'): string {
    this.token(user);
    return join(this.dir, 'kubeconfig', `${user.replace(/[^A-Za-z0-9_.-]/g, '_')}.yaml`);
  }

  /** Writes a kubeconfig (JSON, which is YAML) for a bearer token; returns its path. */
  writeKubeconfig(name: string, token: string, namespace = 'default'): string {
    const path = join(this.dir, 'kubeconfig', `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.yaml`);
    const kc = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'lkb-test', cluster: { server: this.server, 'certificate-authority': this.caFile } }],
      users: [{ name, user: { token } }],
      contexts: [{ name, context: { cluster: 'lkb-test', user: name, namespace } }],
      'current-context': name,
    };
    writeFileSync(path, `${JSON.stringify(kc, null, 1)}\n`, { mode: 0o600 });
    return path;
  }

  /** A bound token for a ServiceAccount (TokenRequest API), as its pod would get one. */
  async serviceAccountToken(namespace: string, name: string, expirationSeconds = 3600): Promise<string> {
    const r = await this.api('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds },
    });
    const token = (r.body as { status?: { token?: string } } | undefined)?.status?.token;
    if (r.status !== 201 || !token) throw new Error(`TokenRequest for ${namespace}/${name}: ${r.status} ${r.text}`);
    return token;
  }

  /** A kubeconfig that authenticates as the ServiceAccount (a TokenRequest token). */
  async serviceAccountKubeconfig(namespace: string, name: string): Promise<string> {
    return this.writeKubeconfig(`sa-${namespace}-${name}`, await this.serviceAccountToken(namespace, name), namespace);
  }

  /** One HTTPS request to the apiserver as a user (default admin); JSON in, JSON (or text) out. */
  api(
    method: string,
    path: string,
    body?: unknown,
    opts: { user?: string; token?: string; contentType?: string } = {},
  ): Promise<ApiResponse> {
    const token = opts.token ?? this.token(opts.user ?? 'admin');
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        `${this.server}${path}`,
        {
          method,
          ca: readFileSync(this.caFile),
          headers: {
            Authorization: `Bearer ${token}`,
            Accept: 'application/json',
            ...(payload !== undefined ? { 'Content-Type': opts.contentType ?? 'application/json' } : {}),
          },
          timeout: 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // not JSON (e.g. /readyz answers "ok"): the text is the body
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, text });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** Runs kubectl as a user (default admin). Rejects on a non-zero exit unless allowFail. */
  kubectl(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    return this.run(join(this.binDir, 'kubectl'), args, opts);
  }

  /** Runs helm as a user (default admin), with its cache/config/data dirs inside the fixture's temp dir. */
  helm(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    const helm = toolPath(`helm-${this.versions.helm}`, 'helm', 'kubernetes.sh');
    const h = join(this.dir, 'helm');
    const env = {
      HELM_CACHE_HOME: join(h, 'cache'),
      HELM_CONFIG_HOME: join(h, 'config'),
      HELM_DATA_HOME: join(h, 'data'),
      ...opts.env,
    };
    return this.run(helm, args, { ...opts, env });
  }

  /** PATH with kubectl (and helm) first, for running documented shell commands verbatim. */
  toolsPath(): string {
    const helmDir = join(toolPath(`helm-${this.versions.helm}`, 'helm', 'kubernetes.sh'), '..');
    return `${this.binDir}:${helmDir}:${process.env.PATH ?? ''}`;
  }

  /** Environment in which `kubectl`/`helm` on PATH talk to this cluster as `user`. */
  shellEnv(user = 'admin'): Record<string, string> {
    const h = join(this.dir, 'helm');
    return {
      PATH: this.toolsPath(),
      KUBECONFIG: this.kubeconfig(user),
      HOME: join(this.dir, 'home'),
      HELM_CACHE_HOME: join(h, 'cache'),
      HELM_CONFIG_HOME: join(h, 'config'),
      HELM_DATA_HOME: join(h, 'data'),
    };
  }

  private run(bin: string, args: string[], opts: RunOptions): Promise<RunResult> {
    const kubeconfigPath = opts.kubeconfigPath ?? this.kubeconfig(opts.user ?? 'admin');
    mkdirSync(join(this.dir, 'home'), { recursive: true });
    return new Promise((resolve, reject) => {
      const child = spawn(bin, args, {
        cwd: opts.cwd,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: join(this.dir, 'home'),
          KUBECONFIG: kubeconfigPath,
          ...opts.env,
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const r = { code: code ?? (signal ? 128 : 1), stdout, stderr };
        if (r.code !== 0 && !opts.allowFail) {
          reject(
            new Error(
              `${bin.split('/').pop()} ${args.join(' ')} exited ${r.code}${signal ? ` (${signal})` : ''}:\n${stderr}${stdout}`,
            ),
          );
        } else resolve(r);
      });
      child.stdin.end(opts.input ?? '');
    });
  }

  /** Parsed audit events (needs `audit: true`). */
  auditEvents(): AuditEvent[] {
    if (!this.auditLogPath) throw new Error('audit log not enabled (start with { audit: true })');
    if (!existsSync(this.auditLogPath)) return [];
    return readFileSync(this.auditLogPath, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as AuditEvent);
  }

  /** PIDs of the running control-plane processes. */
  pids(): number[] {
    return this.components
      .filter((c) => c.exitCode === undefined && c.child.pid !== undefined)
      .map((c) => c.child.pid as number);
  }

  /** The tail of a component's log (for failure messages). */
  logTail(component: string, lines = 40): string {
    return tail(join(this.dir, 'logs', `${component}.log`), lines);
  }

  /** Stops every process (SIGTERM, then SIGKILL after 10 s) in reverse start order and deletes the temp dir. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const c of [...this.components].reverse()) {
      if (c.exitCode !== undefined) continue;
      c.child.kill('SIGTERM');
      const killer = setTimeout(() => c.child.kill('SIGKILL'), 10_000);
      await c.exited;
      clearTimeout(killer);
    }
    if (process.env.LKB_KEEP_KUBE_DIR) {
      process.stderr.write(`kube control plane: kept ${this.dir} (LKB_KEEP_KUBE_DIR)\n`);
      return;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The fields of an audit.k8s.io/v1 Event that tests read. */
export interface AuditEvent {
  verb: string;
  requestURI: string;
  user: { username: string; groups?: string[] };
  objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string; apiGroup?: string };
  responseStatus?: { code?: number; reason?: string; message?: string };
  annotations?: Record<string, string>;
  stage: string;
}

export function startKubeControlPlane(opts?: KubeControlPlaneOptions): Promise<KubeControlPlane> {
  return KubeControlPlane.start(opts);
}
