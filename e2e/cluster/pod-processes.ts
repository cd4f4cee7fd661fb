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
  return cgroupProcesses([`pod${podUid}`, `pod${podUid.replace(/-/g, '_')}`]);
}

/** Processes of a Docker container (its cgroup path names the container id). */
export function containerProcesses(containerId: string): PodProcess[] {
  return cgroupProcesses([containerId]);
}

function cgroupProcesses(marks: string[]): PodProcess[] {
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

/** The browser's executable per engine: Debian's Chromium, or the CEF host (CEF's sub-processes are the same binary). */
const BROWSER_BINARY = { chromium: /^\/usr\/lib\/chromium\/chromium /, cef: /^\S*\/lkb-cef-host / } as const;

/** Reads the evidence from a pod's processes. Pure. */
export function sandboxEvidence(procs: PodProcess[], engine: 'chromium' | 'cef' = 'chromium'): SandboxEvidence {
  const runtime = procs.find((p) => /(^|\/)node runtime\/dist\/lkbrowser-runtime\.mjs/.test(p.cmdline));
  const chromium = procs.filter((p) => BROWSER_BINARY[engine].test(`${p.cmdline} `));
  const browser = chromium.find((p) => !p.cmdline.includes('--type='));
  // CEF does not retitle what its sandboxed zygote forks: a renderer there is a `--type=zygote` process (not the
  // unsandboxed one) two pid namespaces or more below the runtime's (the zygote's own, then the renderer's).
  const zygoteChild = (p: PodProcess): boolean =>
    engine === 'cef' &&
    p.cmdline.includes('--type=zygote') &&
    !p.cmdline.includes('--no-zygote-sandbox') &&
    runtime !== undefined &&
    p.nsPids.length >= runtime.nsPids.length + 2;
  const renderers = chromium.filter((p) => p.cmdline.includes('--type=renderer') || zygoteChild(p));
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
