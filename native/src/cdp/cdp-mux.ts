// One browser-level DevTools connection (Chromium's --remote-debugging-pipe, relayed by the engine host) shared by
// the engine's own driver and every automation client, each kept apart from the others.
//
// - The engine is the connection's root: what it sends without a sessionId goes to the browser as is, and the root's
//   events are its own.
// - Each client gets its own browser-target session (Target.attachToBrowserTarget, flat). What the client sends
//   without a sessionId goes to that session, and that session's messages reach the client without a sessionId: to
//   the client it is a browser connection of its own (Playwright's connectOverCDP, puppeteer.connect).
// - Every session created under an owner's session (attachToTarget, auto-attach) belongs to that owner. A message
//   may only address its sender's sessions (anything else gets Chromium's own "not found" answer, so a client cannot
//   even learn that a session id exists); a reply or event goes to the owner of its id or session, nobody else.
// - Command ids are remapped to ids of the mux, so owners cannot collide or answer for each other.
// - Client sessions hang under one session of the mux itself (created first), so the attach/detach events of
//   client sessions never reach the engine. A client that disconnects is detached, and Chromium detaches every
//   session under it with it.
// - Bounds: a client's command is at most maxClientMessageBytes, at most maxPending of an owner's commands wait for
//   replies. Messages from Chromium are bounded by the host (MAX_CDP_MESSAGE).
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { CdpChannel, CdpChannelEvents, CdpMessage } from './channel.ts';

export interface CdpMuxOptions {
  /** Writes one command (JSON text) to Chromium. */
  write: (text: string) => void;
  logger: Logger;
  /** Largest command a client may send (bytes of JSON). Default 4 MiB. */
  maxClientMessageBytes?: number;
  /** Commands of one owner waiting for replies at most; more are answered with an error. Default 1000. */
  maxPending?: number;
  /** Timeout of the mux's own commands (attach/detach of client sessions). Default 10000 ms. */
  timeoutMs?: number;
}

/** Chromium's answer for an unknown session; the mux gives it for sessions of others too. */
export const SESSION_NOT_FOUND = { code: -32001, message: 'Session with given id not found.' };

const DEFAULT_MAX_CLIENT_MESSAGE = 4 * 1024 * 1024;
/**
 * Command ids, unique across every mux of this process: a browser connection can outlive a mux (CEF keeps its pipe
 * when the page is recreated, and a new mux takes over), so a late reply to an old mux's command never matches a
 * command of the new one.
 */
let nextCommandId = 1;

interface Pending {
  /** undefined: the mux's own command */
  owner: MuxChannel | undefined;
  id: number;
  method: string;
  resolve?: (m: CdpMessage) => void;
}

class MuxChannel extends EventEmitter<CdpChannelEvents> implements CdpChannel {
  readonly kind: 'engine' | 'client';
  /** The client's browser-target session (undefined for the engine: the connection's root). */
  readonly root: string | undefined;
  /** Sessions of this owner (the root excluded). */
  readonly sessions = new Set<string>();
  pending = 0;
  #closed: string | undefined;
  readonly #mux: CdpMux;
  constructor(mux: CdpMux, kind: 'engine' | 'client', root: string | undefined) {
    super();
    this.#mux = mux;
    this.kind = kind;
    this.root = root;
  }
  get closed(): boolean {
    return this.#closed !== undefined;
  }
  send(msg: CdpMessage): void {
    if (this.#closed === undefined) this.#mux.fromOwner(this, msg);
  }
  close(reason = 'closed by client'): void {
    if (this.#closed !== undefined) return;
    this.#mux.release(this);
    this.end(reason);
  }
  /** Marks the channel closed and tells its user (the mux has forgotten it already). */
  end(reason: string): void {
    if (this.#closed !== undefined) return;
    this.#closed = reason;
    this.emit('close', reason);
  }
  deliver(msg: CdpMessage): void {
    if (this.#closed === undefined) this.emit('message', msg);
  }
}

export class CdpMux {
  /** The engine's own connection (the root of the browser connection). */
  readonly engine: CdpChannel;
  readonly #engine: MuxChannel;
  readonly #write: (text: string) => void;
  readonly #log: Logger;
  readonly #maxClientMessage: number;
  readonly #maxPending: number;
  readonly #timeoutMs: number;
  readonly #pending = new Map<number, Pending>();
  /** sessionId → owner, for every session the mux routes (clients' roots included). */
  readonly #owners = new Map<string, MuxChannel>();
  readonly #clients = new Set<MuxChannel>();
  /** The mux's own browser session, parent of every client session (a promise until Chromium answered). */
  #hub: Promise<string> | undefined;
  #hubId: string | undefined;
  #closed: string | undefined;

  constructor(o: CdpMuxOptions) {
    this.#write = o.write;
    this.#log = o.logger.child({ component: 'cdp-mux' });
    this.#maxClientMessage = o.maxClientMessageBytes ?? DEFAULT_MAX_CLIENT_MESSAGE;
    this.#maxPending = o.maxPending ?? 1000;
    this.#timeoutMs = o.timeoutMs ?? 10_000;
    this.#engine = new MuxChannel(this, 'engine', undefined);
    this.engine = this.#engine;
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** Connected clients (for tests and metrics). */
  get clientCount(): number {
    return this.#clients.size;
  }

  /** Sessions the mux routes to some owner (for tests: a disconnected client leaves none behind). */
  get routedSessions(): number {
    return this.#owners.size;
  }

  /** A new client: its own browser-target session. Rejects when Chromium refuses or does not answer. */
  async openClient(): Promise<CdpChannel> {
    if (this.#closed !== undefined) throw new Error(`DevTools connection closed (${this.#closed})`);
    const hub = await this.#hubSession();
    const reply = await this.#own('Target.attachToBrowserTarget', {}, hub);
    const root = reply.result?.sessionId;
    if (typeof root !== 'string') throw new Error(`Target.attachToBrowserTarget failed: ${errorText(reply)}`);
    if (this.#closed !== undefined) throw new Error(`DevTools connection closed (${this.#closed})`);
    const c = new MuxChannel(this, 'client', root);
    this.#owners.set(root, c);
    this.#clients.add(c);
    return c;
  }

  /** One message from Chromium (JSON text from the pipe, or already parsed). */
  receive(data: string | CdpMessage): void {
    if (this.#closed !== undefined) return;
    let msg: CdpMessage;
    if (typeof data !== 'string') msg = data;
    else {
      try {
        msg = JSON.parse(data) as CdpMessage;
      } catch (err) {
        this.#log.warn({ err, head: data.slice(0, 100) }, 'DevTools sent a message that is not JSON');
        return;
      }
    }
    if (typeof msg !== 'object' || msg === null) return;
    if (typeof msg.id === 'number') return this.#onReply(msg);
    if (typeof msg.method === 'string') this.#onEvent(msg);
  }

  /**
   * Chromium is gone, or the page is being torn down: every channel closes. The mux's own session (and with it every
   * client session) is detached, for a browser connection that outlives the mux (CEF); a dead Chromium's host drops it.
   */
  close(reason: string): void {
    if (this.#closed !== undefined) return;
    if (this.#hubId !== undefined) {
      this.#write(
        JSON.stringify({ id: nextCommandId++, method: 'Target.detachFromTarget', params: { sessionId: this.#hubId } }),
      );
    }
    this.#closed = reason;
    const owners = [this.#engine, ...this.#clients];
    this.#clients.clear();
    this.#owners.clear();
    for (const p of this.#pending.values()) p.resolve?.({ error: { code: -32000, message: reason } });
    this.#pending.clear();
    for (const o of owners) o.end(reason);
  }

  /** A command of an owner: checked, its id remapped, sent. */
  fromOwner(owner: MuxChannel, msg: CdpMessage): void {
    if (this.#closed !== undefined) return;
    const id = msg.id;
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || typeof msg.method !== 'string') {
      this.#log.warn({ owner: owner.kind }, 'dropped a DevTools command without id or method');
      return;
    }
    const answer = (error: { code: number; message: string }): void => {
      const reply: CdpMessage = { id, error };
      if (msg.sessionId !== undefined) reply.sessionId = msg.sessionId;
      owner.deliver(reply);
    };
    const target = msg.sessionId ?? owner.root;
    if (
      msg.sessionId !== undefined &&
      (typeof msg.sessionId !== 'string' || this.#owners.get(msg.sessionId) !== owner)
    ) {
      return answer(SESSION_NOT_FOUND);
    }
    if (owner.pending >= this.#maxPending) {
      return answer({ code: -32000, message: `more than ${this.#maxPending} commands waiting for replies` });
    }
    const out: CdpMessage = { id: nextCommandId++, method: msg.method, params: msg.params ?? {} };
    if (target !== undefined) out.sessionId = target;
    const text = JSON.stringify(out);
    if (owner.kind === 'client' && Buffer.byteLength(text) > this.#maxClientMessage) {
      return answer({ code: -32000, message: `command larger than ${this.#maxClientMessage} bytes` });
    }
    this.#pending.set(out.id as number, { owner, id, method: msg.method });
    owner.pending++;
    this.#write(text);
  }

  /** An owner closed its channel: forget it; a client's browser session is detached (and with it its children). */
  release(owner: MuxChannel): void {
    if (this.#closed !== undefined) return;
    if (owner.kind === 'engine') return this.close('engine connection closed');
    this.#clients.delete(owner);
    this.#forgetSessions(owner);
    for (const [id, p] of this.#pending) {
      if (p.owner === owner) this.#pending.delete(id);
    }
    if (owner.root !== undefined && this.#hubId !== undefined) {
      this.#owners.delete(owner.root);
      this.#own('Target.detachFromTarget', { sessionId: owner.root }, this.#hubId).then(
        (r) => {
          if (r.error) this.#log.debug({ err: r.error }, 'detaching a client session failed');
        },
        (err: unknown) => this.#log.debug({ err }, 'detaching a client session failed'),
      );
    }
  }

  #onReply(msg: CdpMessage): void {
    const p = this.#pending.get(msg.id as number);
    if (!p) return; // its owner left, or a reply Chromium should not have sent
    this.#pending.delete(msg.id as number);
    if (p.owner === undefined) return p.resolve?.(msg);
    const owner = p.owner;
    owner.pending--;
    // A session created by this command (attachToTarget, attachToBrowserTarget) is the sender's.
    const created = msg.result?.sessionId;
    if (typeof created === 'string' && p.method.startsWith('Target.attach')) this.#adopt(created, owner);
    owner.deliver(this.#forOwner(owner, { ...msg, id: p.id }));
  }

  #onEvent(msg: CdpMessage): void {
    const sid = msg.sessionId;
    const params = msg.params ?? {};
    const child = typeof params.sessionId === 'string' ? params.sessionId : undefined;
    if (sid === undefined && this.#hubId === undefined && this.#hub !== undefined) {
      // The mux's own session announcing itself, before the reply that names it.
      const info = params.targetInfo as { type?: unknown } | undefined;
      if (msg.method === 'Target.attachedToTarget' && info?.type === 'browser') return;
    }
    if (sid !== undefined && sid === this.#hubId) {
      // Under the mux's session: the attach/detach of client sessions. A detach Chromium did by itself ends the client.
      if (msg.method === 'Target.detachedFromTarget' && child !== undefined) {
        const c = this.#owners.get(child);
        if (c?.kind === 'client' && c.root === child) {
          this.#clients.delete(c);
          this.#owners.delete(child);
          this.#forgetSessions(c);
          c.end('browser session detached');
        }
      }
      return;
    }
    if (sid === undefined && child !== undefined && child === this.#hubId) {
      if (msg.method === 'Target.detachedFromTarget') {
        for (const c of [...this.#clients]) {
          this.#clients.delete(c);
          this.#forgetSessions(c);
          c.end('browser session detached');
        }
      }
      return;
    }
    const owner = sid === undefined ? this.#engine : this.#owners.get(sid);
    if (owner === undefined) return; // a session of nobody (its owner left): dropped
    if (child !== undefined) {
      if (msg.method === 'Target.attachedToTarget') this.#adopt(child, owner);
      else if (
        msg.method === 'Target.detachedFromTarget' &&
        this.#owners.get(child) === owner &&
        child !== owner.root
      ) {
        this.#owners.delete(child);
        owner.sessions.delete(child);
      }
    }
    owner.deliver(this.#forOwner(owner, msg));
  }

  /** A client's root session is its browser connection: no sessionId on what it hears from it. */
  #forOwner(owner: MuxChannel, msg: CdpMessage): CdpMessage {
    if (owner.root === undefined || msg.sessionId !== owner.root) return msg;
    const { sessionId: _root, ...rest } = msg;
    return rest;
  }

  #adopt(sessionId: string, owner: MuxChannel): void {
    if (this.#owners.has(sessionId)) return; // first owner wins (Chromium's ids are unguessable and unique)
    this.#owners.set(sessionId, owner);
    owner.sessions.add(sessionId);
  }

  #forgetSessions(owner: MuxChannel): void {
    for (const s of owner.sessions) this.#owners.delete(s);
    owner.sessions.clear();
  }

  #hubSession(): Promise<string> {
    this.#hub ??= this.#own('Target.attachToBrowserTarget', {}, undefined).then((r) => {
      const s = r.result?.sessionId;
      if (typeof s !== 'string') {
        this.#hub = undefined;
        throw new Error(`Target.attachToBrowserTarget failed: ${errorText(r)}`);
      }
      this.#hubId = s;
      return s;
    });
    return this.#hub;
  }

  /** A command of the mux itself. Resolves with Chromium's reply (an error reply included). */
  #own(method: string, params: Record<string, unknown>, sessionId: string | undefined): Promise<CdpMessage> {
    if (this.#closed !== undefined) return Promise.reject(new Error(`DevTools connection closed (${this.#closed})`));
    const id = nextCommandId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${method}: no reply within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      this.#pending.set(id, {
        owner: undefined,
        id,
        method,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
      const out: CdpMessage = { id, method, params };
      if (sessionId !== undefined) out.sessionId = sessionId;
      this.#write(JSON.stringify(out));
    });
  }
}

function errorText(m: CdpMessage): string {
  return m.error ? `${m.error.message} (${m.error.code})` : 'no session id in the reply';
}
