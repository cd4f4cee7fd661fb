// One engine host process (native/host): spawn in its own session, version handshake, message stream.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { type ClientMessage, encode, FrameDecoder, type HostMessage, PROTOCOL_VERSION } from './control-protocol.ts';
import type { EngineKind, StartupMarks } from './engine-api.ts';
import { hostEnvironment } from './host-env.ts';
import { hostPath } from './shm.ts';

export interface HostStartOptions {
  url: string;
  width: number;
  height: number;
  maxWidth: number;
  maxHeight: number;
  framerate: number;
  audio: boolean;
  chromiumPath: string;
  proxyServer: string | undefined;
  chromiumUid: number | undefined;
  engine: EngineKind;
  timeoutMs: number;
  logger: Logger;
  /** Filled with host_spawn and the host's own "startup: <step> <µs>" lines (xvfb, pulse). */
  marks?: StartupMarks;
}

/** The host's start-up log line: a step and its CLOCK_MONOTONIC time in µs. */
const STARTUP_LINE = /\] startup: (xvfb|pulse) (\d+)$/;

/** A CLOCK_MONOTONIC µs time (the host's clock, process.hrtime's too) as performance.now() ms of this process. */
function monoUsToPerfMs(us: bigint): number {
  const nowPerf = performance.now();
  const nowUs = process.hrtime.bigint() / 1000n;
  return nowPerf - Number(nowUs - us) / 1000;
}

type ReadyMessage = Extract<HostMessage, { type: 'ready' }>;

export interface HostProcessEvents {
  message: [HostMessage];
  /** The host process exited (or its channel broke). Emitted once. */
  exit: [{ code: number | null; signal: NodeJS.Signals | null; reason: string }];
}

export class HostProcess extends EventEmitter<HostProcessEvents> {
  readonly pid: number;
  ready: ReadyMessage | undefined;
  private readonly child: ChildProcess;
  private readonly sock: Socket;
  private readonly decoder = new FrameDecoder();
  private readonly log: Logger;
  private exited = false;
  private attached = false;
  private readonly backlog: HostMessage[] = [];
  private exitPromise: Promise<void>;

  private constructor(child: ChildProcess, sock: Socket, log: Logger) {
    super();
    this.child = child;
    this.sock = sock;
    this.log = log;
    this.pid = child.pid ?? -1;
    let resolveExit: () => void = () => undefined;
    this.exitPromise = new Promise((r) => {
      resolveExit = r;
    });
    child.once('exit', (code, signal) => {
      // Backstop: whatever is left in the host's process group goes with it (normally nothing is).
      this.kill();
      if (signal === 'SIGKILL') this.removeTempDirs(); // the host could not clean up after itself
      this.markExited(code, signal, `host exited (code ${code}, signal ${signal})`);
      resolveExit();
    });
    sock.on('data', (chunk: Buffer) => {
      let msgs: HostMessage[];
      try {
        msgs = this.decoder.push(chunk) as HostMessage[];
      } catch (err) {
        this.log.error({ err }, 'protocol violation from host: killing it');
        this.kill();
        return;
      }
      for (const m of msgs) {
        // After `ready`, messages wait for the consumer to attach (none is lost between start() and attach()).
        if (this.ready && !this.attached) this.backlog.push(m);
        else this.emit('message', m);
      }
    });
    sock.on('error', (err) => this.log.debug({ err }, 'host control socket error'));
    sock.on('close', () => {
      if (!this.exited) this.log.debug('host control socket closed');
    });
  }

  /** Spawns the host, does the version handshake and waits for its `ready` message. */
  static async start(o: HostStartOptions): Promise<HostProcess> {
    const args = [
      '--width',
      String(o.width),
      '--height',
      String(o.height),
      '--max-width',
      String(o.maxWidth),
      '--max-height',
      String(o.maxHeight),
      '--framerate',
      String(o.framerate),
      '--audio',
      o.audio ? '1' : '0',
      '--chromium',
      o.chromiumPath,
      '--url',
      o.url,
      '--parent-pid',
      String(process.pid),
      ...(o.proxyServer ? ['--proxy-server', o.proxyServer] : []),
      ...(o.chromiumUid !== undefined ? ['--chromium-uid', String(o.chromiumUid)] : []),
    ];
    // detached: the host leads its own session/process group, so one kill(-pid) reaches everything.
    // env from scratch (hostEnvironment): no credential of the runtime reaches the host or what it starts.
    if (o.marks) o.marks.host_spawn ??= performance.now();
    const child = spawn(hostPath(o.engine), args, {
      detached: true,
      env: hostEnvironment(process.env),
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    const sock = child.stdio[3] as Socket | null;
    if (!sock || child.pid === undefined) {
      child.kill('SIGKILL');
      throw new Error('failed to spawn engine host');
    }
    const log = o.logger.child({ hostPid: child.pid });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => {
      for (const line of s.split('\n')) {
        if (line.trim() === '') continue;
        const m = STARTUP_LINE.exec(line);
        if (m && o.marks) o.marks[m[1] as 'xvfb' | 'pulse'] ??= monoUsToPerfMs(BigInt(m[2] ?? 0));
        log.debug({ host: line }, 'host');
      }
    });
    const host = new HostProcess(child, sock, log);
    try {
      await host.handshake(o.timeoutMs);
      return host;
    } catch (err) {
      host.kill();
      await host.waitExit(2000);
      throw err;
    }
  }

  private handshake(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let gotHello = false;
      const timer = setTimeout(
        () => finish(new Error(`engine host did not become ready within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const finish = (err?: Error): void => {
        clearTimeout(timer);
        this.off('message', onMsg);
        this.off('exit', onExit);
        if (err) reject(err);
        else resolve();
      };
      const onMsg = (m: HostMessage): void => {
        if (m.type === 'hello') {
          if (m.version !== PROTOCOL_VERSION)
            finish(new Error(`engine host speaks protocol ${m.version}, expected ${PROTOCOL_VERSION}`));
          gotHello = true;
        } else if (m.type === 'error') {
          finish(new Error(`engine host failed to start: ${m.message}`));
        } else if (m.type === 'ready') {
          if (!gotHello) return finish(new Error('engine host sent ready before hello'));
          this.ready = m;
          finish();
        }
      };
      const onExit = (e: { reason: string }): void => finish(new Error(`engine host died during start: ${e.reason}`));
      this.on('message', onMsg);
      this.on('exit', onExit);
      this.send({ type: 'client_hello', version: PROTOCOL_VERSION });
    });
  }

  /** Starts delivering messages (including those that arrived since `ready`) to `fn`. */
  attach(fn: (m: HostMessage) => void): void {
    this.on('message', fn);
    this.attached = true;
    for (const m of this.backlog.splice(0)) this.emit('message', m);
  }

  send(m: ClientMessage): void {
    if (this.exited || this.sock.destroyed) return;
    this.sock.write(encode(m));
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** SIGKILL the host's whole process group (host, Xvfb, pulseaudio, Chromium). */
  kill(): void {
    if (this.pid <= 0) return;
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') this.log.warn({ err }, 'kill host group failed');
    }
  }

  /** Resolves true when the host exited within timeoutMs. */
  async waitExit(timeoutMs: number): Promise<boolean> {
    if (this.exited) return true;
    let timer: NodeJS.Timeout | undefined;
    const t = new Promise<false>((r) => {
      timer = setTimeout(() => r(false), timeoutMs);
    });
    const ok = await Promise.race([this.exitPromise.then(() => true as const), t]);
    clearTimeout(timer);
    return ok;
  }

  /** Graceful shutdown (the host kills and reaps its children), then SIGKILL of the group as a backstop. */
  async shutdown(timeoutMs: number): Promise<void> {
    this.send({ type: 'shutdown' });
    const ok = await this.waitExit(timeoutMs);
    if (!ok) this.log.warn({ timeoutMs }, 'engine host did not exit in time: killing its process group');
    this.kill(); // stragglers left in the group (normally none)
    if (!ok) await this.waitExit(2000);
    this.sock.destroy();
  }

  /** Removes /tmp/lkb-host-<pid>-* (profile, pulse socket, logs) left by a host that was SIGKILLed. */
  private removeTempDirs(): void {
    const prefix = `lkb-host-${this.pid}-`;
    try {
      for (const f of readdirSync(tmpdir())) {
        // Chromium may still be writing its profile while it dies: retry on ENOTEMPTY.
        if (f.startsWith(prefix)) {
          rm(join(tmpdir(), f), { recursive: true, force: true, maxRetries: 20, retryDelay: 200 }).catch(
            (err: unknown) => this.log.warn({ err }, 'removing temp dir of a killed host failed'),
          );
        }
      }
    } catch (err) {
      this.log.warn({ err }, 'removing temp dirs of a killed host failed');
    }
  }

  private markExited(code: number | null, signal: NodeJS.Signals | null, reason: string): void {
    if (this.exited) return;
    this.exited = true;
    this.emit('exit', { code, signal, reason });
  }
}
