// Minimal Chrome DevTools Protocol client: JSON-RPC over one CdpChannel (the engine's share of the browser pipe,
// cdp-mux.ts, or a WebSocket to a browser endpoint). Page targets are reached through flattened sessions
// (Target.attachToTarget {flatten:true}) by passing their sessionId to send().
import { EventEmitter } from 'node:events';
import { pino, type Logger } from 'pino';
import { type CdpChannel, type CdpMessage, webSocketChannel } from './channel.ts';

export interface CdpConnectionOptions {
  /** Default per-call timeout (ms). Default 10000. */
  timeoutMs?: number;
  /** Upper bound on in-flight calls; further calls reject immediately. Default 1000. */
  maxPending?: number;
  /** Timeout for opening the WebSocket (ms). Default 10000. */
  connectTimeoutMs?: number;
  logger?: Logger;
  /** HTTP headers of the WebSocket upgrade (connect() only), e.g. Authorization. */
  headers?: Record<string, string>;
}

export interface SendOptions {
  timeoutMs?: number;
}

/** A CDP call failed: protocol error, timeout, or the connection/session went away. */
export class CdpError extends Error {
  readonly method: string;
  /** CDP error code for protocol errors, undefined for timeouts/disconnects. */
  readonly code: number | undefined;
  readonly kind: 'protocol' | 'timeout' | 'closed' | 'overload';
  constructor(method: string, kind: CdpError['kind'], message: string, code?: number) {
    super(`CDP ${method}: ${message}`);
    this.name = 'CdpError';
    this.method = method;
    this.kind = kind;
    this.code = code;
  }
}

export type CdpParams = Record<string, unknown>;
export type CdpEventListener = (params: CdpParams, sessionId: string | undefined) => void;

export interface CdpConnectionEvents {
  /** Every protocol event: method, params, sessionId (undefined for the browser session). */
  event: [string, CdpParams, string | undefined];
  disconnected: [{ reason: string }];
}

interface Pending {
  method: string;
  sessionId: string | undefined;
  resolve: (v: CdpParams) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

let defaultLogger: Logger | undefined;
function getDefaultLogger(): Logger {
  defaultLogger ??= pino({ name: 'cdp', level: process.env.LOG_LEVEL ?? 'info' });
  return defaultLogger;
}

export class CdpConnection extends EventEmitter<CdpConnectionEvents> {
  readonly url: string;
  private readonly channel: CdpChannel;
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private readonly maxPending: number;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Map<string, Set<CdpEventListener>>();
  private nextId = 1;
  private closedReason: string | undefined;

  /** Open a WebSocket to a CDP endpoint (ws://127.0.0.1:PORT/devtools/browser/...). */
  static async connect(url: string, opts: CdpConnectionOptions = {}): Promise<CdpConnection> {
    const channel = await webSocketChannel(url, opts.connectTimeoutMs ?? 10_000, opts.headers);
    return new CdpConnection(url, channel, opts);
  }

  /** A client over an open channel (the engine's share of the browser pipe). */
  static over(channel: CdpChannel, opts: CdpConnectionOptions = {}, name = 'pipe'): CdpConnection {
    return new CdpConnection(name, channel, opts);
  }

  private constructor(url: string, channel: CdpChannel, opts: CdpConnectionOptions) {
    super();
    this.url = url;
    this.channel = channel;
    this.log = (opts.logger ?? getDefaultLogger()).child({ cdp: url });
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxPending = opts.maxPending ?? 1000;
    channel.on('message', (m) => this.onMessage(m));
    channel.on('close', (reason) => this.shutdown(reason));
    if (channel.closed) this.shutdown('channel closed');
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  /** Call a CDP method. Rejects with CdpError (method name in the message) on error, timeout or disconnect. */
  send<T = CdpParams>(method: string, params: CdpParams = {}, sessionId?: string, opts: SendOptions = {}): Promise<T> {
    if (this.closedReason !== undefined) {
      return Promise.reject(new CdpError(method, 'closed', `connection closed (${this.closedReason})`));
    }
    if (this.pending.size >= this.maxPending) {
      return Promise.reject(new CdpError(method, 'overload', `too many pending calls (${this.pending.size})`));
    }
    const id = this.nextId++;
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const msg: { id: number; method: string; params: CdpParams; sessionId?: string } = { id, method, params };
    if (sessionId !== undefined) msg.sessionId = sessionId;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new CdpError(method, 'timeout', `timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { method, sessionId, resolve: resolve as (v: CdpParams) => void, reject, timer });
      try {
        this.channel.send(msg);
      } catch (err) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new CdpError(method, 'closed', `send failed: ${(err as Error).message}`));
      }
    });
  }

  /** Subscribe to one event method (optionally only from one session). Returns an unsubscribe function. */
  onEvent(method: string, listener: CdpEventListener, sessionId?: string): () => void {
    const wrapped: CdpEventListener =
      sessionId === undefined
        ? listener
        : (p, s) => {
            if (s === sessionId) listener(p, s);
          };
    let set = this.eventListeners.get(method);
    if (!set) {
      set = new Set();
      this.eventListeners.set(method, set);
    }
    set.add(wrapped);
    return () => {
      this.eventListeners.get(method)?.delete(wrapped);
    };
  }

  /** Reject every pending call of one session (e.g. its target crashed or detached). */
  failSession(sessionId: string, reason: string): void {
    for (const [id, p] of this.pending) {
      if (p.sessionId !== sessionId) continue;
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.reject(new CdpError(p.method, 'closed', reason));
    }
  }

  /** Close the socket; pending calls reject, 'disconnected' is emitted once. */
  close(): void {
    if (this.closedReason !== undefined) return;
    this.shutdown('closed by client');
    try {
      this.channel.close();
    } catch (err) {
      this.log.debug({ err }, 'cdp channel close failed');
    }
  }

  private shutdown(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.reject(new CdpError(p.method, 'closed', `connection closed (${reason})`));
    }
    this.log.debug({ reason }, 'cdp disconnected');
    this.emit('disconnected', { reason });
  }

  private onMessage(msg: CdpMessage): void {
    if (typeof msg.id === 'number') {
      const p = this.pending.get(msg.id);
      if (!p) {
        this.log.debug({ id: msg.id }, 'cdp: response for unknown/timed-out call');
        return;
      }
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.error) {
        const detail = msg.error.data ? ` (${msg.error.data})` : '';
        p.reject(new CdpError(p.method, 'protocol', `${msg.error.message}${detail}`, msg.error.code));
      } else {
        p.resolve(msg.result ?? {});
      }
      return;
    }
    if (typeof msg.method === 'string') {
      const params = msg.params ?? {};
      const set = this.eventListeners.get(msg.method);
      if (set) {
        for (const l of [...set]) {
          try {
            l(params, msg.sessionId);
          } catch (err) {
            this.log.error({ err, method: msg.method }, 'cdp event listener threw');
          }
        }
      }
      this.emit('event', msg.method, params, msg.sessionId);
    }
  }
}
