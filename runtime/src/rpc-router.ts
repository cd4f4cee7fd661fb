// Registers the RPC table on the local participant and applies what every method shares: refuse while closing,
// a per-caller rate limit, the focus gate for methods that need it, one error shape (RpcError with an application
// code; anything else becomes BrowserError) and the rpc_calls metric.
import { type Room, RpcError, type RpcInvocationData } from '@livekit/rtc-node';
import type { Logger } from 'pino';
import { errMsg } from './errors.ts';
import type { FocusArbiter } from './focus.ts';
import type { RuntimeMetrics } from './metrics.ts';
import { RpcCode } from '@lkbrowser/protocol';
import { RateLimiter } from './rate-limit.ts';
import { checkRpcReply } from './room-limits.ts';
import type { RpcHandler } from './rpc-handlers.ts';

export interface RpcRouterOptions {
  room: Room;
  focus: FocusArbiter;
  metrics: RuntimeMetrics;
  logger: Logger;
  callsPerSec: number;
  nowMs: () => number;
}

export class RpcRouter {
  readonly #o: RpcRouterOptions;
  readonly #limiter: RateLimiter;
  #registered: string[] = [];
  readonly #handlers = new Map<string, RpcHandler>();
  #closed = false;

  constructor(opts: RpcRouterOptions) {
    this.#o = opts;
    this.#limiter = new RateLimiter({ ratePerSec: opts.callsPerSec, burst: opts.callsPerSec * 2 });
  }

  register(handlers: readonly RpcHandler[]): void {
    const lp = this.#o.room.localParticipant;
    if (!lp) throw new Error('room is not connected');
    for (const h of handlers) {
      lp.registerRpcMethod(h.method, (d: RpcInvocationData) => this.#invoke(h, d));
      this.#registered.push(h.method);
      this.#handlers.set(h.method, h);
    }
  }

  /** A call that arrived before register() (early-rpc.ts), handled as if it had arrived now. */
  dispatch(method: string, d: RpcInvocationData): Promise<string> {
    const h = this.#handlers.get(method);
    if (!h) return Promise.reject(new RpcError(RpcCode.BadRequest, `unknown method ${method}`));
    return this.#invoke(h, d);
  }

  forget(identity: string): void {
    this.#limiter.forget(identity);
  }

  close(): void {
    this.#closed = true;
    const lp = this.#o.room.localParticipant;
    for (const m of this.#registered) {
      try {
        lp?.unregisterRpcMethod(m);
      } catch (e) {
        this.#o.logger.warn({ err: errMsg(e), method: m }, 'unregisterRpcMethod failed');
      }
    }
    this.#registered = [];
  }

  async #invoke(h: RpcHandler, d: RpcInvocationData): Promise<string> {
    const { focus, metrics: m, nowMs } = this.#o;
    const caller = d.callerIdentity;
    try {
      if (this.#closed) throw new RpcError(RpcCode.BrowserError, 'session is closing');
      if (!this.#limiter.take(caller, nowMs())) throw new RpcError(RpcCode.RateLimited, 'too many requests');
      if (h.needsFocus) {
        if (!focus.isHolder(caller)) {
          throw new RpcError(RpcCode.NotFocused, `not the focus holder (holder: ${focus.holder ?? 'none'})`);
        }
        focus.activity(caller, nowMs());
      }
      const res = JSON.stringify(await h.handle(caller, d.payload));
      const size = checkRpcReply(h.method, res);
      if (!size.ok) throw new RpcError(RpcCode.BrowserError, size.reason);
      m.rpcCalls.inc({ method: h.method, result: 'ok' });
      return res;
    } catch (e) {
      const err = e instanceof RpcError ? e : new RpcError(RpcCode.BrowserError, `browser error: ${errMsg(e)}`);
      m.rpcCalls.inc({ method: h.method, result: String(err.code) });
      this.#o.logger.info({ method: h.method, caller, code: err.code, msg: err.message }, 'rpc refused');
      throw err;
    }
  }
}
