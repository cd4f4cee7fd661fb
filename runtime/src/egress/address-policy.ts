// Which IP addresses Chromium may connect to (through the egress proxy). Pure: decides from the address
// alone, with node:net's BlockList. The proxy resolves names itself and judges every address it got.
import { BlockList, isIP } from 'node:net';

/** Low-cardinality refusal classes (also the `reason` label of lkb_egress_refused_total). */
export type AddressClass =
  | 'metadata'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'unspecified'
  | 'multicast'
  | 'reserved'
  | 'cluster';

type Family = 'ipv4' | 'ipv6';

/** Built-in refused ranges, most specific class first (metadata addresses sit inside link-local / ULA / CGNAT). */
const RANGES: ReadonlyArray<readonly [AddressClass, string, number, Family]> = [
  ['metadata', '169.254.169.254', 32, 'ipv4'], // AWS/GCP/Azure/OpenStack instance metadata
  ['metadata', '169.254.170.2', 32, 'ipv4'], // ECS task metadata
  ['metadata', '100.100.100.200', 32, 'ipv4'], // Alibaba Cloud metadata
  ['metadata', 'fd00:ec2::254', 128, 'ipv6'], // AWS IPv6 metadata
  ['unspecified', '0.0.0.0', 8, 'ipv4'],
  ['loopback', '127.0.0.0', 8, 'ipv4'],
  ['private', '10.0.0.0', 8, 'ipv4'],
  ['private', '172.16.0.0', 12, 'ipv4'],
  ['private', '192.168.0.0', 16, 'ipv4'],
  ['cgnat', '100.64.0.0', 10, 'ipv4'],
  ['link-local', '169.254.0.0', 16, 'ipv4'],
  ['reserved', '192.0.0.0', 24, 'ipv4'], // IETF protocol assignments
  ['reserved', '192.0.2.0', 24, 'ipv4'], // TEST-NET-1
  ['reserved', '198.18.0.0', 15, 'ipv4'], // benchmarking
  ['reserved', '198.51.100.0', 24, 'ipv4'], // TEST-NET-2
  ['reserved', '203.0.113.0', 24, 'ipv4'], // TEST-NET-3
  ['multicast', '224.0.0.0', 4, 'ipv4'],
  ['reserved', '240.0.0.0', 4, 'ipv4'], // incl. broadcast 255.255.255.255
  ['unspecified', '::', 128, 'ipv6'],
  ['loopback', '::1', 128, 'ipv6'],
  ['private', 'fc00::', 7, 'ipv6'], // unique-local
  ['link-local', 'fe80::', 10, 'ipv6'],
  ['private', 'fec0::', 10, 'ipv6'], // deprecated site-local
  ['multicast', 'ff00::', 8, 'ipv6'],
  ['reserved', '100::', 64, 'ipv6'], // discard-only
  ['reserved', '2001:db8::', 32, 'ipv6'], // documentation
];

export interface AddressPolicyOptions {
  /** Allow every address (LKB_NAV_ALLOW_PRIVATE_NETWORKS: local development, the demo). Cluster CIDRs stay refused. */
  allowPrivate: boolean;
  /** Extra refused CIDRs (the cluster's pod and service ranges, e.g. "10.244.0.0/16", "fd00:10:96::/112"). */
  denyCidrs: readonly string[];
}

export type AddressDecision = { ok: true } | { ok: false; class: AddressClass };

/** Parses "a.b.c.d/n" or "x::/n". Throws RangeError with a readable message. */
export function parseCidr(cidr: string): { address: string; prefix: number; family: Family } {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr.trim());
  const v = m ? isIP(m[1] as string) : 0;
  const prefix = m ? Number(m[2]) : -1;
  if (!m || v === 0 || prefix > (v === 4 ? 32 : 128)) throw new RangeError(`not a CIDR: "${cidr}"`);
  return { address: m[1] as string, prefix, family: v === 4 ? 'ipv4' : 'ipv6' };
}

/** An IPv4 address embedded in an IPv6 one that a connect() would reach as IPv4 (mapped, compatible, NAT64). */
export function embeddedIPv4(ip6: string): string | null {
  const m = /^(?:::ffff:|::|64:ff9b::)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i.exec(ip6);
  if (m && isIP(m[1] as string) === 4) return m[1] as string;
  // The same forms written in hex (::ffff:7f00:1, 64:ff9b::7f00:1).
  const h = /^(?:::ffff:|::|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip6);
  if (!h) return null;
  const hi = Number.parseInt(h[1] as string, 16);
  const lo = Number.parseInt(h[2] as string, 16);
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}

export class AddressPolicy {
  readonly #lists: ReadonlyArray<readonly [AddressClass, BlockList]>;
  readonly #allowPrivate: boolean;

  constructor(opts: AddressPolicyOptions) {
    this.#allowPrivate = opts.allowPrivate;
    const byClass = new Map<AddressClass, BlockList>();
    const add = (cls: AddressClass, address: string, prefix: number, family: Family): void => {
      let l = byClass.get(cls);
      if (!l) {
        l = new BlockList();
        byClass.set(cls, l);
      }
      l.addSubnet(address, prefix, family);
    };
    for (const c of opts.denyCidrs) {
      const p = parseCidr(c);
      add('cluster', p.address, p.prefix, p.family);
    }
    for (const [cls, address, prefix, family] of RANGES) add(cls, address, prefix, family);
    this.#lists = [...byClass.entries()];
  }

  /** Judges one address (v4 or v6, no brackets). Unparsable input is refused as "reserved". */
  check(address: string): AddressDecision {
    const bare = address.replace(/^\[|\]$/g, '');
    if (bare.includes('%')) return { ok: false, class: 'link-local' }; // zone ids only make sense for link-local
    const v = isIP(bare);
    if (v === 0) return { ok: false, class: 'reserved' };
    const family: Family = v === 4 ? 'ipv4' : 'ipv6';
    const v4 = family === 'ipv6' ? embeddedIPv4(bare) : null;
    for (const [cls, list] of this.#lists) {
      if (this.#allowPrivate && cls !== 'cluster') continue;
      if (list.check(bare, family) || (v4 !== null && list.check(v4, 'ipv4'))) return { ok: false, class: cls };
    }
    return { ok: true };
  }
}
