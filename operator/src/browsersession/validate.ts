// Semantic validation mirroring crds/browsersession.yaml (OpenAPI limits + CEL rules), so a bad spec ends in
// status.phase=Failed with a clear message even on clusters where CEL is off or the CRD is older than the operator.
// Plus checks only the operator can make: the effective LiveKit URL exists, immutable fields vs what is running.
import type { ResolvedSpec } from './defaults.ts';
import type { Quantity } from '../framework/kube-types.ts';
import type { BrowserSession } from './types.ts';

const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.:@=+-]*$/;
const DNS_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_KEY_RE = /^[-._a-zA-Z0-9]+$/;
const ORIGIN_RE = /^https?:\/\/[^/?#@\s]+$/;
const QUANTITY_RE = /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;
export const RESERVED_LABELS = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/component',
  'app.kubernetes.io/managed-by',
  'lkbrowser.dev/session',
];

export interface ValidationContext {
  /** Identity the session was first published under (status.participantIdentity), if any. */
  previousIdentity?: string;
  /** Room of the pod currently running for this session, if any. */
  runningRoom?: string;
}

function intIn(errs: string[], path: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) errs.push(`${path} must be an integer in ${min}..${max}, got ${v}`);
}

function str(errs: string[], path: string, v: string, opts: { min?: number; max: number; re?: RegExp; reText?: string }): void {
  if (typeof v !== 'string') {
    errs.push(`${path} must be a string`);
    return;
  }
  if (opts.min !== undefined && v.length < opts.min) errs.push(`${path} must be at least ${opts.min} characters`);
  if (v.length > opts.max) errs.push(`${path} must be at most ${opts.max} characters`);
  if (opts.re && v.length > 0 && !opts.re.test(v)) errs.push(`${path} ${opts.reText ?? `must match ${opts.re.source}`}`);
}

function quantities(errs: string[], path: string, m: Record<string, Quantity> | undefined): void {
  if (m === undefined) return;
  const entries = Object.entries(m);
  if (entries.length > 16) errs.push(`${path} must have at most 16 entries`);
  for (const [k, q] of entries) {
    if (typeof q === 'number' ? !Number.isFinite(q) : !QUANTITY_RE.test(q)) errs.push(`${path}.${k} is not a valid quantity: ${JSON.stringify(q)}`);
  }
}

function stringMap(errs: string[], path: string, m: Record<string, string> | undefined, maxValue: number): void {
  if (m === undefined) return;
  const entries = Object.entries(m);
  if (entries.length > 64) errs.push(`${path} must have at most 64 entries`);
  for (const [k, v] of entries) {
    if (typeof v !== 'string') errs.push(`${path}.${k} must be a string`);
    else if (v.length > maxValue) errs.push(`${path}.${k} must be at most ${maxValue} characters`);
  }
}

/** Returns human-readable problems, empty when the session is valid. */
export function validateSession(session: BrowserSession, r: ResolvedSpec, ctx: ValidationContext = {}): string[] {
  const errs: string[] = [];
  const spec = session.spec;
  if (spec === undefined || spec === null) return ['spec is required'];

  // url
  if (!spec.url) errs.push('spec.url is required');
  else {
    str(errs, 'spec.url', r.url, { min: 8, max: 2048 });
    if (!(r.url.startsWith('http://') || r.url.startsWith('https://'))) errs.push('spec.url must start with http:// or https://');
    else if (/\s/.test(r.url)) errs.push('spec.url must not contain whitespace');
    else if (!URL.canParse(r.url)) errs.push(`spec.url is not a valid URL: ${r.url}`);
  }
  // room
  if (!spec.room) errs.push('spec.room is required');
  else str(errs, 'spec.room', r.room, { min: 1, max: 128, re: NAME_RE, reText: 'may only contain letters, digits and _.:@=+- and must not start with a symbol other than _' });
  if (ctx.runningRoom !== undefined && spec.room && ctx.runningRoom !== spec.room) {
    errs.push(`spec.room is immutable (was ${JSON.stringify(ctx.runningRoom)})`);
  }
  // participant
  str(errs, 'spec.participant.identity', r.identity, { min: 1, max: 128, re: NAME_RE, reText: 'may only contain letters, digits and _.:@=+- (defaults to metadata.name)' });
  if (spec.participant?.name !== undefined) str(errs, 'spec.participant.name', spec.participant.name, { max: 128 });
  if (ctx.previousIdentity !== undefined && ctx.previousIdentity !== r.identity) {
    errs.push(`spec.participant.identity is immutable (was ${JSON.stringify(ctx.previousIdentity)})`);
  }
  // livekit
  if (!r.livekitUrl) errs.push('spec.livekit.url is required because the operator has no default --livekit-url');
  else {
    str(errs, 'spec.livekit.url', r.livekitUrl, { min: 8, max: 2048 });
    if (!/^(wss?|https?):\/\//.test(r.livekitUrl)) errs.push('livekit.url must start with ws://, wss://, http:// or https://');
  }
  str(errs, 'spec.livekit.credentialsSecret.name', r.secretName, { min: 1, max: 253, re: DNS_SUBDOMAIN_RE, reText: 'must be a DNS subdomain name' });
  str(errs, 'spec.livekit.credentialsSecret.apiKeyKey', r.apiKeyKey, { min: 1, max: 253, re: SECRET_KEY_RE, reText: 'must be a valid Secret key' });
  str(errs, 'spec.livekit.credentialsSecret.apiSecretKey', r.apiSecretKey, { min: 1, max: 253, re: SECRET_KEY_RE, reText: 'must be a valid Secret key' });
  // viewport
  intIn(errs, 'spec.viewport.width', r.width, 320, 1920);
  intIn(errs, 'spec.viewport.height', r.height, 240, 1080);
  intIn(errs, 'spec.viewport.framerate', r.framerate, 1, 60);
  if (r.width * r.height > 1920 * 1080) errs.push('viewport must not exceed 1920x1080 pixels in total');
  if (typeof r.audio !== 'boolean') errs.push('spec.audio must be a boolean');
  // navigation
  if (r.allowedOrigins.length > 64) errs.push('spec.navigation.allowedOrigins must have at most 64 items');
  if (new Set(r.allowedOrigins).size !== r.allowedOrigins.length) errs.push('spec.navigation.allowedOrigins must not contain duplicates');
  r.allowedOrigins.forEach((o, i) => {
    if (typeof o !== 'string' || o.length > 512 || !ORIGIN_RE.test(o)) {
      errs.push(`spec.navigation.allowedOrigins[${i}]: each allowed origin must be http(s)://host[:port] without path, query or userinfo (got ${JSON.stringify(o)})`);
    } else if (o.includes(',')) errs.push(`spec.navigation.allowedOrigins[${i}] must not contain a comma`);
  });
  if (typeof r.allowPrivateNetworks !== 'boolean') errs.push('spec.navigation.allowPrivateNetworks must be a boolean');
  // focus
  intIn(errs, 'spec.focus.idleReleaseSeconds', r.idleReleaseSeconds, 0, 86400);
  if (r.priorityIdentities.length > 16) errs.push('spec.focus.priorityIdentities must have at most 16 items');
  if (new Set(r.priorityIdentities).size !== r.priorityIdentities.length) errs.push('spec.focus.priorityIdentities must not contain duplicates');
  r.priorityIdentities.forEach((id, i) => {
    str(errs, `spec.focus.priorityIdentities[${i}]`, id, { min: 1, max: 128 });
    // LKB_FOCUS_PRIORITY is a comma list: a comma inside an identity would split it.
    if (typeof id === 'string' && id.includes(',')) errs.push(`spec.focus.priorityIdentities[${i}] must not contain a comma`);
  });
  // lifetime
  intIn(errs, 'spec.lifetime.maxDurationSeconds', r.maxDurationSeconds, 0, 31536000);
  intIn(errs, 'spec.lifetime.emptyRoomTimeoutSeconds', r.emptyRoomTimeoutSeconds, 0, 31536000);
  // pod
  const pod = r.pod;
  str(errs, 'spec.pod.image', r.image, { min: 1, max: 1024 });
  if (!['Always', 'IfNotPresent', 'Never'].includes(r.imagePullPolicy)) errs.push('spec.pod.imagePullPolicy must be Always, IfNotPresent or Never');
  quantities(errs, 'spec.pod.resources.requests', pod.resources?.requests);
  quantities(errs, 'spec.pod.resources.limits', pod.resources?.limits);
  stringMap(errs, 'spec.pod.nodeSelector', pod.nodeSelector, 63);
  stringMap(errs, 'spec.pod.labels', pod.labels, 63);
  stringMap(errs, 'spec.pod.annotations', pod.annotations, 4096);
  if (pod.labels && RESERVED_LABELS.some((l) => l in (pod.labels ?? {}))) errs.push('pod.labels must not set labels reserved for the operator');
  if (pod.tolerations !== undefined) {
    if (!Array.isArray(pod.tolerations)) errs.push('spec.pod.tolerations must be a list');
    else if (pod.tolerations.length > 32) errs.push('spec.pod.tolerations must have at most 32 items');
    else
      pod.tolerations.forEach((t, i) => {
        if (t.operator !== undefined && !['Exists', 'Equal'].includes(t.operator)) errs.push(`spec.pod.tolerations[${i}].operator must be Exists or Equal`);
        if (t.effect !== undefined && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(t.effect)) {
          errs.push(`spec.pod.tolerations[${i}].effect must be NoSchedule, PreferNoSchedule or NoExecute`);
        }
      });
  }
  if (pod.runtimeClassName !== undefined) {
    str(errs, 'spec.pod.runtimeClassName', pod.runtimeClassName, { min: 1, max: 253, re: DNS_SUBDOMAIN_RE, reText: 'must be a DNS subdomain name' });
  }
  return errs;
}
