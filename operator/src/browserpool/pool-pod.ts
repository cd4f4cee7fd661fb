// The desired standby pod of a pool: a pure function of (pool, operator config, name, nonce, claim key).
// Same container hardening as a session's pod (browsersession/pod-spec.ts); differences, each on purpose:
// no LiveKit URL, room or credentials (a claim brings them), LKB_CLAIM_SECRET_SHA256 switches the runtime to
// standby, restartPolicy Never (a runtime restarted in place would come back unclaimed under a claimed label;
// a failed pool pod is replaced instead), and the owner is the pool (same namespace: the GC removes the pods
// of a deleted pool).
import { createHash, randomBytes } from 'node:crypto';
import type { OperatorConfig } from '../config.ts';
import type { EnvVar, Pod } from '../framework/kube-types.ts';
import {
  CONTAINER_NAME,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  labelValue,
  mergeResources,
  runtimeContainerSecurity,
  runtimePodSecurity,
  scratchMounts,
  scratchVolumes,
} from '../browsersession/pod-spec.ts';
import { claimSecret, secretDigest } from './claim-secret.ts';
import { CLAIM_NONCE_ANNOTATION, POOL_LABEL, POOL_STATE_LABEL, STANDBY } from './labels.ts';
import { type BrowserPool, POOL_API_VERSION, POOL_KIND } from './types.ts';

/** `<pool>-<8 hex>`, the pool name cut so the whole stays a valid pod name (≤ 63 so it is also a label value). */
export function poolPodName(pool: string, rand: string = randomBytes(4).toString('hex')): string {
  const head =
    pool.length > 54
      ? `${pool.slice(0, 44).replace(/[-.]+$/, '')}-${createHash('sha256').update(pool).digest('hex').slice(0, 8)}`
      : pool;
  return `${head}-${rand}`;
}

export function poolSelector(pool: BrowserPool): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'lkbrowser-runtime',
    'app.kubernetes.io/component': 'browser-pool',
    [MANAGED_BY_LABEL]: MANAGED_BY,
    [POOL_LABEL]: labelValue(pool.metadata.name ?? ''),
  };
}

/** The scale subresource's selector: the pool's unclaimed pods. */
export function standbySelectorString(pool: BrowserPool): string {
  return Object.entries({ ...poolSelector(pool), [POOL_STATE_LABEL]: STANDBY })
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export function poolPodEnv(pool: BrowserPool, config: OperatorConfig, digest: string): EnvVar[] {
  const v = pool.spec.viewport;
  return [
    { name: 'LKB_CLAIM_SECRET_SHA256', value: digest },
    { name: 'LKB_WIDTH', value: String(v.width) },
    { name: 'LKB_HEIGHT', value: String(v.height) },
    { name: 'LKB_FRAMERATE', value: String(v.framerate) },
    { name: 'LKB_AUDIO', value: 'true' },
    { name: 'LKB_NAV_ALLOW_PRIVATE_NETWORKS', value: String(pool.spec.allowPrivateNetworks) },
    { name: 'LKB_METRICS_PORT', value: String(config.runtimePort) },
    // Pod-level, so not in a claim (claim-env.ts): the cluster's ranges stay unreachable for whichever tenant claims it.
    ...(config.egressDenyCidrs.length > 0
      ? [{ name: 'LKB_EGRESS_DENY_CIDRS', value: config.egressDenyCidrs.join(',') }]
      : []),
  ];
}

export function desiredPoolPod(
  pool: BrowserPool,
  config: OperatorConfig,
  name: string,
  nonce: string,
  key: Buffer,
): Pod {
  const ns = pool.metadata.namespace ?? '';
  const port = config.runtimePort;
  const over = pool.spec.pod ?? {};
  const digest = secretDigest(claimSecret(key, ns, name, nonce));
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: ns,
      labels: { ...poolSelector(pool), [POOL_STATE_LABEL]: STANDBY },
      annotations: { [CLAIM_NONCE_ANNOTATION]: nonce },
      ownerReferences: [
        {
          apiVersion: POOL_API_VERSION,
          kind: POOL_KIND,
          name: pool.metadata.name ?? '',
          uid: pool.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      containers: [
        {
          name: CONTAINER_NAME,
          image: over.image ?? config.runtimeImage,
          imagePullPolicy: over.imagePullPolicy ?? config.runtimeImagePullPolicy,
          env: poolPodEnv(pool, config, digest),
          ports: [{ name: 'metrics', containerPort: port, protocol: 'TCP' }],
          resources: mergeResources(over.resources as Parameters<typeof mergeResources>[0]),
          // Standby: 200 once the engine is up (claimable); claimed: 200 while publishing.
          readinessProbe: {
            httpGet: { path: '/readyz', port },
            periodSeconds: 2,
            timeoutSeconds: 2,
            failureThreshold: 3,
          },
          livenessProbe: {
            httpGet: { path: '/healthz', port },
            periodSeconds: 10,
            timeoutSeconds: 3,
            failureThreshold: 3,
          },
          startupProbe: {
            httpGet: { path: '/healthz', port },
            periodSeconds: 2,
            timeoutSeconds: 2,
            failureThreshold: 60,
          },
          securityContext: runtimeContainerSecurity(config),
          volumeMounts: scratchMounts(),
        },
      ],
      volumes: scratchVolumes(config),
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 30,
      securityContext: runtimePodSecurity(config),
    },
  };
  const spec = pod.spec as NonNullable<Pod['spec']>;
  if (over.nodeSelector && Object.keys(over.nodeSelector).length > 0) spec.nodeSelector = { ...over.nodeSelector };
  if (over.runtimeClassName) spec.runtimeClassName = over.runtimeClassName;
  if (config.runtimeHostNetwork) {
    // As session pods (pod-spec.ts): clusters without a pod network. The port becomes a host port, so a refill
    // waits for its node's claimed runtime to end.
    spec.hostNetwork = true;
    spec.dnsPolicy = 'ClusterFirstWithHostNet';
  }
  return pod;
}
