// Kubernetes resource quantities ("500m", "2", "1.5Gi", "1e3", 4) as numbers of base units, to compare them with
// the admin's bounds. Same grammar as the CRD's pattern; precision is a double's, plenty for bounds.
const SUFFIX: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const RE = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|([KMGTPE]i|[numkMGTPE]))?$/;

/** The quantity's value in base units; throws on anything that is not a quantity. */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') {
    if (!Number.isFinite(q)) throw new Error(`not a quantity: ${q}`);
    return q;
  }
  const m = RE.exec(q.trim());
  if (!m) throw new Error(`not a quantity: ${JSON.stringify(q)}`);
  const n = Number(m[1]);
  if (m[2]) return Number(`${m[1]}${m[2]}`);
  return n * (SUFFIX[m[3] ?? ''] ?? 1);
}
