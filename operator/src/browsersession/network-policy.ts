// The runtime NetworkPolicy the operator keeps in every namespace where it runs a session (issue #12): the chart
// renders its rules (ingress from the operator to the status port; egress DNS, LiveKit and the public internet
// minus private, link-local, CGNAT and the cluster's ranges) into --runtime-network-policy-file, and the operator
// stamps them, with the runtime pods' selector, into the session's namespace before the first pod there. A chart
// cannot do this when the operator watches all namespaces. Warm pool pods (the pool's namespace) get the same.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { isConflict, type KubeClient, NETWORK_POLICIES } from '../framework/kube-client.ts';
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

/**
 * Writes the runtime NetworkPolicy into a namespace before the operator's first runtime pod there (create, else
 * replace), once per namespace and operator process. Shared by the session and pool reconcilers.
 */
export class RuntimeNetworkPolicies {
  readonly #client: KubeClient;
  readonly #rules: Record<string, unknown> | undefined;
  readonly #written = new Set<string>();

  /** No rules: no NetworkPolicy is managed. */
  constructor(client: KubeClient, rules: Record<string, unknown> | undefined) {
    this.#client = client;
    this.#rules = rules;
  }

  async ensure(namespace: string, log: Logger): Promise<void> {
    if (!this.#rules || this.#written.has(namespace)) return;
    const np = desiredNetworkPolicy(namespace, this.#rules);
    try {
      await this.#client.create<NetworkPolicy>(NETWORK_POLICIES, namespace, np);
    } catch (e) {
      if (!isConflict(e)) throw e;
      // Ours from an earlier run, or someone's under our name: the operator's rules win (unconditional PUT).
      await this.#client.replace<NetworkPolicy>(NETWORK_POLICIES, namespace, np.metadata.name ?? '', np);
    }
    this.#written.add(namespace);
    log.info({ networkPolicy: np.metadata.name, namespace }, 'runtime NetworkPolicy written');
  }
}
