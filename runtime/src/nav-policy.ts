// Top-level navigation policy for URLs coming from the room (browser/navigate) and for the start URL.
// checkNavigation is pure: it decides from the URL text alone (WHATWG parsing normalises IPv4 forms such as
// 2130706433, 0x7f.1 and 127.1 to 127.0.0.1). checkNavigationTarget adds the name-to-address check (DNS) for the
// RPC's friendly first answer; the browser resolves again, so it is not the enforcement point for page-initiated
// navigations (that is the egress policy's job).
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

export interface NavPolicy {
  /** Allow loopback / private / link-local / CGNAT / ULA / unspecified targets and local names. */
  allowPrivate: boolean;
  /** If non-empty, only these origins (scheme://host[:port], host may start with "*.") are allowed. */
  allowedOrigins: readonly string[];
}

export type NavDecision = { ok: true; url: string } | { ok: false; reason: string };

const ALLOWED_SCHEMES = new Set(['http:', 'https:']);
const MAX_URL_LENGTH = 8192;

// Address classes, in order of precedence. IPv4 rules also match IPv4-mapped IPv6 (::ffff:a.b.c.d): BlockList does that.
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
const V6_BLOCKED: Array<[string, number, string]> = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['fc00::', 7, 'unique-local (ULA)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

function classes(rules: Array<[string, number, string]>, family: 'ipv4' | 'ipv6'): Array<[BlockList, string]> {
  const byLabel = new Map<string, BlockList>();
  for (const [net, prefix, label] of rules) {
    let l = byLabel.get(label);
    if (!l) {
      l = new BlockList();
      byLabel.set(label, l);
    }
    l.addSubnet(net, prefix, family);
  }
  return [...byLabel].map(([label, l]) => [l, label]);
}

const V4 = classes(V4_BLOCKED, 'ipv4');
const V6 = classes(V6_BLOCKED, 'ipv6');
/** Prefixes that embed an IPv4 address in their last 32 bits: judged by that address. */
const IPV4_COMPATIBLE = classes([['::', 96, 'IPv4-compatible']], 'ipv6');
const NAT64 = classes([['64:ff9b::', 96, 'NAT64']], 'ipv6');

function match(lists: Array<[BlockList, string]>, ip: string, family: 'ipv4' | 'ipv6'): string | null {
  for (const [l, label] of lists) if (l.check(ip, family)) return label;
  return null;
}

/** The IPv4 address in the last 32 bits of an IPv6 address (the URL parser gives the canonical form). */
function embeddedV4(ip: string): string {
  const groups = new URL(`http://[${ip}]/`).hostname.slice(1, -1).split(':');
  const lo = Number.parseInt(groups.at(-1) || '0', 16);
  const hi = Number.parseInt(groups.at(-2) || '0', 16);
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}

function v6Class(ip: string): string | null {
  const direct = match(V6, ip, 'ipv6') ?? match(V4, ip, 'ipv6');
  if (direct) return direct;
  if (match(IPV4_COMPATIBLE, ip, 'ipv6')) return match(V4, embeddedV4(ip), 'ipv4') ?? 'IPv4-compatible';
  if (match(NAT64, ip, 'ipv6')) return match(V4, embeddedV4(ip), 'ipv4');
  return null;
}

/** Classifies an IP address (v4 or v6, IPv6 without brackets); null = public. */
export function privateAddressClass(ip: string): string | null {
  const bare = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const v = isIP(bare);
  if (v === 4) return match(V4, bare, 'ipv4');
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
