// GET http://<podIP>:<port>/status of a running runtime: {url, focusHolder, width, height, fps, publishing, restarts}.
import { fetch } from 'undici';

/** What the runtime serves on GET /status (runtime/src/http-server.ts, port LKB_METRICS_PORT). */
export interface RuntimeStatus {
  url?: string;
  focusHolder?: string | null;
  width?: number;
  height?: number;
  fps?: number;
  publishing?: boolean;
  restarts?: number;
}

export type RuntimeStatusFetcher = (host: string, port: number, timeoutMs: number) => Promise<RuntimeStatus>;

export const fetchRuntimeStatus: RuntimeStatusFetcher = async (host, port, timeoutMs) => {
  const h = host.includes(':') ? `[${host}]` : host; // IPv6 pod IPs
  const res = await fetch(`http://${h}:${port}/status`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`runtime /status answered ${res.status}`);
  const body = (await res.json()) as unknown;
  if (body === null || typeof body !== 'object') throw new Error('runtime /status is not a JSON object');
  const b = body as Record<string, unknown>;
  const out: RuntimeStatus = {};
  if (typeof b.url === 'string') out.url = b.url;
  if (typeof b.focusHolder === 'string' || b.focusHolder === null) out.focusHolder = b.focusHolder as string | null;
  for (const k of ['width', 'height', 'fps', 'restarts'] as const)
    if (typeof b[k] === 'number') out[k] = b[k] as number;
  if (typeof b.publishing === 'boolean') out.publishing = b.publishing;
  return out;
};
