// The message of anything thrown, for logs and RPC error texts.
export function errMsg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
