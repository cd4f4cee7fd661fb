// The CRD as test data: its schema, its defaults, and structural defaulting as the API server does it, so unit
// tests can build BrowserSessions "as served" without a server. The defaulting here is checked against the real
// API server in test/integration/crd.test.ts (a dry-run create must store exactly what withCrdDefaults returns).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CRD_PATH, type Schema } from '../../scripts/gen-types.ts';
import type { BrowserSession } from '../../src/browsersession/types.ts';

export const crdText = readFileSync(CRD_PATH, 'utf8');
const crd = parse(crdText) as { spec: { versions: { storage?: boolean; schema: { openAPIV3Schema: Schema } }[] } };
export const crdSchema: Schema = (crd.spec.versions.find((v) => v.storage) ?? crd.spec.versions[0])?.schema
  .openAPIV3Schema as Schema;

/**
 * Every `default:` in the schema by path (`spec.viewport.width`), as a value the server would store at that path
 * when the parent object exists. Object defaults (`{}`) are listed too.
 */
export function crdDefaults(s: Schema = crdSchema, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, p] of Object.entries(s.properties ?? {})) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (p.default !== undefined) out.set(path, p.default);
    for (const [q, v] of crdDefaults(p, path)) out.set(q, v);
  }
  if (s.items) for (const [q, v] of crdDefaults(s.items, `${prefix}[]`)) out.set(q, v);
  return out;
}

/** apiextensions structural defaulting: missing properties get their default, then defaulting goes on inside it. */
export function applyDefaults(value: unknown, s: Schema): unknown {
  if (Array.isArray(value)) return s.items ? value.map((v) => applyDefaults(v, s.items as Schema)) : value;
  if (value === null || typeof value !== 'object') return value;
  const obj = { ...(value as Record<string, unknown>) };
  for (const [k, p] of Object.entries(s.properties ?? {})) {
    if (obj[k] === undefined && p.default !== undefined) obj[k] = structuredClone(p.default);
    if (obj[k] !== undefined) obj[k] = applyDefaults(obj[k], p);
  }
  if (s.additionalProperties && typeof s.additionalProperties === 'object') {
    const ap = s.additionalProperties;
    for (const k of Object.keys(obj)) if (!(k in (s.properties ?? {}))) obj[k] = applyDefaults(obj[k], ap);
  }
  return obj;
}

/** A BrowserSession as the API server would serve it after a create: defaults applied, uid and generation set. */
export function served(
  spec: Record<string, unknown>,
  meta: { name?: string; namespace?: string; uid?: string; generation?: number } = {},
): BrowserSession {
  const obj = {
    apiVersion: 'lkbrowser.dev/v1alpha1',
    kind: 'BrowserSession',
    metadata: { name: 'demo', namespace: 'default', uid: 'uid-1', generation: 1, ...meta },
    spec,
  };
  return applyDefaults(obj, crdSchema) as BrowserSession;
}
