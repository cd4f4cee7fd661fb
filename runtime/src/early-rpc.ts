// RPCs that arrive between the room join and the session's own handlers. The runtime joins the room and publishes
// browser-video while the engine starts (room-join.ts), so a client adopts the browser and calls
// browser/request-focus before RoomSession has registered anything; rtc-node would answer "unsupported method".
// Every room method is registered right after the connect instead: a call waits (bounded) for the session's router
// and is then dispatched to it as if it had arrived later. The session's register() replaces these handlers.
import { type Room, RpcError, type RpcInvocationData } from '@livekit/rtc-node';
import { RpcCode } from '@lkbrowser/protocol';

export type RpcDispatch = (method: string, data: RpcInvocationData) => Promise<string>;

export class EarlyRpcHold {
  readonly #ready: Promise<RpcDispatch>;
  #resolve: (d: RpcDispatch) => void = () => undefined;
  #reject: (e: RpcError) => void = () => undefined;
  readonly #timeoutMs: number;
  #waiting = 0;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
    this.#ready = new Promise<RpcDispatch>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#ready.catch(() => undefined); // a failed start: each waiting call gets the error itself
  }

  /** Registers every method on the connected room's local participant. */
  register(room: Room, methods: readonly string[]): void {
    const lp = room.localParticipant;
    if (!lp) throw new Error('room is not connected');
    for (const m of methods) lp.registerRpcMethod(m, (d) => this.call(m, d));
  }

  /** Calls that are waiting for the session now. */
  get waiting(): number {
    return this.#waiting;
  }

  async call(method: string, data: RpcInvocationData): Promise<string> {
    this.#waiting++;
    let timer: NodeJS.Timeout | undefined;
    try {
      const dispatch = await Promise.race([
        this.#ready,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new RpcError(RpcCode.BrowserError, 'the browser is still starting: retry')),
            this.#timeoutMs,
          );
        }),
      ]);
      return await dispatch(method, data);
    } finally {
      clearTimeout(timer);
      this.#waiting--;
    }
  }

  /** The session's handlers are registered: waiting calls (and any later one still routed here) go to it. */
  release(dispatch: RpcDispatch): void {
    this.#resolve(dispatch);
  }

  /** The session will not start: waiting calls fail with this reason. */
  fail(reason: string): void {
    this.#reject(new RpcError(RpcCode.BrowserError, reason));
  }
}
