// The runtime NetworkPolicy the operator keeps in every namespace where it runs a session (issue #12): the chart
// renders its rules (ingress from the operator to the status port; egress DNS, LiveKit and the public internet
// minus private, link-local, CGNAT and the cluster's ranges) into --runtime-network-policy-file, and the operator
// stamps them, with the runtime pods' selector, into the session's namespace before the first pod there. A chart
// cannot do this when the operator watches all namespaces. Pure: the object only; the reconciler writes it.
import { readFileSync } from 'node:fs';
import type { KubeObject } from '../framework/kube-types.ts';
import { MANAGED_BY, MANAGED_BY_LABEL } from './pod-spec.ts';

export const RUNTIME_NETWORK_POLICY_NAME = 'lkbrowser-runtime';

export interface NetworkPolicy extends KubeObject {
  spec: Record<string, unknown>;
}

/** The rules file: a NetworkPolicy spec without podSelector/policyTypes (the operator sets those). */
export function loadNetworkPolicyRules(path: string): Record<string, unknown> | undefined {
  if (!path) return undefined;
  const doc = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw new Error(`--runtime-network-policy-file ${path}: not a JSON object`);
  const rules = doc as Record<string, unknown>;
  for (const k of Object.keys(rules))
    if (k !== 'ingress' && k !== 'egress')
      throw new Error(`--runtime-network-policy-file ${path}: only ingress and egress, got ${k}`);
  return rules;
}

export function desiredNetworkPolicy(namespace: string, rules: Record<string, unknown>): NetworkPolicy {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: RUNTIME_NETWORK_POLICY_NAME,
      namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
    },
    spec: {
      // Every runtime pod of the namespace (pod-spec.ts selectorLabels), whatever session it serves.
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'lkbrowser-runtime', [MANAGED_BY_LABEL]: MANAGED_BY } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: rules.ingress ?? [],
      egress: rules.egress ?? [],
    },
  };
}
