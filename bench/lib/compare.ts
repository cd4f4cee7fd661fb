// The comparison rows every bench script prints: one row per pipeline that ran, then one `<kind>/ours` row per
// other pipeline with the ratios of the medians (ours = the runtime with the Chromium engine, the reference).
import { ratio, type Spread } from './common.ts';
import type { PipelineKind } from './pipelines.ts';

type Row = Record<string, string | number>;

export function compareRows<V>(
  kinds: readonly PipelineKind[],
  agg: (k: PipelineKind) => V,
  row: (k: PipelineKind, v: V) => Row,
  medians: (v: V) => Record<string, Spread>,
  extra: Row = {},
): Row[] {
  const byKind = new Map(kinds.map((k) => [k, agg(k)] as const));
  const rows: Row[] = kinds.map((k) => ({ ...extra, pipeline: k, ...row(k, byKind.get(k) as V) }));
  const base = byKind.get('ours');
  if (base === undefined) return rows;
  const b = medians(base);
  for (const k of kinds) {
    if (k === 'ours') continue;
    const m = medians(byKind.get(k) as V);
    const r: Row = { ...extra, pipeline: `${k}/ours` };
    for (const [col, s] of Object.entries(m)) r[col] = ratio(s.median, b[col]?.median ?? Number.NaN);
    rows.push(r);
  }
  return rows;
}
