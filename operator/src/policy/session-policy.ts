// What a BrowserSession may choose, set by the cluster admin (Helm values `policy`, rendered into the operator's
// --policy-file and into the chart's ValidatingAdmissionPolicy, which applies the same rules at `kubectl apply`).
// The operator enforces it too (clusters without the admission policy, objects created before it): a refused
// session gets Failed/PolicyDenied with every problem listed, a Warning event, and no pod and no token.
// Defaults are safe: rooms confined to `<namespace>.`, no image/runtimeClass/nodeSelector/tolerations/labels/
// annotations chosen by the CR, bounded resources, Chromium only, no private networks. Pure: parse + check.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { BrowserSession } from '../browsersession/types.ts';
import { parseQuantity } from './quantity.ts';

export interface ResourceBound {
  min?: string;
  max?: string;
}

export interface NamespacePolicy {
  roomPrefix?: string;
  identityPrefix?: string;
}

export interface SessionPolicy {
  /** Required prefix of spec.room; `{namespace}` is replaced by the session's namespace. */
  roomPrefix: string;
  /** Required prefix of the participant identity (spec.participant.identity, else metadata.name). */
  identityPrefix: string;
  /** Per-namespace overrides of the two prefixes. */
  namespaces: Record<string, NamespacePolicy>;
  /** Allowed spec.pod.image values (an entry ending in `*` is a prefix). Empty: the CR may not choose one. */
  images: string[];
  runtimeClassNames: string[];
  /** Allowed keys of spec.pod.nodeSelector / tolerations / labels / annotations (`*` suffix = prefix). */
  nodeSelectorKeys: string[];
  tolerationKeys: string[];
  labelKeys: string[];
  annotationKeys: string[];
  /** Resource names a CR may request or limit, each with optional bounds (applied to the merged resources). */
  resources: Record<string, ResourceBound>;
  /** Allowed spec.engine values (absent = chromium). CEF runs unsandboxed: not allowed by default. */
  engines: string[];
  /** Allowed spec.videoCodec values (CRD default vp8). All by default: an admin may rule out the costlier ones. */
  videoCodecs: string[];
  /** Whether spec.navigation.allowPrivateNetworks may be true. */
  allowPrivateNetworks: boolean;
  /** Whether spec.automation may be enabled (a DevTools port behind a token the operator generates). */
  allowAutomation: boolean;
}

export const DEFAULT_POLICY: SessionPolicy = {
  roomPrefix: '{namespace}.',
  identityPrefix: '',
  namespaces: {},
  images: [],
  runtimeClassNames: [],
  nodeSelectorKeys: [],
  tolerationKeys: [],
  labelKeys: [],
  annotationKeys: [],
  resources: {
    cpu: { min: '100m', max: '4' },
    memory: { min: '512Mi', max: '8Gi' },
    'ephemeral-storage': { max: '4Gi' },
  },
  engines: ['chromium'],
  videoCodecs: ['vp8', 'vp9', 'av1', 'h264'],
  allowPrivateNetworks: false,
  allowAutomation: true,
};

const STRING_LISTS = [
  'images',
  'runtimeClassNames',
  'nodeSelectorKeys',
  'tolerationKeys',
  'labelKeys',
  'annotationKeys',
  'engines',
  'videoCodecs',
] as const;

/** Validates an admin policy document; unset fields take DEFAULT_POLICY's value. Throws on anything unknown. */
export function parsePolicy(doc: unknown): SessionPolicy {
  if (doc === undefined || doc === null) return structuredClone(DEFAULT_POLICY);
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error('policy must be an object');
  const d = doc as Record<string, unknown>;
  const out = structuredClone(DEFAULT_POLICY);
  for (const k of Object.keys(d)) if (!(k in DEFAULT_POLICY)) throw new Error(`policy: unknown field ${k}`);
  for (const k of ['roomPrefix', 'identityPrefix'] as const) {
    if (d[k] === undefined) continue;
    if (typeof d[k] !== 'string') throw new Error(`policy.${k} must be a string`);
    out[k] = d[k];
  }
  for (const k of STRING_LISTS) {
    const v = d[k];
    if (v === undefined) continue;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x === ''))
      throw new Error(`policy.${k} must be a list of non-empty strings`);
    out[k] = v as string[];
  }
  for (const k of ['allowPrivateNetworks', 'allowAutomation'] as const) {
    if (d[k] === undefined) continue;
    if (typeof d[k] !== 'boolean') throw new Error(`policy.${k} must be true or false`);
    out[k] = d[k];
  }
  if (d.namespaces !== undefined) {
    if (typeof d.namespaces !== 'object' || d.namespaces === null) throw new Error('policy.namespaces must be a map');
    out.namespaces = {};
    for (const [ns, v] of Object.entries(d.namespaces as Record<string, unknown>)) {
      const o = (v ?? {}) as Record<string, unknown>;
      for (const k of Object.keys(o))
        if (k !== 'roomPrefix' && k !== 'identityPrefix')
          throw new Error(`policy.namespaces.${ns}: unknown field ${k}`);
      for (const k of ['roomPrefix', 'identityPrefix'] as const)
        if (o[k] !== undefined && typeof o[k] !== 'string') throw new Error(`policy.namespaces.${ns}.${k}: string`);
      out.namespaces[ns] = o as NamespacePolicy;
    }
  }
  if (d.resources !== undefined) {
    if (typeof d.resources !== 'object' || d.resources === null) throw new Error('policy.resources must be a map');
    out.resources = {};
    for (const [name, v] of Object.entries(d.resources as Record<string, unknown>)) {
      const b = (v ?? {}) as Record<string, unknown>;
      for (const k of Object.keys(b))
        if (k !== 'min' && k !== 'max') throw new Error(`policy.resources.${name}: unknown field ${k}`);
      const bound: ResourceBound = {};
      for (const k of ['min', 'max'] as const) {
        if (b[k] === undefined) continue;
        const q = String(b[k]);
        parseQuantity(q); // throws with the offending value
        bound[k] = q;
      }
      out.resources[name] = bound;
    }
  }
  return out;
}

/** The policy file (JSON or YAML), or the defaults when `path` is ''. */
export function loadPolicy(path: string): SessionPolicy {
  if (!path) return structuredClone(DEFAULT_POLICY);
  try {
    return parsePolicy(parseYaml(readFileSync(path, 'utf8')));
  } catch (e) {
    throw new Error(`--policy-file ${path}: ${(e as Error).message}`);
  }
}

/** A pattern list entry: exact, or a prefix when it ends in `*`. */
export function matches(patterns: readonly string[], value: string): boolean {
  return patterns.some((p) => (p.endsWith('*') ? value.startsWith(p.slice(0, -1)) : value === p));
}

export function prefixesFor(policy: SessionPolicy, namespace: string): { room: string; identity: string } {
  const o = policy.namespaces[namespace] ?? {};
  const fill = (t: string) => t.replaceAll('{namespace}', namespace);
  return { room: fill(o.roomPrefix ?? policy.roomPrefix), identity: fill(o.identityPrefix ?? policy.identityPrefix) };
}

/** Every way `session` breaks `policy`; empty when it may run. `resources` is the merged container resources. */
export function checkPolicy(
  policy: SessionPolicy,
  session: BrowserSession,
  identity: string,
  resources: { requests?: Record<string, string | number>; limits?: Record<string, string | number> },
): string[] {
  const problems: string[] = [];
  const s = session.spec;
  const ns = session.metadata.namespace ?? '';
  const pre = prefixesFor(policy, ns);
  if (!s.room.startsWith(pre.room))
    problems.push(`spec.room must start with "${pre.room}" in namespace ${ns}, got "${s.room}"`);
  if (!identity.startsWith(pre.identity))
    problems.push(`the participant identity must start with "${pre.identity}" in namespace ${ns}, got "${identity}"`);
  const pod = s.pod ?? {};
  if (pod.image !== undefined && !matches(policy.images, pod.image))
    problems.push(`spec.pod.image "${pod.image}" is not allowed (allowed: ${list(policy.images)})`);
  if (pod.runtimeClassName !== undefined && !matches(policy.runtimeClassNames, pod.runtimeClassName))
    problems.push(
      `spec.pod.runtimeClassName "${pod.runtimeClassName}" is not allowed (allowed: ${list(policy.runtimeClassNames)})`,
    );
  const keys = (what: string, m: Record<string, unknown> | undefined, allowed: string[]) => {
    for (const k of Object.keys(m ?? {}))
      if (!matches(allowed, k)) problems.push(`${what} key "${k}" is not allowed (allowed: ${list(allowed)})`);
  };
  keys('spec.pod.nodeSelector', pod.nodeSelector, policy.nodeSelectorKeys);
  keys('spec.pod.labels', pod.labels, policy.labelKeys);
  keys('spec.pod.annotations', pod.annotations, policy.annotationKeys);
  for (const [i, t] of (pod.tolerations ?? []).entries()) {
    if (!t.key) problems.push(`spec.pod.tolerations[${i}] must name a key (an empty key tolerates every taint)`);
    else if (!matches(policy.tolerationKeys, t.key))
      problems.push(
        `spec.pod.tolerations[${i}] key "${t.key}" is not allowed (allowed: ${list(policy.tolerationKeys)})`,
      );
  }
  for (const part of ['requests', 'limits'] as const) {
    for (const [name, v] of Object.entries(resources[part] ?? {})) {
      const bound = policy.resources[name];
      if (!bound) {
        problems.push(`resources.${part}.${name} is not allowed (allowed: ${list(Object.keys(policy.resources))})`);
        continue;
      }
      const q = parseQuantity(v);
      if (bound.min !== undefined && q < parseQuantity(bound.min))
        problems.push(`resources.${part}.${name} ${v} is below the minimum ${bound.min}`);
      if (bound.max !== undefined && q > parseQuantity(bound.max))
        problems.push(`resources.${part}.${name} ${v} is above the maximum ${bound.max}`);
    }
  }
  // spec.engine (CRD default chromium): CEF runs without Chromium's sandbox, so the admin allows it explicitly.
  const e = s.engine;
  if (!matches(policy.engines, e))
    problems.push(`spec.engine "${e}" is not allowed (allowed: ${list(policy.engines)})`);
  // spec.videoCodec (CRD default vp8): the codecs differ in CPU per frame (bench/codecs.ts), the admin may narrow them.
  if (!matches(policy.videoCodecs, s.videoCodec))
    problems.push(`spec.videoCodec "${s.videoCodec}" is not allowed (allowed: ${list(policy.videoCodecs)})`);
  if (s.navigation.allowPrivateNetworks && !policy.allowPrivateNetworks)
    problems.push('spec.navigation.allowPrivateNetworks is not allowed by the cluster admin');
  if (s.automation?.enabled && !policy.allowAutomation)
    problems.push('spec.automation is not allowed by the cluster admin');
  return problems;
}

function list(l: readonly string[]): string {
  return l.length ? l.join(', ') : 'none';
}
