// A pod's processes as the node's host sees them in /proc (the local node and kind's nodes share this kernel), and
// what they show about Chromium's own sandbox: whether the browser runs with --no-sandbox, and whether its renderers
// live in a user and pid namespace of their own under extra seccomp-bpf filters (Chromium's), beyond the container's.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface PodProcess {
  pid: number;
  cmdline: string;
  /** /proc/<pid>/ns/user and ns/pid, e.g. "user:[4026531837]". */
  userNs: string;
  pidNs: string;
  /** Seccomp mode (2 = filter) and the number of filters stacked on the process. */
  seccomp: number;
  seccompFilters: number;
  /** NSpid: the pid in each nested pid namespace, outermost first. */
  nsPids: number[];
}

/** Processes whose cgroup path names the pod (cgroupfs: pod<uid>, systemd: pod<uid with _>). */
export function podProcesses(podUid: string): PodProcess[] {
  const marks = [`pod${podUid}`, `pod${podUid.replace(/-/g, '_')}`];
  const out: PodProcess[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cgroup = readFileSync(`/proc/${d}/cgroup`, 'utf8');
      if (!marks.some((m) => cgroup.includes(m))) continue;
      const status = readFileSync(`/proc/${d}/status`, 'utf8');
      const field = (name: string): string => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1] ?? '';
      out.push({
        pid: Number(d),
        cmdline: readFileSync(`/proc/${d}/cmdline`, 'latin1').replace(/\0/g, ' ').trim(),
        userNs: readlinkSync(`/proc/${d}/ns/user`),
        pidNs: readlinkSync(`/proc/${d}/ns/pid`),
        seccomp: Number(field('Seccomp')),
        seccompFilters: Number(field('Seccomp_filters') || 0),
        nsPids: field('NSpid').split(/\s+/).filter(Boolean).map(Number),
      });
    } catch (e) {
      // the process exited while we looked
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && (e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }
  return out;
}

export interface SandboxEvidence {
  /** The runtime's node process (the container's own namespaces and seccomp filters). */
  runtime: PodProcess | undefined;
  /** Chromium's browser process (no --type=). */
  browser: PodProcess | undefined;
  renderers: PodProcess[];
  /** Renderers in a user namespace other than the runtime's, with more seccomp filters and a nested pid namespace. */
  sandboxedRenderers: PodProcess[];
}

/** Reads the evidence from a pod's processes. Pure. */
export function sandboxEvidence(procs: PodProcess[]): SandboxEvidence {
  const runtime = procs.find((p) => /(^|\/)node runtime\/src\/main\.ts/.test(p.cmdline));
  const chromium = procs.filter((p) => p.cmdline.startsWith('/usr/lib/chromium/chromium'));
  const browser = chromium.find((p) => !p.cmdline.includes('--type='));
  const renderers = chromium.filter((p) => p.cmdline.includes('--type=renderer'));
  const sandboxedRenderers = runtime
    ? renderers.filter(
        (r) =>
          r.userNs !== runtime.userNs &&
          r.pidNs !== runtime.pidNs &&
          r.nsPids.length > runtime.nsPids.length &&
          r.seccomp === 2 &&
          r.seccompFilters > runtime.seccompFilters,
      )
    : [];
  return { runtime, browser, renderers, sandboxedRenderers };
}
