// Probe/metrics/status endpoints: /healthz (process alive), /readyz (200 while publishing),
// /metrics (Prometheus), /status (JSON, polled by the operator).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { RuntimeMetrics } from './metrics.ts';
import type { BrowserStatus } from '@lkbrowser/protocol';

export interface StatusServer {
  port: number;
  close(): Promise<void>;
}

export interface StatusSource {
  /** undefined until the session exists. */
  status(): BrowserStatus | undefined;
}

export async function startStatusServer(opts: {
  host: string;
  port: number;
  metrics: RuntimeMetrics;
  source: StatusSource;
  logger: Logger;
}): Promise<StatusServer> {
  const { metrics, source, logger } = opts;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const json = (code: number, body: unknown): void => {
      res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
    };
    switch (path) {
      case '/healthz':
        json(200, { ok: true });
        return;
      case '/readyz': {
        const s = source.status();
        json(s?.publishing ? 200 : 503, { ready: s?.publishing === true });
        return;
      }
      case '/status': {
        const s = source.status();
        json(200, s ?? { url: null, focusHolder: null, width: 0, height: 0, fps: 0, publishing: false, restarts: 0 });
        return;
      }
      case '/metrics':
        metrics.registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
          (err: unknown) => {
            logger.error({ err }, 'collecting metrics failed');
            res.writeHead(500).end();
          },
        );
        return;
      default:
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
