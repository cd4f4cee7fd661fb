// BrowserSession API types (lkbrowser.dev/v1alpha1), mirroring crds/browsersession.yaml field by field,
// plus the minimal plain-JSON shapes of the core objects the operator reads (Pod, Lease, Event).
// Objects travel as plain JSON (see kube-client.ts): timestamps are RFC 3339 strings, never Date.

export const GROUP = 'lkbrowser.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'BrowserSession';
export const PLURAL = 'browsersessions';

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

// ---- BrowserSession spec (every field optional here except url/room: the CRD defaults the rest) ----

export interface ParticipantSpec {
  /** Defaults to metadata.name. Immutable. */
  identity?: string;
  name?: string;
}

export interface CredentialsSecretRef {
  name: string;
  /** default apiKey */
  apiKeyKey?: string;
  /** default apiSecret */
  apiSecretKey?: string;
}

export interface LiveKitSpec {
  url?: string;
  credentialsSecret?: CredentialsSecretRef;
}

export interface ViewportSpec {
  /** 320..1920, default 1280 */
  width?: number;
  /** 240..1080, default 720 */
  height?: number;
  /** 1..60, default 30 */
  framerate?: number;
}

export interface NavigationSpec {
  allowedOrigins?: string[];
  allowPrivateNetworks?: boolean;
}

export interface FocusSpec {
  /** 0..86400, default 120, 0 = never */
  idleReleaseSeconds?: number;
  priorityIdentities?: string[];
}

export interface LifetimeSpec {
  /** 0 = unlimited */
  maxDurationSeconds?: number;
  /** 0 = never */
  emptyRoomTimeoutSeconds?: number;
}

export type Quantity = string | number;

export interface ResourceRequirements {
  requests?: Record<string, Quantity>;
  limits?: Record<string, Quantity>;
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

export type ImagePullPolicy = 'Always' | 'IfNotPresent' | 'Never';

export interface PodOverrides {
  image?: string;
  imagePullPolicy?: ImagePullPolicy;
  resources?: ResourceRequirements;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  runtimeClassName?: string;
}

export interface BrowserSessionSpec {
  url: string;
  room: string;
  participant?: ParticipantSpec;
  livekit?: LiveKitSpec;
  viewport?: ViewportSpec;
  audio?: boolean;
  navigation?: NavigationSpec;
  focus?: FocusSpec;
  lifetime?: LifetimeSpec;
  pod?: PodOverrides;
}

export type SessionPhase = 'Pending' | 'Starting' | 'Running' | 'Failed' | 'Completed';
export type ConditionType = 'Ready' | 'PodScheduled' | 'Running' | 'Publishing' | 'Failed';
export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: ConditionType;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface BrowserSessionStatus {
  phase?: SessionPhase;
  observedGeneration?: number;
  conditions?: Condition[];
  podName?: string;
  participantIdentity?: string;
  startTime?: string;
  restarts?: number;
  url?: string;
  focusHolder?: string;
  message?: string;
}

export interface BrowserSession extends KubeObject {
  spec: BrowserSessionSpec;
  status?: BrowserSessionStatus;
}

// ---- Core objects: only the fields the operator reads or writes ----

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}

export interface Probe {
  httpGet?: { path: string; port: number | string; scheme?: 'HTTP' | 'HTTPS' };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
  successThreshold?: number;
}

export interface Container {
  name: string;
  image: string;
  imagePullPolicy?: ImagePullPolicy;
  env?: EnvVar[];
  ports?: { name?: string; containerPort: number; protocol?: 'TCP' | 'UDP' }[];
  resources?: ResourceRequirements;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    runAsGroup?: number;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    seccompProfile?: { type: 'RuntimeDefault' | 'Localhost' | 'Unconfined'; localhostProfile?: string };
  };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

export interface Volume {
  name: string;
  emptyDir?: { medium?: 'Memory' | ''; sizeLimit?: string };
}

export interface PodSpec {
  containers: Container[];
  volumes?: Volume[];
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  automountServiceAccountToken?: boolean;
  enableServiceLinks?: boolean;
  terminationGracePeriodSeconds?: number;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  runtimeClassName?: string;
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    runAsGroup?: number;
    fsGroup?: number;
    seccompProfile?: { type: 'RuntimeDefault' | 'Localhost' | 'Unconfined'; localhostProfile?: string };
  };
  nodeName?: string;
}

export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode: number; reason?: string; message?: string; startedAt?: string; finishedAt?: string };
}

export interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  started?: boolean;
  image?: string;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface PodCondition {
  type: string;
  status: ConditionStatus;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface PodStatus {
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  conditions?: PodCondition[];
  containerStatuses?: ContainerStatus[];
  podIP?: string;
  startTime?: string;
  reason?: string;
  message?: string;
}

export interface Pod extends KubeObject {
  spec?: PodSpec;
  status?: PodStatus;
}

export interface Lease extends KubeObject {
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** What the runtime serves on GET /status (runtime/…, port LKB_METRICS_PORT). */
export interface RuntimeStatus {
  url?: string;
  focusHolder?: string | null;
  width?: number;
  height?: number;
  fps?: number;
  publishing?: boolean;
  restarts?: number;
}

export function objectKey(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}
