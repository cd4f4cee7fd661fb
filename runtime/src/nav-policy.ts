// Top-level navigation policy for URLs coming from the room (browser/navigate) and for the start URL.
// checkNavigation is pure: it decides from the URL text alone (WHATWG parsing normalises IPv4 forms such as
// 2130706433, 0x7f.1 and 127.1 to 127.0.0.1). checkNavigationTarget adds the name-to-address check (DNS) for the
// RPC's friendly first answer; the browser resolves again, so it is not the enforcement point for page-initiated
// navigations (that is the egress policy's job).
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export interface NavPolicy {
  /** Allow loopback / private / link-local / CGNAT / ULA / unspecified targets and local names. */
  allowPrivate: boolean;
  /** If non-empty, only these origins (scheme://host[:port], host may start with "*.") are allowed. */
  allowedOrigins: readonly string[];
}

export type NavDecision = { ok: true; url: string } | { ok: false; reason: string };

const ALLOWED_SCHEMES = new Set(['http:', 'https:']);
const MAX_URL_LENGTH = 8192;

function ipv4ToInt(ip: string): number {
  const p = ip.split('.').map(Number);
  return (((p[0] ?? 0) << 24) | ((p[1] ?? 0) << 16) | ((p[2] ?? 0) << 8) | (p[3] ?? 0)) >>> 0;
}

const V4_BLOCKED: Array<[string, number, string]> = [
  ['0.0.0.0', 8, 'unspecified/this-network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'CGNAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

function v4Class(ip: string): string | null {
  const n = ipv4ToInt(ip);
  for (const [base, bits, label] of V4_BLOCKED) {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    if ((n & mask) >>> 0 === (ipv4ToInt(base) & mask) >>> 0) return label;
  }
  return null;
}

/** Expands an IPv6 literal (no brackets, no zone) to 8 16-bit groups. */
function ipv6Groups(ip: string): number[] | null {
  let s = ip.toLowerCase();
  // Trailing dotted IPv4 (e.g. ::ffff:127.0.0.1)
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (isIP(tail) !== 4) return null;
    const n = ipv4ToInt(tail);
    s = `${s.slice(0, lastColon + 1)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (h: string): number[] => (h === '' ? [] : h.split(':').map((g) => Number.parseInt(g, 16)));
  const head = parse(halves[0] ?? '');
  const rest = halves.length === 2 ? parse(halves[1] ?? '') : [];
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  const groups = [...head, ...new Array<number>(Math.max(0, fill)).fill(0), ...rest];
  if (groups.length !== 8 || groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) return null;
  return groups;
}

function v6Class(ip: string): string | null {
  const g = ipv6Groups(ip);
  if (!g) return 'unparsable IPv6';
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const zeroPrefix = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (zeroPrefix && g5 === 0 && g6 === 0 && g7 === 0) return 'unspecified';
  if (zeroPrefix && g5 === 0 && g6 === 0 && g7 === 1) return 'loopback';
  // IPv4-mapped ::ffff:a.b.c.d and IPv4-compatible ::a.b.c.d: judge the embedded IPv4.
  if (zeroPrefix && (g5 === 0xffff || g5 === 0)) {
    const v4 = `${g6 >> 8}.${g6 & 0xff}.${g7 >> 8}.${g7 & 0xff}`;
    return v4Class(v4) ?? (g5 === 0 ? 'IPv4-compatible' : null);
  }
  // NAT64 64:ff9b::/96 embeds IPv4 too.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return v4Class(`${g6 >> 8}.${g6 & 0xff}.${g7 >> 8}.${g7 & 0xff}`);
  }
  if ((g0 & 0xfe00) === 0xfc00) return 'unique-local (ULA)';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xffc0) === 0xfec0) return 'site-local';
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  return null;
}

/** Classifies an IP address (v4 or v6, IPv6 without brackets); null = public. */
export function privateAddressClass(ip: string): string | null {
  const bare = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const v = isIP(bare);
  if (v === 4) return v4Class(bare);
  if (v === 6) return v6Class(bare);
  return 'not an IP address';
}

export function isPrivateAddress(ip: string): boolean {
  return privateAddressClass(ip) !== null;
}

/** Host names that resolve to the local machine or the local network by convention. */
function localNameClass(host: string): string | null {
  const h = host.replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return 'localhost name';
  if (h.endsWith('.local')) return 'mDNS/cluster-local name (.local)';
  if (h.endsWith('.internal') || h === 'internal') return 'internal name (.internal)';
  if (h.endsWith('.home.arpa') || h.endsWith('.lan')) return 'home-network name';
  // A single label ("kubernetes", "metadata", "my-service") resolves through the pod's DNS search list
  // to cluster services.
  if (!h.includes('.')) return 'single-label name';
  return null;
}

function originAllowed(u: URL, allowed: readonly string[]): boolean {
  for (const entry of allowed) {
    const wildcard = entry.includes('://*.');
    let e: URL;
    try {
      e = new URL(entry.replace('://*.', '://'));
    } catch {
      continue; // entries are validated by config; an unparsable one simply matches nothing
    }
    if (e.protocol !== u.protocol || e.port !== u.port) continue;
    if (wildcard ? u.hostname.endsWith(`.${e.hostname}`) : u.hostname === e.hostname) return true;
  }
  return false;
}

export function checkNavigation(input: string, policy: NavPolicy): NavDecision {
  if (typeof input !== 'string' || input.length === 0) return { ok: false, reason: 'empty URL' };
  if (input.length > MAX_URL_LENGTH) return { ok: false, reason: `URL longer than ${MAX_URL_LENGTH} characters` };
  let u: URL;
  try {
    u = new URL(input.trim());
  } catch {
    return { ok: false, reason: 'not an absolute URL' };
  }
  if (u.protocol === 'about:') {
    if (u.href === 'about:blank') return { ok: true, url: 'about:blank' };
    return { ok: false, reason: `blocked page ${u.href}` };
  }
  if (!ALLOWED_SCHEMES.has(u.protocol)) return { ok: false, reason: `blocked scheme ${u.protocol}` };
  if (u.username || u.password) return { ok: false, reason: 'credentials in URL' };
  const host = u.hostname.toLowerCase();
  if (!host) return { ok: false, reason: 'no host' };
  if (!policy.allowPrivate) {
    const bare = host.replace(/^\[|\]$/g, '');
    const cls = isIP(bare) ? privateAddressClass(bare) : localNameClass(host);
    if (cls) return { ok: false, reason: `blocked ${cls} target ${host}` };
  }
  if (policy.allowedOrigins.length > 0 && !originAllowed(u, policy.allowedOrigins)) {
    return { ok: false, reason: `origin ${u.origin} not in the allowlist` };
  }
  return { ok: true, url: u.href };
}

/** Resolves a host name to its addresses. */
export type ResolveHost = (host: string) => Promise<string[]>;

/** DNS lookup of every address of `host`, failing after `timeoutMs`. */
export async function resolveHostAddresses(host: string, timeoutMs = 2000): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string[]>((_, rej) => {
    timer = setTimeout(() => rej(new Error('DNS lookup timed out')), timeoutMs);
  });
  try {
    const found = lookup(host, { all: true, verbatim: true }).then((addrs) => addrs.map((a) => a.address));
    return await Promise.race([found, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * checkNavigation, then (unless private targets are allowed) refuses names that resolve to a private address.
 * A name that does not resolve here passes: the browser shows its own error page and reaches nothing by it.
 * `unresolved` is told why, for a debug log.
 */
export async function checkNavigationTarget(
  input: string,
  policy: NavPolicy,
  resolve: ResolveHost,
  unresolved?: (host: string, err: unknown) => void,
): Promise<NavDecision> {
  const d = checkNavigation(input, policy);
  if (!d.ok || policy.allowPrivate || d.url === 'about:blank') return d;
  const host = new URL(d.url).hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return d;
  let addrs: string[] = [];
  try {
    addrs = await resolve(host);
  } catch (e) {
    unresolved?.(host, e);
  }
  for (const a of addrs) {
    const cls = privateAddressClass(a);
    if (cls) return { ok: false, reason: `${host} resolves to a ${cls} address` };
  }
  return d;
}
