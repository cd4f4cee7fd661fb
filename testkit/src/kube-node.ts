// A real single node for a KubeControlPlane: kube-scheduler, containerd (Debian's, with runc) and a kubelet, all
// with their own state in one temp dir, an own containerd socket and an own cgroup root; configuration and the
// reasons for each setting in kube-node-config.ts. Only hostNetwork pods run here (no pod network), and their
// podIP is 127.0.0.1: nothing ever leaves loopback.
//
//   const cp = await startKubeControlPlane();
//   const node = await startKubeNode(cp);           // node "127.0.0.1" Ready
//   await node.importDockerImage('lkbrowser-runtime:dev');
//   ...
//   await node.stop(); await cp.stop();
//   node.residue()                                  // [] : no process, mount or cgroup left
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmdirSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { KubeControlPlane } from './kube-control-plane.ts';
import { containerdConfig, kubeletConfig, loopbackCniConfig } from './kube-node-config.ts';
import { writeSingleBinaryImage } from './oci-image.ts';
import { processes } from './processes.ts';
import { waitFor } from './wait.ts';

const execFileP = promisify(execFile);

export const NODE_NAME = '127.0.0.1';
/** The kubelet creates this fixed path (its device-plugin socket dir) whatever --root-dir says. */
const DEVICE_PLUGINS_DIR = '/var/lib/kubelet/device-plugins';
/** The kubelet links every container's log here (a fixed path). */
const CONTAINER_LOG_LINKS = '/var/log/containers';

export interface KubeNodeOptions {
  /** Startup deadline (default 180 s: the machine is shared). */
  startTimeoutMs?: number;
}

interface Proc {
  name: string;
  child: ChildProcess;
  logPath: string;
  exited: Promise<void>;
  exitCode: number | null | undefined;
}

const live = new Set<ChildProcess>();
let exitHook = false;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
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

/** Mount points at or below `dir` (from /proc/self/mountinfo; octal escapes decoded), deepest first. */
export function mountsUnder(dir: string, mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): string[] {
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    const mp = f[4]?.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
    if (mp && (mp === dir || mp.startsWith(`${dir}/`))) out.push(mp);
  }
  return out.sort((a, b) => b.length - a.length);
}

/** The cgroup v1/v2 mount points of this host (/sys/fs/cgroup/<controller> and the unified one). */
function cgroupMounts(): string[] {
  const out: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const fstype = line.slice(sep + 3).split(' ')[0];
    if (fstype === 'cgroup' || fstype === 'cgroup2') {
      const mp = line.split(' ')[4];
      if (mp) out.push(mp);
    }
  }
  return out;
}

/** Every directory of a cgroup tree, deepest first. */
function cgroupTree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }))
    if (e.isDirectory()) out.push(...cgroupTree(join(dir, e.name)));
  out.push(dir);
  return out;
}

export class KubeNode {
  readonly cp: KubeControlPlane;
  readonly dir: string;
  readonly name = NODE_NAME;
  readonly containerdSocket: string;
  /** The cgroup every pod of this node lives under (in each hierarchy). */
  readonly cgroupRoot: string;
  readonly kubeletPort: number;
  /**
   * The kubelet's seccomp dir (<--root-dir>/seccomp): a pod's `Localhost` profile path is relative to it
   * (installSeccompProfile).
   */
  readonly seccompDir: string;
  /** Time from start() to node Ready, ms. */
  startMs = 0;
  private readonly procs: Proc[] = [];
  private readonly createdDevicePluginsDir: boolean;
  private stopped = false;

  private constructor(cp: KubeControlPlane, dir: string, kubeletPort: number) {
    this.cp = cp;
    this.dir = dir;
    this.containerdSocket = join(dir, 'containerd.sock');
    this.cgroupRoot = `/lkb-node-${randomBytes(4).toString('hex')}`;
    this.kubeletPort = kubeletPort;
    this.seccompDir = join(dir, 'kubelet', 'seccomp');
    this.createdDevicePluginsDir = !existsSync(DEVICE_PLUGINS_DIR);
  }

  static async start(cp: KubeControlPlane, opts: KubeNodeOptions = {}): Promise<KubeNode> {
    const t0 = Date.now();
    const dir = mkdtempSync(join(tmpdir(), 'lkb-node-'));
    const node = new KubeNode(cp, dir, await freePort());
    try {
      await node.boot(opts.startTimeoutMs ?? 180_000);
    } catch (e) {
      await node.stop();
      throw e;
    }
    node.startMs = Date.now() - t0;
    return node;
  }

  private async boot(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const left = (): number => Math.max(1000, deadline - Date.now());
    for (const d of [
      'logs',
      'containerd/root',
      'containerd/state',
      'containerd/opt',
      'runc',
      'cni/net.d',
      'kubelet',
      'pod-logs',
    ])
      mkdirSync(join(this.dir, d), { recursive: true, mode: 0o700 });

    // kube-scheduler: the bootstrap RBAC binds system:kube-scheduler already.
    this.spawn('kube-scheduler', join(this.cp.binDir, 'kube-scheduler'), [
      `--kubeconfig=${this.cp.kubeconfig('system:kube-scheduler')}`,
      `--authentication-kubeconfig=${this.cp.kubeconfig('system:kube-scheduler')}`,
      `--authorization-kubeconfig=${this.cp.kubeconfig('system:kube-scheduler')}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      '--secure-port=0',
    ]);

    // containerd with its own everything; the pod sandbox image is imported from the locally built pause binary.
    for (const mp of cgroupMounts()) {
      const cg = join(mp, this.cgroupRoot);
      mkdirSync(cg, { recursive: true });
      // A new v1 cpuset starts with no CPUs and no memory nodes, and no task can join it ("can't get final
      // child's PID from pipe: EOF" from runc): copy the parent's, as runc does for the cgroups it creates.
      for (const f of ['cpuset.cpus', 'cpuset.mems'])
        if (existsSync(join(mp, f))) writeFileSync(join(cg, f), readFileSync(join(mp, f), 'utf8').trim() || '\n');
    }
    const sandboxImage = `lkb.local/pause:${readFileSync(join(this.cp.binDir, 'pause.version'), 'utf8').trim()}`;
    writeFileSync(join(this.dir, 'cni/net.d/10-lkb-loopback.conflist'), loopbackCniConfig());
    const ctdConfig = join(this.dir, 'containerd.toml');
    writeFileSync(
      ctdConfig,
      containerdConfig({
        root: join(this.dir, 'containerd/root'),
        state: join(this.dir, 'containerd/state'),
        socket: this.containerdSocket,
        runcRoot: join(this.dir, 'runc'),
        cniConfDir: join(this.dir, 'cni/net.d'),
        cniBinDir: '/usr/lib/cni',
        sandboxImage,
        optDir: join(this.dir, 'containerd/opt'),
      }),
    );
    this.spawn('containerd', 'containerd', ['--config', ctdConfig]);
    await this.waitReady('containerd answers', left(), async () => (await this.ctr(['version'], true)).code === 0);
    const pauseDir = join(this.dir, 'pause-image');
    const archive = await writeSingleBinaryImage(
      { name: sandboxImage, binary: join(this.cp.binDir, 'pause'), path: '/pause', user: '65535:65535' },
      pauseDir,
    );
    await this.importArchive(archive);
    rmSync(pauseDir, { recursive: true, force: true });

    // kubelet: client certificate for system:node:127.0.0.1 (Node authorizer + NodeRestriction).
    const cert = await this.cp.issueClientCert(`system:node:${NODE_NAME}`, ['system:nodes']);
    const kubeconfig = join(this.dir, 'kubelet.kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'lkb', cluster: { server: this.cp.server, 'certificate-authority': this.cp.caFile } }],
        users: [{ name: 'kubelet', user: { 'client-certificate': cert.certFile, 'client-key': cert.keyFile } }],
        contexts: [{ name: 'kubelet', context: { cluster: 'lkb', user: 'kubelet' } }],
        'current-context': 'kubelet',
      }),
      { mode: 0o600 },
    );
    const kcfg = join(this.dir, 'kubelet-config.yaml');
    writeFileSync(
      kcfg,
      kubeletConfig({
        port: this.kubeletPort,
        healthzPort: await freePort(),
        clientCaFile: this.cp.caFile,
        containerdSocket: this.containerdSocket,
        podLogsDir: join(this.dir, 'pod-logs'),
        cgroupRoot: this.cgroupRoot,
      }),
    );
    this.spawn('kubelet', join(this.cp.binDir, 'kubelet'), [
      `--config=${kcfg}`,
      `--kubeconfig=${kubeconfig}`,
      `--root-dir=${join(this.dir, 'kubelet')}`, // seccompDir is <root-dir>/seccomp
      `--cert-dir=${join(this.dir, 'kubelet', 'pki')}`,
      `--hostname-override=${NODE_NAME}`,
      '--v=1',
    ]);
    await this.waitReady(`node ${NODE_NAME} Ready`, left(), async () => (await this.nodeReady()) === true);
  }

  /** The node's Ready condition (undefined while the node object does not exist). */
  async nodeReady(): Promise<boolean | undefined> {
    const r = await this.cp.api('GET', `/api/v1/nodes/${NODE_NAME}`);
    if (r.status !== 200) return undefined;
    const conds = (r.body as { status?: { conditions?: Array<{ type: string; status: string }> } }).status?.conditions;
    return conds?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  }

  private spawn(name: string, bin: string, args: string[]): void {
    const logPath = join(this.dir, 'logs', `${name}.log`);
    const fd = openSync(logPath, 'a');
    const child = spawn(bin, args, { stdio: ['ignore', fd, fd], cwd: this.dir });
    closeSync(fd);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', () => {
        for (const c of live) c.kill('SIGKILL');
      });
    }
    live.add(child);
    const p: Proc = { name, child, logPath, exitCode: undefined, exited: Promise.resolve() };
    p.exited = new Promise<void>((resolve) => {
      child.on('exit', (code, signal) => {
        live.delete(child);
        p.exitCode = code ?? (signal ? -1 : 0);
        resolve();
      });
      child.on('error', (e) => {
        live.delete(child);
        p.exitCode = -1;
        writeFileSync(logPath, `spawn error: ${e.message}\n`, { flag: 'a' });
        resolve();
      });
    });
    this.procs.push(p);
  }

  private async waitReady(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
    const dead = (): Proc | undefined => this.procs.find((p) => p.exitCode !== undefined);
    let failure: string | undefined;
    try {
      await waitFor(what, async () => dead() !== undefined || (await probe()), timeoutMs, 250);
    } catch (e) {
      failure = (e as Error).message;
    }
    const d = dead();
    if (failure === undefined && d === undefined) return;
    const last = d ?? this.procs.at(-1);
    throw new Error(
      `node in ${this.dir} did not start (${what}): ${d ? `${d.name} exited with ${d.exitCode}` : failure}\n--- ${last?.name} log (tail) ---\n${last ? tail(last.logPath) : ''}`,
    );
  }

  /** Runs Debian's ctr against this node's containerd, namespace k8s.io (the CRI's). */
  async ctr(args: string[], allowFail = false): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const r = await execFileP('ctr', ['--address', this.containerdSocket, '--namespace', 'k8s.io', ...args], {
        maxBuffer: 16 * 1024 * 1024,
        timeout: 120_000,
      });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string; message: string };
      if (!allowFail) throw new Error(`ctr ${args.join(' ')}: ${err.stderr ?? err.message}`);
      return {
        code: typeof err.code === 'number' ? err.code : 1,
        stdout: err.stdout ?? '',
        stderr: err.stderr ?? err.message,
      };
    }
  }

  private async importArchive(path: string): Promise<void> {
    await this.ctr(['images', 'import', '--snapshotter', 'overlayfs', path]);
  }

  /** `docker save ref | ctr images import -`: a locally built image becomes usable with imagePullPolicy Never/IfNotPresent. */
  async importDockerImage(ref: string): Promise<void> {
    const save = spawn('docker', ['save', ref], { stdio: ['ignore', 'pipe', 'pipe'] });
    const imp = spawn(
      'ctr',
      [
        '--address',
        this.containerdSocket,
        '--namespace',
        'k8s.io',
        'images',
        'import',
        '--snapshotter',
        'overlayfs',
        '-',
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    save.stdout.pipe(imp.stdin);
    let err = '';
    save.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    imp.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const done = (c: ChildProcess) =>
      new Promise<number>((resolve) => {
        c.on('close', (code) => resolve(code ?? 1));
        c.on('error', () => resolve(1));
      });
    const [a, b] = await Promise.all([done(save), done(imp)]);
    if (a !== 0 || b !== 0) throw new Error(`import ${ref}: docker save exited ${a}, ctr import exited ${b}: ${err}`);
  }

  /** Image names containerd (the CRI namespace) holds. */
  async images(): Promise<string[]> {
    const r = await this.ctr(['images', 'ls', '-q']);
    return r.stdout.split('\n').filter((l) => l.trim() !== '');
  }

  /**
   * Installs a seccomp profile (OCI JSON) as `<seccompDir>/<relPath>`, what an admin does on every node before pods
   * name it as `seccompProfile: {type: Localhost, localhostProfile: relPath}`.
   */
  installSeccompProfile(relPath: string, profile: string): void {
    const path = join(this.seccompDir, relPath);
    if (!path.startsWith(`${this.seccompDir}/`) || relPath.split('/').includes('..'))
      throw new Error(`seccomp profile path ${relPath} leaves ${this.seccompDir}`);
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    writeFileSync(path, profile, { mode: 0o644 });
  }

  logTail(component: string, lines = 40): string {
    return tail(join(this.dir, 'logs', `${component}.log`), lines);
  }

  pids(): number[] {
    return this.procs.filter((p) => p.exitCode === undefined && p.child.pid).map((p) => p.child.pid as number);
  }

  private async terminate(name: string, graceMs = 15_000): Promise<void> {
    for (const p of this.procs.filter((x) => x.name === name && x.exitCode === undefined)) {
      p.child.kill('SIGTERM');
      const killer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
      await p.exited;
      clearTimeout(killer);
    }
  }

  /**
   * Tear-down: pods on this node deleted through the API and given up to 60 s to stop; then the kubelet; any
   * container still running is killed through containerd; containerd; shims of this socket; mounts below the
   * temp dir; the cgroup tree; the kubelet's fixed-path leftovers; the temp dir. residue() checks the result.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // The scheduler first: controllers recreate deleted pods (a Deployment's, a session's), and unscheduled they
    // stay Pending instead of starting again while the node drains.
    await this.terminate('kube-scheduler');
    const kubeletUp = this.procs.some((p) => p.name === 'kubelet' && p.exitCode === undefined);
    if (kubeletUp) {
      try {
        const r = await this.cp.api('GET', `/api/v1/pods?fieldSelector=spec.nodeName%3D${NODE_NAME}`);
        const items = (r.body as { items?: Array<{ metadata: { name: string; namespace: string } }> }).items ?? [];
        for (const p of items)
          await this.cp.api('DELETE', `/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}`, {
            gracePeriodSeconds: 5,
          });
        await waitFor(
          'no containers running on the node',
          async () => (await this.runningTasks()).length === 0,
          60_000,
          500,
        );
      } catch (e) {
        process.stderr.write(
          `kube node: pods did not stop through the kubelet (${(e as Error).message}); killing them\n`,
        );
      }
    }
    await this.terminate('kubelet');
    if (this.procs.some((p) => p.name === 'containerd' && p.exitCode === undefined)) {
      for (const id of await this.runningTasks().catch(() => [])) {
        await this.ctr(['tasks', 'kill', '--signal', 'SIGKILL', id], true);
      }
      await waitFor(
        'tasks killed',
        async () => (await this.runningTasks().catch(() => [])).length === 0,
        20_000,
        250,
      ).catch(() => undefined);
      const all = await this.ctr(['tasks', 'ls', '-q'], true);
      for (const id of all.stdout.split('\n').filter(Boolean)) await this.ctr(['tasks', 'delete', '--force', id], true);
      const cs = await this.ctr(['containers', 'ls', '-q'], true);
      for (const id of cs.stdout.split('\n').filter(Boolean)) await this.ctr(['containers', 'delete', id], true);
    }
    await this.terminate('containerd');
    // A shim outlives containerd by design; one that still serves this node's socket is ours to end.
    for (const p of processes())
      if (p.cmd.includes('containerd-shim') && p.cmd.includes(this.containerdSocket)) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch (e) {
          process.stderr.write(`kube node: shim ${p.pid}: ${(e as Error).message}\n`);
        }
      }
    for (const mp of mountsUnder(this.dir)) {
      await execFileP('umount', ['-l', mp]).catch((e: Error) =>
        process.stderr.write(`kube node: umount ${mp}: ${e.message}\n`),
      );
    }
    await this.removeCgroups();
    this.removeFixedPathLeftovers();
    if (process.env.LKB_KEEP_KUBE_DIR) {
      process.stderr.write(`kube node: kept ${this.dir} (LKB_KEEP_KUBE_DIR)\n`);
      return;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async runningTasks(): Promise<string[]> {
    const r = await this.ctr(['tasks', 'ls'], true);
    if (r.code !== 0) throw new Error(r.stderr);
    return r.stdout
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length >= 3 && f[2] === 'RUNNING')
      .map((f) => f[0] as string);
  }

  private async removeCgroups(): Promise<void> {
    // Processes leave a cgroup asynchronously after they die: retry for a few seconds.
    await waitFor(
      `cgroup tree ${this.cgroupRoot} removed`,
      async () => {
        let left = 0;
        for (const mp of cgroupMounts()) {
          for (const d of cgroupTree(join(mp, this.cgroupRoot))) {
            try {
              rmdirSync(d);
            } catch {
              left++; // still has a process (EBUSY) or a child: next round
            }
          }
        }
        return left === 0;
      },
      15_000,
      250,
    ).catch((e: Error) => process.stderr.write(`kube node: ${e.message}\n`));
  }

  private removeFixedPathLeftovers(): void {
    if (existsSync(CONTAINER_LOG_LINKS)) {
      for (const f of readdirSync(CONTAINER_LOG_LINKS)) {
        const p = join(CONTAINER_LOG_LINKS, f);
        try {
          if (lstatSync(p).isSymbolicLink() && readlinkSync(p).startsWith(`${this.dir}/`)) unlinkSync(p);
        } catch (e) {
          process.stderr.write(`kube node: ${p}: ${(e as Error).message}\n`);
        }
      }
    }
    if (this.createdDevicePluginsDir) {
      rmSync(DEVICE_PLUGINS_DIR, { recursive: true, force: true });
      // and /var/lib/kubelet itself when the kubelet made it for that dir alone
      const parent = join(DEVICE_PLUGINS_DIR, '..');
      if (existsSync(parent) && readdirSync(parent).length === 0) rmdirSync(parent);
    }
  }

  /**
   * What this node left behind (empty after stop()): its processes, any process in its cgroup tree (pods,
   * Chromium), containerd shims of its socket, mounts below its dir, its cgroups, log links into its dir.
   */
  residue(): string[] {
    const out: string[] = [];
    for (const p of this.procs) if (p.exitCode === undefined) out.push(`process ${p.name} (${p.child.pid})`);
    for (const p of processes()) {
      if (p.state === 'Z') continue;
      if (p.cmd.includes(this.dir) || p.cmd.includes(this.containerdSocket)) out.push(`process ${p.pid}: ${p.cmd}`);
      else {
        try {
          if (readFileSync(`/proc/${p.pid}/cgroup`, 'utf8').includes(`${this.cgroupRoot}/`))
            out.push(`process ${p.pid} in ${this.cgroupRoot}: ${p.cmd}`);
        } catch {
          // exited meanwhile
        }
      }
    }
    for (const mp of mountsUnder(this.dir)) out.push(`mount ${mp}`);
    for (const mp of cgroupMounts())
      if (existsSync(join(mp, this.cgroupRoot))) out.push(`cgroup ${join(mp, this.cgroupRoot)}`);
    if (existsSync(CONTAINER_LOG_LINKS)) {
      for (const f of readdirSync(CONTAINER_LOG_LINKS)) {
        try {
          if (readlinkSync(join(CONTAINER_LOG_LINKS, f)).startsWith(`${this.dir}/`)) out.push(`log link ${f}`);
        } catch {
          // not a link
        }
      }
    }
    if (existsSync(this.dir)) out.push(`dir ${this.dir}`);
    if (this.createdDevicePluginsDir && existsSync(DEVICE_PLUGINS_DIR)) out.push(`dir ${DEVICE_PLUGINS_DIR}`);
    return out;
  }
}

export function startKubeNode(cp: KubeControlPlane, opts?: KubeNodeOptions): Promise<KubeNode> {
  return KubeNode.start(cp, opts);
}
