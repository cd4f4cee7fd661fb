// What the operator adds to a served spec: its own fallbacks for what a session may leave to it (LiveKit URL,
// credentials Secret, runtime image of the session's engine) and the identity that follows from metadata.name. The CRD's defaults are
// not repeated here: the API server applies them before the operator sees the object.
import type { OperatorConfig } from '../config.ts';
import type { ImagePullPolicy } from '../framework/kube-types.ts';
import type { BrowserSession, BrowserSessionSpec } from './types.ts';

/** Key names in the operator's own credentials Secret (--credentials-secret; the chart's templates/secret.yaml). */
export const OPERATOR_SECRET_KEYS = { apiKeyKey: 'apiKey', apiSecretKey: 'apiSecret' } as const;

export interface ResolvedSpec {
  /** The spec as served, CRD defaults applied. */
  spec: BrowserSessionSpec;
  identity: string;
  participantName: string;
  /** '' when neither the session nor the operator names a LiveKit server (checkSpec refuses it). */
  livekitUrl: string;
  credentials: { secretName: string; apiKeyKey: string; apiSecretKey: string };
  image: string;
  /** Whether the operator has a CEF runtime image (--cef-runtime-image), which a cef session needs. */
  cefOffered: boolean;
  imagePullPolicy: ImagePullPolicy;
}

export function resolveSpec(session: BrowserSession, config: OperatorConfig): ResolvedSpec {
  const s = session.spec;
  const identity = s.participant?.identity ?? session.metadata.name ?? '';
  const secret = s.livekit?.credentialsSecret;
  return {
    spec: s,
    identity,
    participantName: s.participant?.name ?? identity,
    livekitUrl: s.livekit?.url ?? config.livekitUrl,
    credentials: secret
      ? { secretName: secret.name, apiKeyKey: secret.apiKeyKey, apiSecretKey: secret.apiSecretKey }
      : { secretName: config.credentialsSecret, ...OPERATOR_SECRET_KEYS },
    image: s.pod?.image ?? (s.engine === 'cef' ? config.cefRuntimeImage : config.runtimeImage),
    cefOffered: config.cefRuntimeImage !== '',
    imagePullPolicy: s.pod?.imagePullPolicy ?? config.runtimeImagePullPolicy,
  };
}
