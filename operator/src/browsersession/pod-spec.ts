// The desired runtime Pod of a session: a pure function of (session, resolved spec, operator config).
// Pods are immutable, so the reconciler compares SPEC_HASH_ANNOTATION and deletes/recreates on mismatch.
import { createHash } from 'node:crypto';
import type { OperatorConfig } from '../config.ts';
import type { ResolvedSpec } from './resolved-spec.ts';
import type {
  Container,
  EnvVar,
  OwnerReference,
  Pod,
  ResourceRequirements,
  SeccompProfile,
  Volume,
} from '../framework/kube-types.ts';
import type { BrowserSession, PodOverrides, PodResources } from './types.ts';
import { API_VERSION, KIND } from './types.ts';
import { AUTOMATION_TOKEN_KEY, automationSecretNameFor } from './automation-secret.ts';
import { TOKEN_FILE, TOKEN_MOUNT_PATH, tokenSecretNameFor } from './token-secret.ts';

export const SPEC_HASH_ANNOTATION = 'lkbrowser.dev/spec-hash';
/** Restarts of earlier pods of the session, carried over so status.restarts survives pod recreation. */
export const PRIOR_RESTARTS_ANNOTATION = 'lkbrowser.dev/prior-restarts';
export const ROOM_ANNOTATION = 'lkbrowser.dev/room';
export const SESSION_LABEL = 'lkbrowser.dev/session';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'lkbrowser-operator';
export const CONTAINER_NAME = 'browser';
/** spec.automation: the runtime's DevTools endpoint port and where the operator's token Secret is mounted. */
export const AUTOMATION_PORT = 9223;
export const AUTOMATION_TOKEN_DIR = '/var/run/lkbrowser/automation';

export const DEFAULT_RESOURCES: Required<ResourceRequirements> = {
  requests: { cpu: '1', memory: '1Gi' },
  limits: { memory: '2Gi' },
};

/** Deterministic JSON: object keys sorted, so the hash does not depend on property order. */
export function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function shortHash(s: string, n = 10): string {
  return createHash('sha256').update(s).digest('hex').slice(0, n);
}

/** Label values are at most 63 characters: longer names are cut and suffixed with a hash. */
export function labelValue(s: string): string {
  if (s.length <= 63) return s;
  return `${s.slice(0, 52).replace(/[-_.]+$/, '')}-${shortHash(s)}`;
}

/** Pod name of a session: `<session>-browser`, shortened with a hash when it would exceed 253 characters. */
export function podNameFor(sessionName: string): string {
  const n = `${sessionName}-browser`;
  if (n.length <= 253) return n;
  return `${sessionName.slice(0, 230).replace(/[-.]+$/, '')}-${shortHash(sessionName)}-browser`;
}

export function selectorLabels(session: BrowserSession): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'lkbrowser-runtime',
    'app.kubernetes.io/instance': labelValue(session.metadata.name ?? ''),
    'app.kubernetes.io/component': 'browser',
    [MANAGED_BY_LABEL]: MANAGED_BY,
    [SESSION_LABEL]: labelValue(session.metadata.name ?? ''),
  };
}

export function ownerReference(session: BrowserSession): OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    name: session.metadata.name ?? '',
    uid: session.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function runtimeEnv(r: ResolvedSpec, config: OperatorConfig): EnvVar[] {
  const s = r.spec;
  const env: EnvVar[] = [
    { name: 'LIVEKIT_URL', value: r.livekitUrl },
    // Room and identity are in the token (which is all LiveKit goes by); here for the runtime's logs and status.
    { name: 'LIVEKIT_ROOM', value: s.room },
    { name: 'LIVEKIT_IDENTITY', value: r.identity },
    { name: 'LIVEKIT_NAME', value: r.participantName },
    // A join token for this room and identity only, minted by the operator into the session's Secret and
    // mounted as a file: no API key or secret reaches the pod.
    { name: 'LKB_TOKEN_FILE', value: TOKEN_FILE },
    { name: 'LKB_URL', value: s.url },
    { name: 'LKB_WIDTH', value: String(s.viewport.width) },
    { name: 'LKB_HEIGHT', value: String(s.viewport.height) },
    { name: 'LKB_FRAMERATE', value: String(s.viewport.framerate) },
    { name: 'LKB_VIDEO_CODEC', value: s.videoCodec },
    { name: 'LKB_AUDIO', value: String(s.audio) },
    { name: 'LKB_ENGINE', value: s.engine },
    { name: 'LKB_NAV_ALLOWED_ORIGINS', value: (s.navigation.allowedOrigins ?? []).join(',') },
    { name: 'LKB_NAV_ALLOW_PRIVATE_NETWORKS', value: String(s.navigation.allowPrivateNetworks) },
    { name: 'LKB_FOCUS_IDLE_RELEASE_SECONDS', value: String(s.focus.idleReleaseSeconds) },
    { name: 'LKB_FOCUS_PRIORITY_IDENTITIES', value: (s.focus.priorityIdentities ?? []).join(',') },
    { name: 'LKB_EMPTY_ROOM_TIMEOUT_SECONDS', value: String(s.lifetime.emptyRoomTimeoutSeconds) },
    { name: 'LKB_MAX_DURATION_SECONDS', value: String(s.lifetime.maxDurationSeconds) },
    { name: 'LKB_METRICS_PORT', value: String(config.runtimePort) },
  ];
  if (config.egressDenyCidrs.length > 0)
    env.push({ name: 'LKB_EGRESS_DENY_CIDRS', value: config.egressDenyCidrs.join(',') });
  if (s.automation.enabled) {
    env.push(
      { name: 'LKB_AUTOMATION', value: 'true' },
      { name: 'LKB_AUTOMATION_PORT', value: String(AUTOMATION_PORT) },
      { name: 'LKB_AUTOMATION_TOKEN_FILE', value: `${AUTOMATION_TOKEN_DIR}/token` },
    );
  }
  return env;
}

export function mergeResources(over: PodResources | undefined): ResourceRequirements {
  return {
    requests: { ...DEFAULT_RESOURCES.requests, ...(over?.requests ?? {}) },
    limits: { ...DEFAULT_RESOURCES.limits, ...(over?.limits ?? {}) },
  };
}

export function specHash(pod: Pod): string {
  // Everything the pod is made of except the hash itself and the restart bookkeeping.
  const ann = { ...(pod.metadata.annotations ?? {}) };
  delete ann[SPEC_HASH_ANNOTATION];
  delete ann[PRIOR_RESTARTS_ANNOTATION];
  return shortHash(stableStringify({ labels: pod.metadata.labels, annotations: ann, spec: pod.spec }), 16);
}

// The hardening every runtime pod gets, a session's (desiredPod) and a warm pool's (browserpool/pool-pod.ts) alike:
// fresh objects each call, since callers push to the lists.
/**
 * The runtime pod's seccomp profile: RuntimeDefault, or the admin's Localhost profile (--runtime-seccomp-profile;
 * RuntimeDefault + what Chromium's own sandbox needs). Both are allowed by PodSecurity "restricted".
 */
export function runtimeSeccomp(config: Pick<OperatorConfig, 'runtimeSeccompProfile'>): SeccompProfile {
  return config.runtimeSeccompProfile
    ? { type: 'Localhost', localhostProfile: config.runtimeSeccompProfile }
    : { type: 'RuntimeDefault' };
}

/** Container: non-root 1000, read-only root, no capabilities, no privilege escalation, the pod's seccomp profile. */
export function runtimeContainerSecurity(
  config: Pick<OperatorConfig, 'runtimeSeccompProfile'>,
): NonNullable<Container['securityContext']> {
  return {
    runAsNonRoot: true,
    runAsUser: 1000,
    runAsGroup: 1000,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: runtimeSeccomp(config),
  };
}

/** Pod: non-root 1000, fsGroup 1000 (mounted Secrets readable at 0440), the seccomp profile (runtimeSeccomp). */
export function runtimePodSecurity(
  config: Pick<OperatorConfig, 'runtimeSeccompProfile'>,
): NonNullable<NonNullable<Pod['spec']>['securityContext']> {
  return {
    runAsNonRoot: true,
    runAsUser: 1000,
    runAsGroup: 1000,
    fsGroup: 1000,
    seccompProfile: runtimeSeccomp(config),
  };
}

/** The writable scratch the read-only root needs: /tmp, the image's HOME (Dockerfile.runtime) and /dev/shm. */
export function scratchMounts(): NonNullable<Container['volumeMounts']> {
  return [
    { name: 'tmp', mountPath: '/tmp' },
    { name: 'home', mountPath: '/home/lkb' },
    { name: 'dshm', mountPath: '/dev/shm' },
  ];
}

export function scratchVolumes(config: OperatorConfig): Volume[] {
  return [
    { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
    { name: 'home', emptyDir: { sizeLimit: '512Mi' } },
    { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: config.shmSize } },
  ];
}

/**
 * The desired Pod. `priorRestarts` is recorded in an annotation (not hashed) so restarts survive recreation.
 */
export function desiredPod(session: BrowserSession, r: ResolvedSpec, config: OperatorConfig, priorRestarts = 0): Pod {
  const port = config.runtimePort;
  const over: PodOverrides = r.spec.pod ?? {};
  const container: Container = {
    name: CONTAINER_NAME,
    image: r.image,
    imagePullPolicy: r.imagePullPolicy,
    // The runtime writes why it stopped to /dev/termination-log; a crash before that leaves the log's tail.
    terminationMessagePolicy: 'FallbackToLogsOnError',
    env: runtimeEnv(r, config),
    ports: [{ name: 'metrics', containerPort: port, protocol: 'TCP' }],
    resources: mergeResources(over.resources),
    // /readyz is 200 only while the runtime publishes into the room.
    readinessProbe: { httpGet: { path: '/readyz', port }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 },
    livenessProbe: { httpGet: { path: '/healthz', port }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
    // Chromium + room join can take a while on a busy node: give it up to 2 minutes before liveness applies.
    startupProbe: { httpGet: { path: '/healthz', port }, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 60 },
    securityContext: runtimeContainerSecurity(config),
    volumeMounts: [...scratchMounts(), { name: 'livekit-token', mountPath: TOKEN_MOUNT_PATH, readOnly: true }],
  };
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: podNameFor(session.metadata.name ?? ''),
      namespace: session.metadata.namespace ?? '',
      labels: { ...(over.labels ?? {}), ...selectorLabels(session) },
      annotations: {
        ...(over.annotations ?? {}),
        [ROOM_ANNOTATION]: r.spec.room,
        [PRIOR_RESTARTS_ANNOTATION]: String(priorRestarts),
      },
      ownerReferences: [ownerReference(session)],
    },
    spec: {
      containers: [container],
      volumes: [
        ...scratchVolumes(config),
        {
          name: 'livekit-token',
          // 0440: readable by the runtime's uid and fsGroup only.
          secret: { secretName: tokenSecretNameFor(session.metadata.name ?? ''), defaultMode: 0o440 },
        },
      ],
      // Exit 0 at the end of the session's lifetime → pod Succeeded → phase Completed; crashes restart in place.
      restartPolicy: 'OnFailure',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 30,
      securityContext: runtimePodSecurity(config),
    },
  };
  const spec = pod.spec as NonNullable<Pod['spec']>;
  const automation = r.spec.automation;
  if (automation.enabled) {
    // The token is a file (re-read per connection, so a rotated Secret applies without a restart), never an env var.
    container.ports?.push({ name: 'automation', containerPort: AUTOMATION_PORT, protocol: 'TCP' });
    container.volumeMounts?.push({ name: 'automation-token', mountPath: AUTOMATION_TOKEN_DIR, readOnly: true });
    spec.volumes?.push({
      name: 'automation-token',
      // The operator's Secret of this session (automation-secret.ts), never one the CR names.
      secret: {
        secretName: automationSecretNameFor(session.metadata.name ?? ''),
        items: [{ key: AUTOMATION_TOKEN_KEY, path: 'token' }],
        defaultMode: 0o440,
      },
    });
  }
  if (over.nodeSelector && Object.keys(over.nodeSelector).length > 0) spec.nodeSelector = { ...over.nodeSelector };
  if (over.tolerations && over.tolerations.length > 0) spec.tolerations = over.tolerations.map((t) => ({ ...t }));
  if (over.runtimeClassName) spec.runtimeClassName = over.runtimeClassName;
  if (config.runtimeHostNetwork) {
    // The node's network namespace: the container port becomes a host port, so the scheduler places at most one
    // runtime per node and port. DNS still resolves cluster names.
    spec.hostNetwork = true;
    spec.dnsPolicy = 'ClusterFirstWithHostNet';
  }
  const annotations = pod.metadata.annotations as Record<string, string>;
  annotations[SPEC_HASH_ANNOTATION] = specHash(pod);
  return pod;
}
