// Which pool a BrowserSession takes a warm runtime from. Pure, no I/O.
//
// A session names a pool (spec.pool), or matches one: a pool's spec.sessionSelector (a Kubernetes label selector,
// the admin's) against the session's labels. A name always wins and a selector never overrides it. A pool without a
// selector is taken by name only, and a pool only matches sessions of the namespaces it admits (its own, or
// spec.sessionNamespaces), so labelling a session cannot reach a pool the admin did not open to its namespace.
// Of several matching pools, the first one (by namespace/name) that can serve the session now is taken (compatible
// with it and with a ready runtime); else the first compatible one (it reports PoolEmpty); else the first one (its
// Incompatible reason explains the cold start). A fixed order, so every reconcile of a session picks the same pool.
import type { BrowserSession } from '../browsersession/types.ts';
import type { BrowserPool, LabelSelector } from './types.ts';

/** Whether `labels` satisfy `selector` (metav1.LabelSelector semantics; an empty selector matches everything). */
export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const v = labels[e.key];
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(v as string)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(v as string)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false; // an operator the API server would have refused: match nothing rather than everything
    }
  }
  return true;
}

/** Whether the pool admits sessions of `namespace`. */
export function poolAdmits(pool: BrowserPool, namespace: string): boolean {
  return pool.metadata.namespace === namespace || (pool.spec.sessionNamespaces ?? []).includes(namespace);
}

export interface PoolCandidate {
  pool: BrowserPool;
  /** poolCompatibility(pool, session) is ok. */
  compatible: boolean;
  readyReplicas: number;
}

/** Pools whose sessionSelector matches the session and that admit its namespace, in namespace/name order. */
export function matchingPools(session: BrowserSession, pools: readonly BrowserPool[]): BrowserPool[] {
  const ns = session.metadata.namespace ?? '';
  const labels = session.metadata.labels ?? {};
  return pools
    .filter(
      (p) =>
        !p.metadata.deletionTimestamp &&
        p.spec.sessionSelector !== undefined &&
        poolAdmits(p, ns) &&
        selectorMatches(p.spec.sessionSelector, labels),
    )
    .sort((a, b) => key(a).localeCompare(key(b)));
}

const key = (p: BrowserPool): string => `${p.metadata.namespace}/${p.metadata.name}`;

/** The matching pool to use (see the header), or undefined when none matches. */
export function pickPool(candidates: readonly PoolCandidate[]): BrowserPool | undefined {
  const sorted = [...candidates].sort((a, b) => key(a.pool).localeCompare(key(b.pool)));
  return (
    sorted.find((c) => c.compatible && c.readyReplicas > 0)?.pool ??
    sorted.find((c) => c.compatible)?.pool ??
    sorted[0]?.pool
  );
}
