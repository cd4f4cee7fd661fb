// The per-session Secret holding the runtime's join token (key `token`), in the session's namespace, controlled by
// the BrowserSession (garbage-collected with it). The pod mounts it as a file (LKB_TOKEN_FILE); the operator
// rewrites it before the token expires and the kubelet updates the mounted file, which the runtime re-reads.
// Pure: the object only; the reconciler writes it.
import { createHash } from 'node:crypto';
import type { Secret } from '../framework/kube-types.ts';
import { labelValue, MANAGED_BY, MANAGED_BY_LABEL, ownerReference, SESSION_LABEL } from './pod-spec.ts';
import type { BrowserSession } from './types.ts';

export const TOKEN_KEY = 'token';
export const TOKEN_EXPIRES_ANNOTATION = 'lkbrowser.dev/token-expires-at';
/** Where the pod mounts the Secret (read-only); LKB_TOKEN_FILE is `${TOKEN_MOUNT_PATH}/${TOKEN_KEY}`. */
export const TOKEN_MOUNT_PATH = '/var/run/lkbrowser/livekit';
export const TOKEN_FILE = `${TOKEN_MOUNT_PATH}/${TOKEN_KEY}`;

/** `<session>-livekit-token`, shortened with a hash when it would exceed 253 characters. */
export function tokenSecretNameFor(sessionName: string): string {
  const n = `${sessionName}-livekit-token`;
  if (n.length <= 253) return n;
  const h = createHash('sha256').update(sessionName).digest('hex').slice(0, 10);
  return `${sessionName.slice(0, 220).replace(/[-.]+$/, '')}-${h}-livekit-token`;
}

export function desiredTokenSecret(session: BrowserSession, token: string, expiresAtMs: number): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: tokenSecretNameFor(session.metadata.name ?? ''),
      namespace: session.metadata.namespace ?? '',
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [SESSION_LABEL]: labelValue(session.metadata.name ?? '') },
      annotations: { [TOKEN_EXPIRES_ANNOTATION]: new Date(expiresAtMs).toISOString() },
      ownerReferences: [ownerReference(session)],
    },
    type: 'Opaque',
    stringData: { [TOKEN_KEY]: token },
  };
}
