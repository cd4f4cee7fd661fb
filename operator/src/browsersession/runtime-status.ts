// GET http://<podIP>:<port>/status of a running runtime: {url, focusHolder, width, height, fps, publishing, restarts,
// sandbox}.
// The pod is untrusted (a page may have compromised it): the body is read up to MAX_STATUS_BYTES and then dropped,
// strings are bounded before they reach the session's status.
import { fetch } from 'undici';

/** The runtime's /status is a few hundred bytes; anything past this is refused unread. */
export const MAX_STATUS_BYTES = 64 * 1024;
/** Bounds of the strings copied into BrowserSession.status (the runtime's own: URL 8 KiB, identity 128). */
export const MAX_URL_LENGTH = 8192;
export const MAX_IDENTITY_LENGTH = 128;
/** The runtime's sandbox detail is one short sentence (native/host/host.cc prepareChromiumIsolation). */
export const MAX_SANDBOX_DETAIL_LENGTH = 512;

/** Reads at most `limit` bytes of a body; beyond that, cancels the stream (closing the connection) and throws. */
export async function readCapped(body: ReadableStream<Uint8Array>, limit: number): Promise<string> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.byteLength;
    if (n > limit) {
      await reader.cancel();
      throw new Error(`runtime /status body larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** What the runtime serves on GET /status (runtime/src/http-server.ts, port LKB_METRICS_PORT). */
export interface RuntimeStatus {
  url?: string;
  focusHolder?: string | null;
  width?: number;
  height?: number;
  fps?: number;
  publishing?: boolean;
  restarts?: number;
  /** Chromium's own sandbox as the runtime's engine host decided it (self-reported by the pod, not attested). */
  sandbox?: { enabled: boolean; detail: string };
}

export type RuntimeStatusFetcher = (host: string, port: number, timeoutMs: number) => Promise<RuntimeStatus>;

export const fetchRuntimeStatus: RuntimeStatusFetcher = async (host, port, timeoutMs) => {
  const h = host.includes(':') ? `[${host}]` : host; // IPv6 pod IPs
  const res = await fetch(`http://${h}:${port}/status`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`runtime /status answered ${res.status}`);
  }
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > MAX_STATUS_BYTES || !res.body) {
    await res.body?.cancel();
    throw new Error(`runtime /status body larger than ${MAX_STATUS_BYTES} bytes (or none)`);
  }
  const body = JSON.parse(await readCapped(res.body, MAX_STATUS_BYTES)) as unknown;
  if (body === null || typeof body !== 'object') throw new Error('runtime /status is not a JSON object');
  const b = body as Record<string, unknown>;
  const out: RuntimeStatus = {};
  if (typeof b.url === 'string' && b.url.length <= MAX_URL_LENGTH) out.url = b.url;
  if ((typeof b.focusHolder === 'string' && b.focusHolder.length <= MAX_IDENTITY_LENGTH) || b.focusHolder === null)
    out.focusHolder = b.focusHolder as string | null;
  for (const k of ['width', 'height', 'fps', 'restarts'] as const)
    if (typeof b[k] === 'number' && Number.isFinite(b[k])) out[k] = b[k] as number;
  if (typeof b.publishing === 'boolean') out.publishing = b.publishing;
  const sb = b.sandbox as Record<string, unknown> | null | undefined;
  if (
    sb !== null &&
    typeof sb === 'object' &&
    typeof sb.enabled === 'boolean' &&
    typeof sb.detail === 'string' &&
    sb.detail.length <= MAX_SANDBOX_DETAIL_LENGTH
  )
    out.sandbox = { enabled: sb.enabled, detail: sb.detail };
  return out;
};
