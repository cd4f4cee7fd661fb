// What a proxy request asks for: the target of a CONNECT (authority form) or of an absolute-URI HTTP request,
// and the headers forwarded upstream. Pure.
import { isIP } from 'node:net';

export interface ProxyTarget {
  /** Host name (lower case, no trailing dot) or IP literal (IPv6 without brackets). */
  host: string;
  port: number;
}

export type TargetParse = { ok: true; target: ProxyTarget; path?: string } | { ok: false; reason: string };

export const MAX_HOST_LENGTH = 253;

function hostOk(host: string): boolean {
  if (host.length === 0 || host.length > MAX_HOST_LENGTH) return false;
  if (isIP(host) !== 0) return true;
  return /^[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$/.test(host);
}

function normaliseHost(h: string): string {
  return h
    .replace(/^\[|\]$/g, '')
    .toLowerCase()
    .replace(/\.$/, '');
}

/** CONNECT host:port (authority form, RFC 9110 §9.3.6). */
export function parseConnectTarget(authority: string | undefined): TargetParse {
  if (!authority || authority.length > MAX_HOST_LENGTH + 8) return { ok: false, reason: 'bad CONNECT target' };
  // WHATWG URL parsing normalises IPv4 forms (2130706433, 0x7f.1, 127.1) the way Chromium does.
  let u: URL;
  try {
    u = new URL(`http://${authority}/`);
  } catch {
    return { ok: false, reason: 'bad CONNECT target' };
  }
  if (u.username || u.password || `${u.host}` === '' || !/:\d+$/.test(authority))
    return { ok: false, reason: 'bad CONNECT target' };
  const port = Number(authority.slice(authority.lastIndexOf(':') + 1));
  const host = normaliseHost(u.hostname);
  if (!hostOk(host) || !(port >= 1 && port <= 65_535)) return { ok: false, reason: 'bad CONNECT target' };
  return { ok: true, target: { host, port } };
}

/** GET http://host[:port]/path (absolute form). Only http: — https goes through CONNECT. */
export function parseAbsoluteTarget(url: string | undefined): TargetParse {
  if (!url || !/^http:\/\//i.test(url)) return { ok: false, reason: 'not an absolute http: URI' };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, reason: 'not an absolute http: URI' };
  }
  if (u.username || u.password) return { ok: false, reason: 'credentials in URI' };
  const host = normaliseHost(u.hostname);
  if (!hostOk(host)) return { ok: false, reason: 'bad host' };
  return { ok: true, target: { host, port: u.port ? Number(u.port) : 80 }, path: `${u.pathname}${u.search}` };
}

// Hop-by-hop headers (RFC 9110 §7.6.1) and proxy-only headers are not forwarded.
const HOP_BY_HOP = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Headers to forward (request or response): hop-by-hop ones and those named in Connection dropped. */
export function forwardHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Record<string, string | string[]> {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s !== ''),
  );
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || named.has(k)) continue;
    out[k] = v;
  }
  return out;
}
