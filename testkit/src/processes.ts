// Process-tree checks for tests that must leave nothing behind: a snapshot of /proc (pid, parent, session, state,
// command line) and the descendants of a process.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** session id (the engine host leads its own session) */
  sid: number;
  /** R, S, D, Z (zombie) … */
  state: string;
  cmd: string;
}

/** Every process visible in /proc now (processes that exit while being read are left out). */
export function processes(): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      out.push({ pid: Number(d), state: f[0] ?? '?', ppid: Number(f[1]), sid: Number(f[3]), cmd });
    } catch {
      // the process exited while we read it: not part of the snapshot
    }
  }
  return out;
}

/** All live descendants of `pid` (by parent links), zombies included unless `live`. */
export function descendants(pid: number, opts: { live?: boolean } = {}): number[] {
  const all = processes().filter((p) => !opts.live || p.state !== 'Z');
  const kids = new Map<number, number[]>();
  for (const p of all) kids.set(p.ppid, [...(kids.get(p.ppid) ?? []), p.pid]);
  const out: number[] = [];
  const stack = [...(kids.get(pid) ?? [])];
  while (stack.length > 0) {
    const p = stack.pop() as number;
    out.push(p);
    stack.push(...(kids.get(p) ?? []));
  }
  return out;
}

/** `root` and its descendants, or [] if `root` is gone. */
export function processTree(root: number): number[] {
  if (!processes().some((p) => p.pid === root)) return [];
  return [root, ...descendants(root)];
}
