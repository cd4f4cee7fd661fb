// Shared helpers of the benchmarks: machine description, statistics, /proc process-tree CPU and memory,
// child-process bookkeeping (every child is killed on exit), the room server as a child process, result files.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { processTree, startSfu as startRoomServer } from '@lkbrowser/testkit';
import { pino } from 'pino';

// logs go to stderr: stdout carries tables (orchestrators) or JSON event lines (publisher children)
export const log = pino({ name: 'bench', level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const NODE = process.execPath;
export const CLK_TCK = 100; // getconf CLK_TCK on Linux x86-64
const PAGE_KB = 4;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Wall clock in ms with sub-ms resolution (same clock as the page's performance.timeOrigin + performance.now()). */
export const wallMs = (): number => performance.timeOrigin + performance.now();

// ------------------------------------------------------------------ statistics

export function percentile(v: readonly number[], p: number): number {
  if (v.length === 0) return Number.NaN;
  const s = [...v].sort((a, b) => a - b);
  // nearest-rank
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i] ?? Number.NaN;
}

export const median = (v: readonly number[]): number => {
  if (v.length === 0) return Number.NaN;
  const s = [...v].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? Number.NaN) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(v: readonly number[]): Spread {
  const ok = v.filter((x) => Number.isFinite(x));
  return {
    median: median(ok),
    min: ok.length ? Math.min(...ok) : Number.NaN,
    max: ok.length ? Math.max(...ok) : Number.NaN,
    n: ok.length,
  };
}

export function fmt(x: number, digits = 1): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '–';
}

/** "median (min–max)" */
export function fmtSpread(s: Spread, digits = 1): string {
  if (!Number.isFinite(s.median)) return '–';
  return s.n > 1 ? `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})` : fmt(s.median, digits);
}

export function ratio(a: number, b: number, digits = 2): string {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(digits)}x` : '–';
}

// ------------------------------------------------------------------ machine

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memGiB: number;
  kernel: string;
  node: string;
  chromium: string;
  loadavgAtStart: string;
}

export function machineInfo(): MachineInfo {
  let chromium = 'unknown';
  try {
    chromium = execFileSync('/usr/lib/chromium/chromium', ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch (e) {
    log.debug({ err: (e as Error).message }, 'chromium --version failed');
  }
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
    node: process.version,
    chromium,
    loadavgAtStart: loadavg(),
  };
}

export function loadavg(): string {
  return readFileSync('/proc/loadavg', 'utf8').trim().split(' ').slice(0, 3).join(' ');
}

// ------------------------------------------------------------------ /proc

interface ProcStat {
  pid: number;
  ppid: number;
  ticks: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    // the process exited between readdir and read: it simply is not part of the snapshot
    return undefined;
  }
}

export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    // exited
    return '';
  }
}

export type Classifier = (pid: number, cmd: string) => string;

/**
 * Engine tree: root Node process, lkb-host, Xvfb, pulseaudio, Chromium (everything else). CEF engine: the
 * lkb-cef-host browser process (host + Chromium's browser process in one) is 'host', its --type= children 'chromium'.
 */
export const classify: Classifier = (_pid, cmd) => {
  // by executable only: Chromium's arguments contain the host's temp dir (/tmp/lkb-host-...)
  const exe = cmd.split(' ')[0] ?? '';
  if (/(^|\/)lkb-host$/.test(exe)) return 'host';
  if (/(^|\/)lkb-cef-host$/.test(exe)) return cmd.includes(' --type=') ? 'chromium' : 'host';
  if (/(^|\/)Xvfb$/.test(exe)) return 'xvfb';
  if (exe.includes('pulseaudio')) return 'pulse';
  if (exe.includes('chromium')) return 'chromium';
  return 'other';
};

interface TreeSnapshot {
  at: number;
  ticks: Map<number, { ticks: number; kind: string }>;
  /** per thread, keyed pid/tid: CPU ticks and threadGroup() */
  threads: Map<string, { ticks: number; group: string }>;
}

function snapshot(root: number, rootKind: string): TreeSnapshot {
  const ticks = new Map<number, { ticks: number; kind: string }>();
  const threads = new Map<string, { ticks: number; group: string }>();
  for (const pid of processTree(root)) {
    const s = readStat(pid);
    if (!s) continue;
    const cmd = cmdline(pid);
    ticks.set(pid, { ticks: s.ticks, kind: pid === root ? rootKind : classify(pid, cmd) });
    const kind = memKind(pid, cmd, rootKind, root);
    for (const t of threadStats(pid))
      threads.set(`${pid}/${t.tid}`, { ticks: t.ticks, group: threadGroup(kind, t.comm) });
  }
  return { at: performance.now(), ticks, threads };
}

function threadStats(pid: number): Array<{ tid: string; comm: string; ticks: number }> {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    // the process exited: no threads to count
    return [];
  }
  const out: Array<{ tid: string; comm: string; ticks: number }> = [];
  for (const tid of tids) {
    try {
      const s = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      const comm = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
      out.push({ tid, comm, ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // the thread ended between readdir and read: its time is in neither snapshot's delta
    }
  }
  return out;
}

/**
 * A thread's row in the CPU breakdown: its process kind (memKind) and its name without a trailing number, so
 * "worker_thread 0" and "worker_thread 1" of one kind add up.
 */
export function threadGroup(kind: string, comm: string): string {
  const name = comm.trim().replace(/[\s_#-]*\d+$/, '') || comm.trim() || '?';
  return `${kind}/${name}`;
}

function memKb(pid: number): { rss: number; pss: number; uss: number; dirty: number } {
  let rss = 0;
  let pss = 0;
  let uss = 0;
  let dirty = 0;
  try {
    const r = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    rss = Number(r.match(/^Rss:\s+(\d+)/m)?.[1] ?? 0);
    pss = Number(r.match(/^Pss:\s+(\d+)/m)?.[1] ?? 0);
    dirty = Number(r.match(/^Private_Dirty:\s+(\d+)/m)?.[1] ?? 0);
    uss = Number(r.match(/^Private_Clean:\s+(\d+)/m)?.[1] ?? 0) + dirty;
  } catch {
    // no smaps_rollup (exited, or not permitted): fall back to statm RSS
    try {
      rss = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1] ?? 0) * PAGE_KB;
      pss = rss;
      uss = rss;
      dirty = rss;
    } catch {
      // exited
    }
  }
  return { rss, pss, uss, dirty };
}

export interface TreeUsage {
  /** % of one core per component kind, and 'total'. */
  cpu: Record<string, number>;
  /** MiB, averaged over the samples: PSS (shared pages split between sharers) and summed RSS (double counts shared pages). */
  pssMiB: number;
  rssMiB: number;
  pssPeakMiB: number;
  /** MiB PSS per process kind, averaged over the samples (see memKind): where a session's memory goes. */
  pssByKind: Record<string, number>;
  /**
   * MiB USS (pages mapped by this process only) of the tree and per kind. Both PSS and USS move with whatever else
   * maps the same files: another Chromium on the machine halves our share of the binary's code pages and takes them
   * out of USS.
   */
  ussMiB: number;
  ussByKind: Record<string, number>;
  /**
   * MiB Private_Dirty (heap, stacks, copied-on-write pages: what this session allocated) of the tree and per kind.
   * No other process changes it, so it is the figure to compare changes by on a shared machine; PSS minus it is
   * mostly code and read-only data of the executables and libraries.
   */
  dirtyMiB: number;
  dirtyByKind: Record<string, number>;
  /** % of one core per thread group (threadGroup: process kind / thread name): where the CPU goes. */
  cpuByThread: Record<string, number>;
  processes: number;
  seconds: number;
}

/**
 * classify(), with Chromium's processes split by role: chromium:browser, chromium:renderer, chromium:gpu-process,
 * chromium:zygote, chromium:utility:<service> (network, storage, audio, …; the mojom name's first part, lower case).
 */
export function memKind(pid: number, cmd: string, rootKind: string, root: number): string {
  if (pid === root) return rootKind;
  const kind = classify(pid, cmd);
  if (kind !== 'chromium' && !(kind === 'host' && cmd.includes('lkb-cef-host'))) return kind;
  const type = / --type=(\S+)/.exec(cmd)?.[1];
  if (!type) return kind === 'host' ? 'host' : 'chromium:browser';
  if (type !== 'utility') return `chromium:${type}`;
  const sub = / --utility-sub-type=(\S+)/.exec(cmd)?.[1] ?? 'unknown';
  return `chromium:utility:${(sub.split('.')[0] ?? sub).toLowerCase()}`;
}

/** Measures CPU (utime+stime deltas) and memory of a process tree over a window. */
export class TreeMeter {
  readonly root: number;
  readonly rootKind: string;
  #start: TreeSnapshot | undefined;
  #mem: {
    pss: number;
    rss: number;
    uss: number;
    dirty: number;
    n: number;
    byKind: Map<string, number>;
    ussByKind: Map<string, number>;
    dirtyByKind: Map<string, number>;
  }[] = [];
  #timer: NodeJS.Timeout | undefined;
  #seenPids = new Set<number>();

  constructor(root: number, rootKind: string) {
    this.root = root;
    this.rootKind = rootKind;
  }

  start(memEveryMs = 2000): void {
    this.#start = snapshot(this.root, this.rootKind);
    for (const p of this.#start.ticks.keys()) this.#seenPids.add(p);
    this.#sampleMem();
    this.#timer = setInterval(() => this.#sampleMem(), memEveryMs);
  }

  #sampleMem(): void {
    let pss = 0;
    let rss = 0;
    let uss = 0;
    let dirty = 0;
    const byKind = new Map<string, number>();
    const ussByKind = new Map<string, number>();
    const dirtyByKind = new Map<string, number>();
    const pids = processTree(this.root);
    for (const pid of pids) {
      this.#seenPids.add(pid);
      const m = memKb(pid);
      pss += m.pss;
      rss += m.rss;
      uss += m.uss;
      dirty += m.dirty;
      const k = memKind(pid, cmdline(pid), this.rootKind, this.root);
      byKind.set(k, (byKind.get(k) ?? 0) + m.pss);
      ussByKind.set(k, (ussByKind.get(k) ?? 0) + m.uss);
      dirtyByKind.set(k, (dirtyByKind.get(k) ?? 0) + m.dirty);
    }
    this.#mem.push({ pss, rss, uss, dirty, n: pids.length, byKind, ussByKind, dirtyByKind });
  }

  stop(): TreeUsage {
    clearInterval(this.#timer);
    this.#sampleMem();
    const a = this.#start;
    if (!a) throw new Error('TreeMeter.stop() before start()');
    const b = snapshot(this.root, this.rootKind);
    const secs = (b.at - a.at) / 1000;
    const cpu: Record<string, number> = { total: 0 };
    for (const [pid, v] of b.ticks) {
      const d = v.ticks - (a.ticks.get(pid)?.ticks ?? 0);
      const pct = (d / CLK_TCK / secs) * 100;
      cpu[v.kind] = (cpu[v.kind] ?? 0) + pct;
      cpu.total = (cpu.total ?? 0) + pct;
    }
    const cpuByThread: Record<string, number> = {};
    for (const [key, t] of b.threads) {
      const d = t.ticks - (a.threads.get(key)?.ticks ?? 0);
      if (d > 0) cpuByThread[t.group] = (cpuByThread[t.group] ?? 0) + (d / CLK_TCK / secs) * 100;
    }
    const n = this.#mem.length || 1;
    const pssByKind: Record<string, number> = {};
    const ussByKind: Record<string, number> = {};
    const dirtyByKind: Record<string, number> = {};
    for (const m of this.#mem) {
      for (const [k, v] of m.byKind) pssByKind[k] = (pssByKind[k] ?? 0) + v / n / 1024;
      for (const [k, v] of m.ussByKind) ussByKind[k] = (ussByKind[k] ?? 0) + v / n / 1024;
      for (const [k, v] of m.dirtyByKind) dirtyByKind[k] = (dirtyByKind[k] ?? 0) + v / n / 1024;
    }
    return {
      cpu,
      pssMiB: this.#mem.reduce((s, m) => s + m.pss, 0) / n / 1024,
      rssMiB: this.#mem.reduce((s, m) => s + m.rss, 0) / n / 1024,
      pssPeakMiB: Math.max(0, ...this.#mem.map((m) => m.pss)) / 1024,
      pssByKind,
      ussMiB: this.#mem.reduce((s, m) => s + m.uss, 0) / n / 1024,
      ussByKind,
      dirtyMiB: this.#mem.reduce((s, m) => s + m.dirty, 0) / n / 1024,
      dirtyByKind,
      cpuByThread,
      processes: Math.max(0, ...this.#mem.map((m) => m.n)),
      seconds: secs,
    };
  }

  /** Every pid seen in the tree so far (for the final leftover check). */
  get seenPids(): number[] {
    return [...this.#seenPids];
  }
}

/** CPU% of this process over a window (the subscriber/orchestrator). */
export function selfCpu(): () => number {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    const c = process.cpuUsage(c0);
    return ((c.user + c.system) / 1000 / (performance.now() - t0)) * 100;
  };
}

// ------------------------------------------------------------------ children

const children = new Set<ChildProcess>();
const extraPids = new Set<number>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // ESRCH: gone
    return false;
  }
}

/** SIGKILL a process (and its process group when it leads one). */
export function killHard(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH')
        log.debug({ pid: target, err: (e as Error).message }, 'kill failed');
    }
  }
}

/** Remember a pid started indirectly (e.g. a Chromium of a child) so exit cleanup kills it if it outlives its parent. */
export function trackPid(pid: number): void {
  installExitHandlers();
  extraPids.add(pid);
}

function killAllSync(): void {
  for (const c of children) if (c.pid && c.exitCode === null && c.signalCode === null) killHard(c.pid);
  for (const p of extraPids) if (isAlive(p)) killHard(p);
}

let handlersInstalled = false;
function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      log.warn({ signal: sig }, 'bench interrupted; killing children');
      killAllSync();
      process.exit(130);
    });
  }
}

export interface SpawnedChild {
  proc: ChildProcess;
  pid: number;
  /** stdout lines (JSON objects parsed when possible). */
  lines: AsyncIterable<string>;
  onLine(cb: (line: string) => void): void;
  exited: Promise<number | null>;
  stderrTail(): string;
  /** last stdout lines (the runtime CLI logs there) */
  stdoutTail(): string;
}

export function spawnChild(cmd: string, args: string[], env: NodeJS.ProcessEnv, name: string): SpawnedChild {
  installExitHandlers();
  const proc = spawn(cmd, args, { env, cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (!proc.pid) throw new Error(`spawn ${name} failed`);
  children.add(proc);
  const listeners: ((l: string) => void)[] = [];
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  let buf = '';
  let outTail: string[] = [];
  proc.stdout?.setEncoding('utf8');
  proc.stdout?.on('data', (d: string) => {
    buf += d;
    let i = buf.indexOf('\n');
    while (i >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      for (const l of listeners) l(line);
      outTail.push(line);
      if (outTail.length > 40) outTail = outTail.slice(-20);
      queue.push(line);
      if (queue.length > 2000) queue.shift();
      wake?.();
      i = buf.indexOf('\n');
    }
  });
  let err = '';
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (d: string) => {
    err = (err + d).slice(-8000);
    if (process.env.BENCH_CHILD_STDERR) process.stderr.write(`[${name}] ${d}`);
  });
  const exited = new Promise<number | null>((resolve) => {
    proc.on('exit', (code) => {
      children.delete(proc);
      wake?.();
      resolve(code);
    });
  });
  const lines: AsyncIterable<string> = {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        while (queue.length) yield queue.shift() as string;
        if (proc.exitCode !== null || proc.signalCode !== null) return;
        await new Promise<void>((r) => {
          wake = r;
        });
        wake = undefined;
      }
    },
  };
  return {
    proc,
    pid: proc.pid,
    lines,
    onLine: (cb) => listeners.push(cb),
    exited,
    stderrTail: () => err,
    stdoutTail: () => outTail.slice(-20).join('\n'),
  };
}

/** SIGTERM, wait up to graceMs, then SIGKILL the process group; finally SIGKILL any leftover pid of the tree. */
export async function stopChild(c: SpawnedChild, graceMs: number, treePids: readonly number[] = []): Promise<void> {
  if (c.proc.exitCode === null && c.proc.signalCode === null) {
    try {
      process.kill(c.pid, 'SIGTERM');
    } catch (e) {
      log.debug({ err: (e as Error).message }, 'SIGTERM failed');
    }
    const done = await Promise.race([c.exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!done) {
      log.warn({ pid: c.pid }, 'child did not exit after SIGTERM; SIGKILL');
      killHard(c.pid);
      await Promise.race([c.exited, sleep(3000)]);
    }
  }
  // the engine host leads its own session and cleans up on parent death; give it a moment, then make sure
  await sleep(200);
  const deadline = Date.now() + 5000;
  for (const p of treePids) {
    while (isAlive(p) && Date.now() < deadline && !isZombie(p)) await sleep(100);
    if (isAlive(p) && !isZombie(p)) {
      log.warn({ pid: p, cmd: cmdline(p).slice(0, 80) }, 'leftover process; SIGKILL');
      killHard(p);
    }
  }
}

function isZombie(pid: number): boolean {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    // gone
    return true;
  }
}

// ------------------------------------------------------------------ room server

export interface Sfu {
  /** "livekit-server 1.13.5" or "testserver (werift test SFU)": every result table names it. */
  label: string;
  url: string;
  apiKey: string;
  apiSecret: string;
  pid: number;
  meter(): TreeMeter;
  close(): Promise<void>;
}

/**
 * The room server in its own process (its CPU is measured separately from both pipelines): the real livekit-server,
 * or the werift test SFU with LKB_TEST_SFU=testserver (@lkbrowser/testkit startSfu, the tests' switch).
 */
export async function startSfu(): Promise<Sfu> {
  const s = await startRoomServer({ logLevel: 'warn' });
  const pid = s.pid();
  if (pid === undefined) {
    await s.close();
    throw new Error(`${s.label} has no process: ${s.logTail()}`);
  }
  log.info({ server: s.label, url: s.url }, 'room server started');
  return {
    label: s.label,
    url: s.url,
    apiKey: s.apiKey,
    apiSecret: s.apiSecret,
    pid,
    meter: () => new TreeMeter(pid, 'sfu'),
    close: () => s.close(),
  };
}

// ------------------------------------------------------------------ results

export function writeResult(name: string, data: unknown): string {
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

/** Markdown table (also readable in a terminal). */
export function table(rows: Record<string, string | number>[]): string {
  if (rows.length === 0) return '(no rows)';
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: string | number | undefined): string => (v === undefined ? '' : String(v));
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]): string => `| ${vals.map((v, i) => v.padEnd(width[i] ?? 0)).join(' | ')} |`;
  return [
    line(cols),
    `|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map((r) => line(cols.map((c) => cell(r[c])))),
  ].join('\n');
}

/** Runs that failed (and were retried once), per script, for the report. */
export const failures: Array<{ script: string; kind: string; what: string; error: string }> = [];

/** Run a case; if it fails (returns undefined or a result with `error`), record it and run it once more. */
export async function retryOnce<T>(
  script: string,
  kind: string,
  what: string,
  fn: () => Promise<T>,
  failed: (r: T) => string | undefined,
): Promise<T> {
  const r = await fn();
  const err = failed(r);
  if (err === undefined) return r;
  failures.push({ script, kind, what, error: err });
  log.warn({ script, kind, what, err }, 'run failed; retrying once');
  return fn();
}

/** Hard bound on a whole bench script: exit (children are killed by the exit handler) after `minutes`. */
export function watchdog(minutes: number): void {
  installExitHandlers();
  setTimeout(() => {
    log.error({ minutes }, 'bench watchdog: time limit reached; killing children and exiting');
    process.exit(2);
  }, minutes * 60_000).unref();
}
