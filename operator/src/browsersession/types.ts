// BrowserSession API types (lkbrowser.dev/v1alpha1), mirroring crds/browsersession.yaml field by field.
import type { ConditionStatus, ImagePullPolicy, KubeObject, ResourceRequirements, Toleration } from '../framework/kube-types.ts';

export const GROUP = 'lkbrowser.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'BrowserSession';
export const PLURAL = 'browsersessions';

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
