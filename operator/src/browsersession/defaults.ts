// Defaulting: the CRD's `default:` values plus the operator-config fallbacks, applied to a session spec.
// The apiserver normally applies the CRD defaults already; doing it again here makes the operator correct
// for objects created before a CRD upgrade and lets the unit tests work on sparse specs.
import type { OperatorConfig } from '../config.ts';
import type { ImagePullPolicy } from '../framework/kube-types.ts';
import type { BrowserSession, PodOverrides } from './types.ts';

/** A fully defaulted session spec: everything the pod needs, nothing optional except the user's display name. */
export interface ResolvedSpec {
  url: string;
  room: string;
  identity: string;
  participantName: string;
  livekitUrl: string;
  secretName: string;
  apiKeyKey: string;
  apiSecretKey: string;
  width: number;
  height: number;
  framerate: number;
  audio: boolean;
  allowedOrigins: string[];
  allowPrivateNetworks: boolean;
  idleReleaseSeconds: number;
  priorityIdentities: string[];
  maxDurationSeconds: number;
  emptyRoomTimeoutSeconds: number;
  image: string;
  imagePullPolicy: ImagePullPolicy;
  pod: PodOverrides;
}

export const DEFAULTS = {
  width: 1280,
  height: 720,
  framerate: 30,
  audio: true,
  allowPrivateNetworks: false,
  idleReleaseSeconds: 120,
  maxDurationSeconds: 0,
  emptyRoomTimeoutSeconds: 0,
  apiKeyKey: 'apiKey',
  apiSecretKey: 'apiSecret',
} as const;

export function resolveSpec(session: BrowserSession, config: OperatorConfig): ResolvedSpec {
  const s = session.spec ?? ({} as BrowserSession['spec']);
  const identity = s.participant?.identity ?? session.metadata.name ?? '';
  const secret = s.livekit?.credentialsSecret;
  return {
    url: s.url ?? '',
    room: s.room ?? '',
    identity,
    participantName: s.participant?.name ?? identity,
    livekitUrl: s.livekit?.url ?? config.livekitUrl,
    secretName: secret?.name ?? config.credentialsSecret,
    apiKeyKey: secret?.apiKeyKey ?? DEFAULTS.apiKeyKey,
    apiSecretKey: secret?.apiSecretKey ?? DEFAULTS.apiSecretKey,
    width: s.viewport?.width ?? DEFAULTS.width,
    height: s.viewport?.height ?? DEFAULTS.height,
    framerate: s.viewport?.framerate ?? DEFAULTS.framerate,
    audio: s.audio ?? DEFAULTS.audio,
    allowedOrigins: [...(s.navigation?.allowedOrigins ?? [])],
    allowPrivateNetworks: s.navigation?.allowPrivateNetworks ?? DEFAULTS.allowPrivateNetworks,
    idleReleaseSeconds: s.focus?.idleReleaseSeconds ?? DEFAULTS.idleReleaseSeconds,
    priorityIdentities: [...(s.focus?.priorityIdentities ?? [])],
    maxDurationSeconds: s.lifetime?.maxDurationSeconds ?? DEFAULTS.maxDurationSeconds,
    emptyRoomTimeoutSeconds: s.lifetime?.emptyRoomTimeoutSeconds ?? DEFAULTS.emptyRoomTimeoutSeconds,
    image: s.pod?.image ?? config.runtimeImage,
    imagePullPolicy: s.pod?.imagePullPolicy ?? config.runtimeImagePullPolicy,
    pod: s.pod ?? {},
  };
}
