// A DevTools connection as whole messages: what CdpConnection (the engine's client) and the automation proxy speak.
// Implemented by the mux (cdp-mux.ts: one browser pipe shared by the engine and every automation client) and by
// webSocketChannel() below (a browser endpoint over TCP, for Chromiums we do not launch ourselves: benches, CEF).
import { EventEmitter } from 'node:events';

/** One CDP message, parsed: a command (id + method), a reply (id + result | error) or an event (method). */
export interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: string };
  sessionId?: string;
}

export interface CdpChannelEvents {
  message: [CdpMessage];
  /** Emitted once; nothing is delivered after it. */
  close: [string];
}

export interface CdpChannel extends EventEmitter<CdpChannelEvents> {
  readonly closed: boolean;
  /** Sends one command; ignored once closed (the pending call then fails on 'close'). */
  send(msg: CdpMessage): void;
  close(reason?: string): void;
}

// Node's WebSocket events (undici); lib.dom's ErrorEvent/CloseEvent types are not in scope here.
type WsErrorEvent = Event & { message?: string };
type WsCloseEvent = Event & { code?: number; reason?: string };

class WebSocketChannel extends EventEmitter<CdpChannelEvents> implements CdpChannel {
  readonly #ws: WebSocket;
  #closed: string | undefined;
  constructor(ws: WebSocket) {
    super();
    this.#ws = ws;
    ws.addEventListener('message', (ev: MessageEvent) => {
      if (typeof ev.data !== 'string') return;
      let m: CdpMessage;
      try {
        m = JSON.parse(ev.data) as CdpMessage;
      } catch {
        return this.close('DevTools sent a frame that is not JSON');
      }
      if (this.#closed === undefined) this.emit('message', m);
    });
    ws.addEventListener('close', (ev: WsCloseEvent) =>
      this.#end(`socket closed (code ${ev.code}${ev.reason ? `: ${ev.reason}` : ''})`),
    );
    ws.addEventListener('error', (ev: Event) => this.#end(`socket error: ${(ev as WsErrorEvent).message ?? ''}`));
  }
  get closed(): boolean {
    return this.#closed !== undefined;
  }
  send(msg: CdpMessage): void {
    if (this.#closed === undefined) this.#ws.send(JSON.stringify(msg));
  }
  close(reason = 'closed by client'): void {
    this.#end(reason);
    this.#ws.close();
  }
  #end(reason: string): void {
    if (this.#closed !== undefined) return;
    this.#closed = reason;
    this.emit('close', reason);
  }
}

/**
 * Opens a WebSocket to a browser endpoint (ws://127.0.0.1:PORT/devtools/browser/…); `headers`: e.g. the automation
 * endpoint's bearer token (undici's WebSocket takes them).
 */
export function webSocketChannel(
  url: string,
  timeoutMs: number,
  headers?: Record<string, string>,
): Promise<CdpChannel> {
  return new Promise((resolve, reject) => {
    // undici's WebSocket accepts { headers } (not in lib.dom's constructor type).
    const ws = headers ? new WebSocket(url, { headers } as unknown as string[]) : new WebSocket(url);
    const timer = setTimeout(() => {
      cleanup();
      ws.close();
      reject(new Error(`CDP connect to ${url} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    const onOpen = (): void => {
      cleanup();
      resolve(new WebSocketChannel(ws));
    };
    const onError = (ev: Event): void => {
      cleanup();
      reject(new Error(`CDP connect to ${url} failed: ${(ev as WsErrorEvent).message || 'websocket error'}`));
    };
    const onClose = (ev: WsCloseEvent): void => {
      cleanup();
      reject(new Error(`CDP connect to ${url} failed: socket closed (${ev.code})`));
    };
    function cleanup(): void {
      clearTimeout(timer);
      ws.removeEventListener('open', onOpen);
      ws.removeEventListener('error', onError);
      ws.removeEventListener('close', onClose);
    }
    ws.addEventListener('open', onOpen);
    ws.addEventListener('error', onError);
    ws.addEventListener('close', onClose);
  });
}

/** The browser WebSocket of a DevTools HTTP endpoint (http://127.0.0.1:PORT), via /json/version. */
export async function discoverBrowserWebSocket(
  httpEndpoint: string,
  timeoutMs: number,
  headers?: Record<string, string>,
): Promise<string> {
  const base = httpEndpoint.replace(/\/+$/, '');
  try {
    const res = await fetch(`${base}/json/version`, { signal: AbortSignal.timeout(timeoutMs), headers });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const body = (await res.json()) as { webSocketDebuggerUrl?: string };
    if (!body.webSocketDebuggerUrl) throw new Error('no webSocketDebuggerUrl in response');
    return body.webSocketDebuggerUrl;
  } catch (err) {
    throw new Error(`CDP discovery at ${base}/json/version failed: ${(err as Error).message}`);
  }
}
