// The pod's egress proxy: every connection Chromium makes (navigations, redirects, popups, history, subresources,
// WebSockets, WebRTC over TCP) arrives here as HTTP CONNECT or an absolute-URI HTTP request, because the engine
// launches Chromium with --proxy-server=<this> and --proxy-bypass-list=<-loopback>. The proxy resolves the name
// itself, judges EVERY address it got (AddressPolicy), and connects to exactly the address it judged (an IP
// literal: no second resolution, so DNS rebinding between check and connect is impossible).
//
// It runs inside the runtime's Node process: no extra process to supervise, and it shares the runtime's logger
// and metrics. It listens on 127.0.0.1 only; anything else in the pod reaching it gets the same policy.
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import { type AddressInfo, connect as netConnect, isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { RateLimiter } from '../rate-limit.ts';
import { type AddressClass, AddressPolicy, type AddressPolicyOptions } from './address-policy.ts';
import { forwardHeaders, type ProxyTarget, parseAbsoluteTarget, parseConnectTarget } from './proxy-request.ts';

export type Resolver = (host: string) => Promise<ReadonlyArray<{ address: string; family: number }>>;

/** Refusal reasons: an address class, or a request the proxy will not serve. */
export type RefusalReason = AddressClass | 'bad-request' | 'dns' | 'upgrade';

/**
 * TEST ONLY: fixed answers for names under the reserved `.test` TLD (RFC 6761), keyed "host:port". `public: true`
 * skips the address policy for exactly that host:port (so a 127.0.0.1 test server can play a public site).
 * This is a constructor option of this class and nothing else: the runtime's config (env, flags) has no way to
 * set it, so neither a BrowserSession nor a page can turn it on.
 */
export interface TestTarget {
  address: string;
  port: number;
  public: boolean;
}

export interface EgressProxyOptions extends AddressPolicyOptions {
  logger: Logger;
  metrics: { egressRefused: Counter<'reason'>; egressConnections: Counter<'kind'> };
  /** Name resolution; default getaddrinfo (dns.lookup, all addresses). */
  resolve?: Resolver;
  unsafeTestTargets?: ReadonlyMap<string, TestTarget>;
  /** Upstream connect timeout (ms). Default 10 s. */
  connectTimeoutMs?: number;
  /** Idle timeout of a tunnel or upstream connection (ms). Default 120 s. */
  idleTimeoutMs?: number;
}

/** Request and response header cap (bytes), both directions. */
export const MAX_HEADER_BYTES = 16 * 1024;
const MAX_CONNECTIONS = 512;

type Resolved =
  | { ok: true; addresses: ReadonlyArray<{ address: string; family: number }>; port: number }
  | { ok: false; reason: RefusalReason; detail: string };

const defaultResolve: Resolver = (host) => dnsLookup(host, { all: true, order: 'verbatim' });

export class EgressProxy {
  readonly #server: http.Server;
  readonly #policy: AddressPolicy;
  readonly #log: Logger;
  readonly #metrics: EgressProxyOptions['metrics'];
  readonly #resolve: Resolver;
  readonly #testTargets: ReadonlyMap<string, TestTarget>;
  readonly #connectTimeoutMs: number;
  readonly #idleTimeoutMs: number;
  readonly #logLimit = new RateLimiter({ ratePerSec: 5, burst: 20 });
  readonly #sockets = new Set<Duplex>();
  #port = 0;

  constructor(o: EgressProxyOptions) {
    this.#policy = new AddressPolicy(o);
    this.#log = o.logger.child({ component: 'egress-proxy' });
    this.#metrics = o.metrics;
    this.#resolve = o.resolve ?? defaultResolve;
    this.#testTargets = o.unsafeTestTargets ?? new Map();
    for (const k of this.#testTargets.keys()) {
      if (!/^[a-z0-9.-]+\.test:\d+$/.test(k))
        throw new RangeError(`test targets must be <name>.test:<port>, got "${k}"`);
    }
    this.#connectTimeoutMs = o.connectTimeoutMs ?? 10_000;
    this.#idleTimeoutMs = o.idleTimeoutMs ?? 120_000;
    this.#server = http.createServer({
      maxHeaderSize: MAX_HEADER_BYTES,
      requestTimeout: 120_000,
      headersTimeout: 15_000,
    });
    this.#server.maxConnections = MAX_CONNECTIONS;
    this.#server.on('connection', (s: Socket) => this.#track(s));
    this.#server.on('request', (req, res) => void this.#onRequest(req, res));
    this.#server.on('connect', (req, sock: Duplex, head: Buffer) => void this.#onConnect(req, sock, head));
    this.#server.on('upgrade', (_req, sock: Duplex) => {
      // Chromium tunnels WebSockets through CONNECT; an Upgrade on an absolute URI is not something it sends.
      this.#refused('upgrade', 'upgrade on an absolute URI', undefined);
      sock.end('HTTP/1.1 501 Not Implemented\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    });
    this.#server.on('clientError', (err, sock: Duplex) => {
      this.#refused('bad-request', `client error: ${(err as NodeJS.ErrnoException).code ?? err.message}`, undefined);
      const status =
        (err as NodeJS.ErrnoException).code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : '400 Bad Request';
      if (sock.writable) sock.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      else sock.destroy();
    });
  }

  /** Listens on 127.0.0.1 (port 0 = ephemeral). Returns the proxy URL for Chromium's --proxy-server. */
  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #track(s: Duplex): void {
    this.#sockets.add(s);
    s.once('close', () => this.#sockets.delete(s));
  }

  #refused(reason: RefusalReason, detail: string, t: ProxyTarget | undefined): void {
    this.#metrics.egressRefused.inc({ reason });
    // A page can cause refusals in a loop: the counter has them all, the log a bounded sample.
    if (this.#logLimit.take('log', Date.now())) {
      this.#log.warn(
        { reason, host: t?.host.slice(0, 253), port: t?.port, detail: detail.slice(0, 300) },
        'egress refused',
      );
    }
  }

  /** Resolves and judges a target; every address must pass. */
  async #judge(t: ProxyTarget): Promise<Resolved> {
    const fixed = this.#testTargets.get(`${t.host}:${t.port}`);
    if (fixed) {
      if (fixed.public)
        return { ok: true, addresses: [{ address: fixed.address, family: isIP(fixed.address) }], port: fixed.port };
      const d = this.#policy.check(fixed.address);
      return d.ok
        ? { ok: true, addresses: [{ address: fixed.address, family: isIP(fixed.address) }], port: fixed.port }
        : { ok: false, reason: d.class, detail: `${t.host} is ${fixed.address}` };
    }
    let addresses: ReadonlyArray<{ address: string; family: number }>;
    if (isIP(t.host) !== 0) addresses = [{ address: t.host, family: isIP(t.host) }];
    else {
      try {
        addresses = await this.#resolve(t.host);
      } catch (err) {
        return {
          ok: false,
          reason: 'dns',
          detail: `cannot resolve ${t.host}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
        };
      }
      if (addresses.length === 0) return { ok: false, reason: 'dns', detail: `no address for ${t.host}` };
    }
    for (const a of addresses) {
      const d = this.#policy.check(a.address);
      if (!d.ok) return { ok: false, reason: d.class, detail: `${t.host} is ${a.address}` };
    }
    return { ok: true, addresses, port: t.port };
  }

  /** Connects to the first checked address that answers (IP literals only: no lookup happens here). */
  #dial(r: Extract<Resolved, { ok: true }>): Promise<Socket> {
    const tryAt = (i: number, lastErr: Error | undefined): Promise<Socket> => {
      const a = r.addresses[i];
      if (!a) return Promise.reject(lastErr ?? new Error('no address'));
      return new Promise<Socket>((resolve, reject) => {
        const up = netConnect({ host: a.address, port: r.port, family: a.family });
        const timer = setTimeout(
          () => up.destroy(new Error(`connect timeout after ${this.#connectTimeoutMs} ms`)),
          this.#connectTimeoutMs,
        );
        up.once('connect', () => {
          clearTimeout(timer);
          up.removeListener('error', reject);
          resolve(up);
        });
        up.once('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      }).catch((err: Error) => tryAt(i + 1, err));
    };
    return tryAt(0, undefined);
  }

  async #onConnect(req: http.IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
    client.on('error', (err) => this.#log.debug({ err }, 'tunnel client error'));
    const p = parseConnectTarget(req.url);
    if (!p.ok) {
      this.#refused('bad-request', p.reason, undefined);
      client.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const r = await this.#judge(p.target);
    if (!r.ok) {
      this.#refused(r.reason, r.detail, p.target);
      client.end(
        `HTTP/1.1 ${r.reason === 'dns' ? '502 Bad Gateway' : '403 Forbidden'}\r\nx-lkb-egress: refused ${r.reason}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`,
      );
      return;
    }
    let up: Socket;
    try {
      up = await this.#dial(r);
    } catch (err) {
      this.#log.debug({ err, host: p.target.host }, 'upstream connect failed');
      client.end('HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    if (client.destroyed) {
      up.destroy();
      return;
    }
    this.#track(up);
    this.#metrics.egressConnections.inc({ kind: 'connect' });
    up.setTimeout(this.#idleTimeoutMs, () => up.destroy());
    up.on('error', () => client.destroy());
    client.on('close', () => up.destroy());
    up.on('close', () => client.destroy());
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) up.write(head);
    up.pipe(client);
    client.pipe(up);
  }

  async #onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const p = parseAbsoluteTarget(req.url);
    const refuse = (code: number, reason: RefusalReason, detail: string, t: ProxyTarget | undefined): void => {
      this.#refused(reason, detail, t);
      // no-store: a refused URL is asked again (and refused again) on reload/history, never served from a cache.
      res.writeHead(code, {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
        'x-lkb-egress': `refused ${reason}`,
        connection: 'close',
      });
      res.end(`Blocked by the lkbrowser egress policy (${reason}).\n`);
    };
    if (!p.ok) return refuse(400, 'bad-request', p.reason, undefined);
    const r = await this.#judge(p.target);
    if (!r.ok) return refuse(r.reason === 'dns' ? 502 : 403, r.reason, r.detail, p.target);
    const addr = r.addresses[0] as { address: string; family: number };
    const headers = forwardHeaders(req.headers);
    const up = http.request({
      host: addr.address,
      family: addr.family,
      port: r.port,
      method: req.method,
      path: p.path,
      headers,
      setHost: false, // the client's Host header is forwarded as is
      agent: false,
      maxHeaderSize: MAX_HEADER_BYTES,
      timeout: this.#idleTimeoutMs,
    });
    this.#metrics.egressConnections.inc({ kind: 'http' });
    up.on('timeout', () => up.destroy(new Error('upstream timeout')));
    up.on('error', (err) => {
      this.#log.debug({ err, host: p.target.host }, 'upstream request failed');
      if (!res.headersSent)
        res.writeHead(502, { 'content-type': 'text/plain', connection: 'close' }).end('upstream failed\n');
      else res.destroy();
    });
    up.on('response', (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.statusMessage, forwardHeaders(ur.headers));
      ur.pipe(res);
    });
    res.on('close', () => up.destroy());
    req.pipe(up);
  }
}
