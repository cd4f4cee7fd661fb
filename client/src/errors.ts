// Typed errors of the client: every refusal of the runtime (RPC application codes of docs/room-protocol.md) and
// every LiveKit RPC failure (1xxx) becomes a BrowserError with a stable `kind`.

export const ERROR_KINDS = {
  2001: 'not_focused',
  2002: 'url_blocked',
  2003: 'bad_request',
  2004: 'rate_limited',
  2005: 'browser_error',
  2006: 'forbidden',
  2007: 'timeout',
  2008: 'skipped',
  1400: 'unsupported_method',
  1401: 'browser_not_found',
  1501: 'timeout',
  1502: 'timeout',
  1503: 'browser_not_found',
} as const satisfies Record<number, string>;

export type BrowserErrorKind =
  | (typeof ERROR_KINDS)[keyof typeof ERROR_KINDS]
  | 'rpc_error'
  | 'stream_lost'
  | 'closed'
  | 'not_browser';

export class BrowserError extends Error {
  readonly kind: BrowserErrorKind;
  /** The RPC / action error code, when there is one. */
  readonly code: number | undefined;
  constructor(kind: BrowserErrorKind, message: string, code?: number) {
    super(message);
    this.name = 'BrowserError';
    this.kind = kind;
    this.code = code;
  }
}

/** An action of a batch failed; `index` is its place in the batch, `results` the whole answer. */
export class ActionError extends BrowserError {
  readonly index: number;
  constructor(kind: BrowserErrorKind, message: string, code: number, index: number) {
    super(kind, message, code);
    this.name = 'ActionError';
    this.index = index;
  }
}

export function kindOf(code: number): BrowserErrorKind {
  return (ERROR_KINDS as Record<number, BrowserErrorKind>)[code] ?? 'rpc_error';
}

/** Maps anything an RPC call threw (both SDKs throw an RpcError with a numeric `code`). */
export function fromRpcError(e: unknown, method: string): BrowserError {
  if (e instanceof BrowserError) return e;
  const code =
    typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'number'
      ? (e as { code: number }).code
      : undefined;
  const msg = e instanceof Error ? e.message : String(e);
  return new BrowserError(code === undefined ? 'rpc_error' : kindOf(code), `${method}: ${msg}`, code);
}
