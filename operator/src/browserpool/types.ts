// The BrowserPool API (crds/browserpool.yaml), as the API server serves it (defaults applied).
// operator/test/browserpool/types.test.ts checks these field names against the CRD's schema.
import type { ResourceRef } from '../framework/kube-client.ts';
import type { KubeObject } from '../framework/kube-types.ts';

export const POOL_KIND = 'BrowserPool';
export const POOL_API_VERSION = 'lkbrowser.dev/v1alpha1';
export const POOLS: ResourceRef = {
  group: 'lkbrowser.dev',
  version: 'v1alpha1',
  plural: 'browserpools',
  kind: POOL_KIND,
};

/** metav1.LabelSelector. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}

export interface BrowserPoolSpec {
  replicas: number;
  sessionNamespaces?: string[];
  /** Sessions without spec.pool whose labels match take from this pool (pool-match.ts). */
  sessionSelector?: LabelSelector;
  viewport: { width: number; height: number; framerate: number };
  allowPrivateNetworks: boolean;
  pod?: {
    image?: string;
    imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
    resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
    nodeSelector?: Record<string, string>;
    runtimeClassName?: string;
  };
}

export interface BrowserPoolStatus {
  replicas?: number;
  readyReplicas?: number;
  startingReplicas?: number;
  claimedReplicas?: number;
  selector?: string;
  observedGeneration?: number;
}

export interface BrowserPool extends KubeObject {
  spec: BrowserPoolSpec;
  status?: BrowserPoolStatus;
}
