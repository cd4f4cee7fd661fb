// HTTP endpoints: /healthz + /readyz (probe address, default :8081) and /metrics (metrics address, default :8080).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export type Check = () => string | undefined; // undefined = ok, string = why not

/** ":8081" → all interfaces, "127.0.0.1:0" → loopback, ephemeral port; "", "0" → disabled. */
export function parseBindAddress(addr: string): { host: string; port: number } | undefined {
  if (addr === '' || addr === '0') return undefined;
  const i = addr.lastIndexOf(':');
  const host = i <= 0 ? '0.0.0.0' : addr.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(addr.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`invalid bind address ${JSON.stringify(addr)}`);
  return { host, port };
}

export interface HttpEndpoint {
  server: Server;
  port: number;
  close(): Promise<void>;
}

async function listen(server: Server, addr: { host: string; port: number }): Promise<HttpEndpoint> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(addr.port, addr.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export function startProbeServer(
  addr: string,
  checks: { healthz: Record<string, Check>; readyz: Record<string, Check> },
  log: Logger,
): Promise<HttpEndpoint> | undefined {
  const a = parseBindAddress(addr);
  if (!a) return undefined;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const set = path === '/healthz' ? checks.healthz : path === '/readyz' ? checks.readyz : undefined;
    if (!set) {
      res.writeHead(404).end('not found\n');
      return;
    }
    const failures: string[] = [];
    const lines: string[] = [];
    for (const [name, check] of Object.entries(set)) {
      let why: string | undefined;
      try {
        why = check();
      } catch (e) {
        why = `check threw: ${(e as Error).message}`;
      }
      if (why) failures.push(`[-]${name} failed: ${why}`);
      else lines.push(`[+]${name} ok`);
    }
    if (failures.length > 0) log.debug({ path, failures }, 'probe failed');
    res
      .writeHead(failures.length ? 500 : 200, { 'Content-Type': 'text/plain' })
      .end(`${[...lines, ...failures].join('\n')}\n${failures.length ? `${path.slice(1)} check failed` : 'ok'}\n`);
  });
  return listen(server, a);
}

export function startMetricsServer(addr: string, registry: Registry, log: Logger): Promise<HttpEndpoint> | undefined {
  const a = parseBindAddress(addr);
  if (!a) return undefined;
  const server = createServer((req, res) => {
    if ((req.url ?? '/').split('?')[0] !== '/metrics') {
      res.writeHead(404).end('not found\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      (e: unknown) => {
        log.error({ err: e }, 'metrics collection failed');
        res.writeHead(500).end('metrics collection failed\n');
      },
    );
  });
  return listen(server, a);
}
