// Opt-in automation access (docs/automation.md): a DevTools endpoint for Playwright's connectOverCDP, puppeteer and
// the agents built on them, scoped to the session's one page. Off unless LKB_AUTOMATION is set.
//
// Chromium has no DevTools port: the engine speaks DevTools to it over a pipe (native/src/cdp/cdp-mux.ts), and this
// server is the one way in from outside. Every HTTP request and WebSocket upgrade needs `Authorization: Bearer
// <token>` (the token file is re-read on each attempt, so a rotated Secret applies to the next connection). Each
// client gets its own browser-target session on that pipe (the mux keeps the engine's and other clients' sessions
// out of its reach); every message in both directions passes CdpScope (cdp-scope.ts), and Page.navigate also passes
// the room's navigation policy. Chromium's traffic still goes through the egress proxy whatever a client does.
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { BrowserVersion, CdpChannel, CdpMessage } from '@lkbrowser/native';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { checkNavigationTarget, type NavPolicy, type ResolveHost, resolveHostAddresses } from '../nav-policy.ts';
import { bearerMatches, tokenProblem } from './bearer.ts';
import { type CdpRequest, CdpScope, type CdpUpstreamMessage, parseClientFrame } from './cdp-scope.ts';

/** The page a client is scoped to, as the engine has it now (it changes when Chromium is restarted). */
export interface AutomationTarget {
  targetId: string;
  /** A DevTools connection of the client's own (the engine's BrowserPage.openCdpClient). */
  open: () => Promise<CdpChannel>;
  version: () => Promise<BrowserVersion>;
}

export interface AutomationServerOptions {
  host: string;
  port: number;
  /** File holding the bearer token (a mounted Secret). */
  tokenFile: string;
  /** undefined while no page is running. */
  target: () => AutomationTarget | undefined;
  nav: NavPolicy;
  resolve?: ResolveHost;
  logger: Logger;
  metrics: { automationConnections: Counter<'result'>; automationRefused: Counter<'kind'> };
  /** Concurrent clients. Default 2. */
  maxClients?: number;
}

/** Largest client message (bytes): a script to evaluate or a file of cookies, not a media upload. */
const MAX_CLIENT_MESSAGE_BYTES = 4 * 1024 * 1024;
/** Client requests in flight at once; more are refused until replies arrive. */
const MAX_IN_FLIGHT = 1000;
const BROWSER_PATH = '/devtools/browser';
/** Bytes waiting for a client that does not read, at most; past that it is disconnected (two maximal replies). */
const MAX_CLIENT_BUFFERED = 128 * 1024 * 1024;

export class AutomationServer {
  readonly #opts: AutomationServerOptions;
  readonly #log: Logger;
  readonly #server: http.Server;
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES });
  readonly #clients = new Set<WebSocket>();

  constructor(opts: AutomationServerOptions) {
    this.#opts = opts;
    this.#log = opts.logger.child({ component: 'automation' });
    this.#server = http.createServer((req, res) => void this.#onRequest(req, res));
    this.#server.on('upgrade', (req, socket, head) => void this.#onUpgrade(req, socket, head));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#opts.port, this.#opts.host, () => resolve());
    });
    return (this.#server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const c of this.#clients) c.terminate();
    this.#server.closeAllConnections();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }

  /** Bearer token check, constant time. */
  async #authorized(header: string | undefined): Promise<boolean> {
    let token: string;
    try {
      token = (await readFile(this.#opts.tokenFile, 'utf8')).trim();
    } catch (err) {
      this.#log.error({ err, file: this.#opts.tokenFile }, 'automation token file unreadable; refusing every client');
      return false;
    }
    const problem = tokenProblem(token);
    if (problem) {
      this.#log.error({ file: this.#opts.tokenFile }, `automation token ${problem}; refusing every client`);
      return false;
    }
    return bearerMatches(header, token);
  }

  async #onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]?.replace(/\/+$/, '');
    if (!(await this.#authorized(req.headers.authorization))) {
      this.#opts.metrics.automationConnections.inc({ result: 'unauthorized' });
      res.writeHead(401, { 'www-authenticate': 'Bearer' }).end('unauthorized\n');
      return;
    }
    if (req.method !== 'GET' || path !== '/json/version') {
      res.writeHead(404).end('not found\n');
      return;
    }
    const t = this.#opts.target();
    if (!t) {
      res.writeHead(503).end('no page running\n');
      return;
    }
    let v: BrowserVersion;
    try {
      v = await t.version();
    } catch (err) {
      this.#log.warn({ err }, 'Browser.getVersion failed');
      res.writeHead(502).end('browser unreachable\n');
      return;
    }
    const host = /^[A-Za-z0-9.[\]:-]{1,255}$/.test(req.headers.host ?? '') ? req.headers.host : undefined;
    const { port } = this.#server.address() as AddressInfo;
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        Browser: v.product,
        'Protocol-Version': v.protocolVersion,
        'User-Agent': v.userAgent,
        webSocketDebuggerUrl: `ws://${host ?? `127.0.0.1:${port}`}${BROWSER_PATH}`,
      }),
    );
  }

  async #onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const fail = (status: number, result: string): void => {
      this.#opts.metrics.automationConnections.inc({ result });
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nconnection: close\r\n\r\n`);
    };
    socket.on('error', (err) => this.#log.debug({ err }, 'automation socket error'));
    if (!(await this.#authorized(req.headers.authorization))) return fail(401, 'unauthorized');
    if ((req.url ?? '').split('?')[0]?.replace(/\/+$/, '') !== BROWSER_PATH) return fail(404, 'not-found');
    if (this.#clients.size >= (this.#opts.maxClients ?? 2)) return fail(503, 'busy');
    const t = this.#opts.target();
    if (!t) return fail(503, 'no-page');
    let upstream: CdpChannel;
    try {
      upstream = await t.open();
    } catch (err) {
      this.#log.warn({ err }, 'DevTools connection failed');
      return fail(502, 'upstream-failed');
    }
    if (socket.destroyed) {
      upstream.close('client gone before the upgrade');
      return fail(400, 'client-gone');
    }
    this.#wss.handleUpgrade(req, socket, head, (client) => {
      this.#opts.metrics.automationConnections.inc({ result: 'accepted' });
      this.#clients.add(client);
      this.#log.info({ remote: req.socket.remoteAddress, targetId: t.targetId }, 'automation client connected');
      this.#relay(client, upstream, new CdpScope(t.targetId));
    });
  }

  #relay(client: WebSocket, upstream: CdpChannel, scope: CdpScope): void {
    const log = this.#log;
    const refused = this.#opts.metrics.automationRefused;
    /** upstream id → client id (undefined: the proxy's own request) */
    const ids = new Map<number, number | undefined>();
    let nextId = 1;
    const toBrowser = (
      method: string,
      params: Record<string, unknown>,
      sessionId?: string,
      clientId?: number,
    ): void => {
      const id = nextId++;
      ids.set(id, clientId);
      upstream.send(sessionId === undefined ? { id, method, params } : { id, method, params, sessionId });
    };
    const toClient = (m: object): void => {
      if (client.readyState !== WebSocket.OPEN) return;
      if (client.bufferedAmount > MAX_CLIENT_BUFFERED) return close('client does not read its messages');
      client.send(JSON.stringify(m));
    };
    const refuse = (req: { id: number; sessionId?: string; method?: string }, kind: string, reason: string): void => {
      refused.inc({ kind });
      log.info({ method: req.method, reason }, 'automation request refused');
      const reply: Record<string, unknown> = { id: req.id, error: { code: -32000, message: `lkbrowser: ${reason}` } };
      if (req.sessionId !== undefined) reply.sessionId = req.sessionId;
      toClient(reply);
    };
    const close = (why: string): void => {
      if (client.readyState === WebSocket.OPEN) client.close(1011, why.slice(0, 120));
      upstream.close(why);
    };

    // Client messages are handled one at a time, in order (a navigation check awaits DNS; what follows it waits).
    let chain: Promise<void> = Promise.resolve();
    const handle = async (text: string): Promise<void> => {
      const p = parseClientFrame(text);
      if (!p.ok) {
        if (p.id === undefined) {
          refused.inc({ kind: 'malformed' });
          return close(`malformed message: ${p.error}`);
        }
        return refuse({ id: p.id }, 'malformed', p.error);
      }
      const req: CdpRequest = p.request;
      if (ids.size >= MAX_IN_FLIGHT) return refuse(req, 'overload', `more than ${MAX_IN_FLIGHT} requests in flight`);
      const v = scope.fromClient(req);
      if (v.kind === 'refuse') return refuse(req, 'method', v.reason);
      if (v.kind === 'navigate') {
        const d = await checkNavigationTarget(v.url, this.#opts.nav, this.#opts.resolve ?? resolveHostAddresses);
        if (!d.ok) {
          scope.abandon(req.id);
          return refuse(req, 'navigation', `navigation refused: ${d.reason}`);
        }
      }
      toBrowser(v.request.method, v.request.params, v.request.sessionId, v.request.id);
    };
    client.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return close('binary frames are not CDP');
      const text = data.toString();
      chain = chain.then(() => handle(text)).catch((err: unknown) => log.warn({ err }, 'automation message failed'));
    });
    upstream.on('message', (m: CdpMessage) => {
      const msg: CdpUpstreamMessage = m;
      let clientId: number | undefined;
      if (msg.id !== undefined) {
        clientId = ids.get(msg.id);
        ids.delete(msg.id);
      }
      const v = scope.fromBrowser(msg, clientId);
      if (v.kind === 'forward') toClient(v.message);
      else if (v.kind === 'release') {
        // A target outside the scope (another page, a worker of the browser): Chromium may hold it paused for
        // this connection's debugger; resume it and detach so it runs as if nobody were attached.
        toBrowser('Runtime.runIfWaitingForDebugger', {}, v.sessionId);
        toBrowser('Target.detachFromTarget', { sessionId: v.sessionId });
      }
    });
    client.on('close', () => {
      this.#clients.delete(client);
      log.info('automation client disconnected');
      close('client closed');
    });
    upstream.on('close', (why: string) => close(`browser connection closed: ${why}`));
    client.on('error', (err) => log.debug({ err }, 'automation client error'));
  }
}
