// Probe/metrics/status endpoints: /healthz (process alive), /readyz (200 while publishing),
// /metrics (Prometheus), /status (JSON, polled by the operator).
// Callers (kubelet, Prometheus, the operator) address the pod by IP, so a Host header that is a name is refused:
// a web page that rebinds its own name to this address (DNS rebinding) cannot read /status or /metrics.
import http from 'node:http';
import { type AddressInfo, isIP } from 'node:net';
import type { Logger } from 'pino';
import type { RuntimeMetrics } from './metrics.ts';
import type { SandboxState } from '@lkbrowser/native';
import type { BrowserStatus } from '@lkbrowser/protocol';

export interface StatusServer {
  port: number;
  close(): Promise<void>;
}

export interface StatusSource {
  /** undefined until the session exists. */
  status(): BrowserStatus | undefined;
  /** Overrides /readyz when defined: a standby runtime is ready to be claimed once its engine is up. */
  ready?(): boolean | undefined;
  /** Chromium's own sandbox, once the engine host decided (reported to the operator only, not to the room). */
  sandbox?(): SandboxState | undefined;
}

/** Host header check: an IP literal (with optional port) or localhost. Pure. */
export function hostHeaderAllowed(host: string | undefined): boolean {
  if (host === undefined || host.length === 0 || host.length > 64) return false;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(host);
  if (!m) return false;
  const h = (m[1] as string).replace(/^\[|\]$/g, '');
  return h === 'localhost' || isIP(h) !== 0;
}

/** The page URL as /status reports it: no query string or fragment (they often carry tokens). Pure. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return u.protocol === 'about:' ? u.href : `${u.protocol}`;
    return `${u.origin}${u.pathname}`;
  } catch {
    return '';
  }
}

export async function startStatusServer(opts: {
  host: string;
  port: number;
  metrics: RuntimeMetrics;
  source: StatusSource;
  logger: Logger;
  /** POST /claim (standby runtimes only, runtime/src/standby.ts). */
  claim?: (req: http.IncomingMessage, res: http.ServerResponse) => void;
}): Promise<StatusServer> {
  const { metrics, source, logger } = opts;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (!hostHeaderAllowed(req.headers.host)) {
      res.writeHead(421, { 'content-type': 'text/plain', connection: 'close' }).end('misdirected request\n');
      return;
    }
    if (path === '/claim' && opts.claim) {
      opts.claim(req, res);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const json = (code: number, body: unknown): void => {
      res
        .writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify(body));
    };
    switch (path) {
      case '/healthz':
        json(200, { ok: true });
        return;
      case '/readyz': {
        const ready = source.ready?.() ?? source.status()?.publishing === true;
        json(ready ? 200 : 503, { ready });
        return;
      }
      case '/status': {
        const s = source.status();
        const sandbox = source.sandbox?.();
        json(200, {
          ...(s
            ? { ...s, url: redactUrl(s.url) }
            : { url: null, focusHolder: null, width: 0, height: 0, fps: 0, publishing: false, restarts: 0 }),
          ...(sandbox ? { sandbox } : {}),
        });
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
