// What the operator adds to a served spec: its own choices that a session cannot make (the LiveKit URL) or may
// leave to it (runtime image, per engine), and the identity that follows from metadata.name. The CRD's defaults are
// not repeated here: the API server applies them before the operator sees the object.
import type { OperatorConfig } from '../config.ts';
import type { ImagePullPolicy } from '../framework/kube-types.ts';
import type { BrowserSession, BrowserSessionSpec } from './types.ts';

export interface ResolvedSpec {
  /** The spec as served, CRD defaults applied. */
  spec: BrowserSessionSpec;
  identity: string;
  participantName: string;
  /** Always the operator's --livekit-url: a CR cannot send its runtime's token to another server. */
  livekitUrl: string;
  image: string;
  /** Whether the operator has a CEF runtime image (--cef-runtime-image), which a cef session needs. */
  cefOffered: boolean;
  imagePullPolicy: ImagePullPolicy;
}

export function resolveSpec(session: BrowserSession, config: OperatorConfig): ResolvedSpec {
  const s = session.spec;
  const identity = s.participant?.identity ?? session.metadata.name ?? '';
  return {
    spec: s,
    identity,
    participantName: s.participant?.name ?? identity,
    livekitUrl: config.livekitUrl,
    image: s.pod?.image ?? (s.engine === 'cef' ? config.cefRuntimeImage : config.runtimeImage),
    cefOffered: config.cefRuntimeImage !== '',
    imagePullPolicy: s.pod?.imagePullPolicy ?? config.runtimeImagePullPolicy,
  };
}
