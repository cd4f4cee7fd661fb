// The real LiveKit server (livekit-server, built by scripts/tools/livekit-server.sh) as a test fixture: one process
// on this machine only, with a generated config (explicit keys, no --dev), free ports, and nothing left behind.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { type NetworkInterfaceInfo, networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { toolPath, toolVersions } from './tools.ts';
import { waitFor } from './wait.ts';

export interface LiveKitServerPorts {
  /** HTTP + WebSocket signalling, bound to 127.0.0.1. */
  signal: number;
  /** ICE/TCP (the server's TCP mux listens on every interface; only the node IP is advertised). */
  rtcTcp: number;
  /** ICE/UDP mux, bound to the node IP only. */
  rtcUdp: number;
}

export interface LiveKitConfigInput {
  ports: LiveKitServerPorts;
  /** The address the server binds ICE to and advertises: this machine's own interface address. */
  nodeIp: string;
  apiKey: string;
  apiSecret: string;
  logLevel: string;
  /** Seconds a room stays open with nobody in it / after the last participant left (server defaults 300 / 20). */
  emptyTimeout?: number;
  departureTimeout?: number;
}

/**
 * The server's config (pure; JSON is YAML). Key points:
 * - signalling on 127.0.0.1 only (`bind_addresses`); no Redis (single node), no TURN, no webhooks, no prometheus;
 * - `rtc.node_ip` set explicitly with `use_external_ip: false`: no STUN-based external IP discovery, and the server
 *   adds no STUN servers of its own (it does when node_ip is auto-detected);
 * - `rtc.ips.includes` = the node IP only, loopback and mDNS candidates off: ICE is host-to-host on this machine;
 * - `rtc.udp_port` one UDP mux port and `rtc.tcp_port`, both chosen free; no port range;
 * - `room.playout_delay` 0–0 ms: subscribers render each video frame when it is decoded instead of holding it in a
 *   jitter buffer (bench/glass-to-glass.ts budget, 720p30: jitter buffer 64 → 0.1 ms, glass-to-glass p50 ~65 → 55
 *   ms). An interactive browser wants the latency; the README recommends the same for production servers.
 */
export function livekitServerConfig(c: LiveKitConfigInput): string {
  const config = {
    port: c.ports.signal,
    bind_addresses: ['127.0.0.1'],
    keys: { [c.apiKey]: c.apiSecret },
    rtc: {
      udp_port: c.ports.rtcUdp,
      tcp_port: c.ports.rtcTcp,
      use_external_ip: false,
      node_ip: c.nodeIp,
      ips: { includes: [`${c.nodeIp}/32`] },
      enable_loopback_candidate: false,
      use_mdns: false,
      stun_servers: [],
      turn_servers: [],
    },
    turn: { enabled: false },
    room: {
      auto_create: true,
      playout_delay: { enabled: true, min: 0, max: 0 },
      ...(c.emptyTimeout !== undefined ? { empty_timeout: c.emptyTimeout } : {}),
      ...(c.departureTimeout !== undefined ? { departure_timeout: c.departureTimeout } : {}),
    },
    logging: { level: c.logLevel, pion_level: 'error', json: false },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/**
 * This machine's own interface address for WebRTC between local processes: the first non-internal IPv4 address.
 * Loopback does not do (libwebrtc in rtc-node and Chromium gather no loopback candidates).
 */
export function hostInterfaceAddress(ifaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string {
  for (const [, addrs] of Object.entries(ifaces).sort(([a], [b]) => a.localeCompare(b))) {
    for (const a of addrs ?? []) {
      if (a.family === 'IPv4' && !a.internal && !a.address.startsWith('169.254.')) return a.address;
    }
  }
  throw new Error('no non-loopback IPv4 interface address on this machine: WebRTC between local processes needs one');
}

/** Reads `livekit-server --version` output ("livekit-server version 1.13.5") into "1.13.5". */
export function parseServerVersion(out: string): string {
  const m = /version\s+v?(\d+\.\d+\.\d+\S*)/.exec(out);
  if (!m?.[1]) throw new Error(`unexpected livekit-server --version output: ${out.trim()}`);
  return m[1];
}

export interface LiveKitServerOptions {
  apiKey?: string;
  apiSecret?: string;
  /** livekit-server log level; default $LKB_LIVEKIT_LOG_LEVEL or 'info' (kept in memory, shown on failure). */
  logLevel?: string;
  /** Also write the server's log lines to this process's stderr. Default: $LKB_LIVEKIT_LOG === '1'. */
  echoLog?: boolean;
  /** Every log line of the server (the demo writes them to its log file). */
  onLog?: (line: string) => void;
  emptyTimeout?: number;
  departureTimeout?: number;
  /** Readiness deadline per start; default 60 s (the machine is shared and loaded). */
  startTimeoutMs?: number;
  /** Use this signalling port instead of a free one (tests of the failure path). */
  signalPort?: number;
}

export interface LiveKitServer {
  readonly kind: 'livekit-server';
  /** "1.13.5", from the binary itself. */
  readonly version: string;
  /** ws://127.0.0.1:PORT */
  readonly url: string;
  readonly httpUrl: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly nodeIp: string;
  readonly ports: LiveKitServerPorts;
  readonly binary: string;
  /** The temporary directory with the generated config (removed by close()). */
  readonly configDir: string;
  /** The running process id (changes on restart). */
  pid(): number | undefined;
  /** The last log lines (stdout + stderr). */
  logTail(lines?: number): string;
  /** SIGKILL: a crash, nothing graceful. Resolves when the process is gone. */
  kill(): Promise<void>;
  /** Starts the server again on the same ports and keys (after kill() or stop()). */
  restart(): Promise<void>;
  /** Graceful stop (SIGTERM, then a forced stop, then SIGKILL) and removal of the config dir. Idempotent. */
  close(): Promise<void>;
}

const LOG_TAIL_LINES = 200;

/** The built binary and its version; throws with the build command when it is missing. */
export function livekitServerBinary(): { binary: string; version: string } {
  const pinned = toolVersions().LIVEKIT_SERVER_VERSION;
  if (!pinned) throw new Error('LIVEKIT_SERVER_VERSION missing from scripts/tools/versions.env');
  const binary = toolPath(`livekit-server-${pinned}`, 'livekit-server', 'livekit-server.sh');
  const version = parseServerVersion(execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 30_000 }));
  return { binary, version };
}

async function freeTcpPort(host: string): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, host, resolve);
  });
  const addr = srv.address();
  await new Promise<void>((r) => srv.close(() => r()));
  if (typeof addr !== 'object' || !addr) throw new Error('no TCP port');
  return addr.port;
}

async function freeUdpPort(host: string): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, host, resolve);
  });
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function pickPorts(nodeIp: string): Promise<LiveKitServerPorts> {
  return {
    signal: await freeTcpPort('127.0.0.1'),
    rtcTcp: await freeTcpPort('0.0.0.0'),
    rtcUdp: await freeUdpPort(nodeIp),
  };
}

/** A port picked free was taken before the server bound it (another test on the shared machine): worth a retry. */
function isPortRace(log: string): boolean {
  return /address already in use/i.test(log);
}

/**
 * Starts livekit-server and waits until it answers its health check. Fails (no fallback) with the server's own
 * last log lines when it cannot start.
 */
export async function startLiveKitServer(opts: LiveKitServerOptions = {}): Promise<LiveKitServer> {
  const { binary, version } = livekitServerBinary();
  const nodeIp = hostInterfaceAddress();
  const apiKey = opts.apiKey ?? `lkb${randomBytes(6).toString('hex')}`;
  const apiSecret = opts.apiSecret ?? randomBytes(24).toString('hex');
  const logLevel = opts.logLevel ?? process.env.LKB_LIVEKIT_LOG_LEVEL ?? 'info';
  const echo = opts.echoLog ?? process.env.LKB_LIVEKIT_LOG === '1';
  const startTimeoutMs = opts.startTimeoutMs ?? 60_000;
  const dir = mkdtempSync(join(tmpdir(), 'lkb-livekit-'));
  const configFile = join(dir, 'livekit.yaml');
  const log: string[] = [];
  let proc: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let closed = false;
  let ports: LiveKitServerPorts = { signal: 0, rtcTcp: 0, rtcUdp: 0 };

  const remember = (chunk: string): void => {
    for (const line of chunk.split('\n')) {
      if (!line) continue;
      log.push(line);
      opts.onLog?.(line);
      if (echo) process.stderr.write(`[livekit-server] ${line}\n`);
    }
    if (log.length > LOG_TAIL_LINES) log.splice(0, log.length - LOG_TAIL_LINES);
  };
  const logTail = (lines = 30): string => log.slice(-lines).join('\n');
  const alive = (): boolean => proc !== undefined && proc.exitCode === null && proc.signalCode === null;

  const launch = async (): Promise<void> => {
    const p = spawn(binary, ['--config', configFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
    });
    proc = p;
    // A test process that ends without close() (a failed assertion, an exception) must not leave the server running.
    const onExit = (): void => {
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    };
    process.once('exit', onExit);
    p.once('close', () => process.off('exit', onExit));
    p.stdout?.setEncoding('utf8').on('data', remember);
    p.stderr?.setEncoding('utf8').on('data', remember);
    exited = new Promise<void>((r) => p.once('close', () => r())); // after the last output
    const httpUrl = `http://127.0.0.1:${ports.signal}/`;
    let state: 'ready' | 'exited';
    try {
      state = await waitFor(
        `livekit-server health check on ${httpUrl}`,
        async () => {
          if (p.exitCode !== null || p.signalCode !== null) return 'exited' as const;
          const res = await fetch(httpUrl, { signal: AbortSignal.timeout(2000) });
          await res.body?.cancel();
          return res.ok ? ('ready' as const) : false;
        },
        startTimeoutMs,
        100,
      );
    } catch (e) {
      if (alive()) {
        p.kill('SIGKILL');
        await exited;
      }
      throw new Error(
        `livekit-server ${version} did not start (ports ${JSON.stringify(ports)}, node IP ${nodeIp}): ${e instanceof Error ? e.message : String(e)}\n${logTail()}`,
      );
    }
    if (state === 'exited') {
      await exited; // the last output is read
      throw new Error(
        `livekit-server ${version} exited (${p.exitCode ?? p.signalCode}) before it was ready (ports ${JSON.stringify(ports)}, node IP ${nodeIp}):\n${logTail()}`,
      );
    }
  };

  const stop = async (signal: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
    const p = proc;
    if (!p || !alive()) return;
    p.kill(signal);
    // A second SIGTERM makes the server stop at once instead of waiting for participants to leave.
    const force = setTimeout(() => alive() && p.kill('SIGTERM'), 1000);
    const kill = setTimeout(() => alive() && p.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(force);
    clearTimeout(kill);
  };

  const cleanupDir = (): void => rmSync(dir, { recursive: true, force: true });

  try {
    for (let attempt = 1; ; attempt++) {
      ports = await pickPorts(nodeIp);
      if (opts.signalPort !== undefined) ports.signal = opts.signalPort;
      writeFileSync(
        configFile,
        livekitServerConfig({
          ports,
          nodeIp,
          apiKey,
          apiSecret,
          logLevel,
          emptyTimeout: opts.emptyTimeout,
          departureTimeout: opts.departureTimeout,
        }),
        { mode: 0o600 },
      );
      try {
        await launch();
        break;
      } catch (e) {
        if (attempt >= 3 || opts.signalPort !== undefined || !isPortRace(logTail())) throw e;
        log.length = 0;
      }
    }
  } catch (e) {
    cleanupDir();
    throw e;
  }

  return {
    kind: 'livekit-server',
    version,
    url: `ws://127.0.0.1:${ports.signal}`,
    httpUrl: `http://127.0.0.1:${ports.signal}`,
    apiKey,
    apiSecret,
    nodeIp,
    ports,
    binary,
    configDir: dir,
    pid: () => (alive() ? proc?.pid : undefined),
    logTail,
    kill: () => stop('SIGKILL'),
    restart: async () => {
      if (closed) throw new Error('livekit-server fixture is closed');
      await stop('SIGTERM');
      await launch();
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await stop('SIGTERM');
      cleanupDir();
    },
  };
}
