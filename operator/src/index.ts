// Public surface of the operator package (used by e2e tests, the chart's tests and tools).
export * from './browsersession/types.ts';
export * from './framework/kube-types.ts';
export { defaultConfig, loadConfig, helpText, type OperatorConfig } from './config.ts';
export { resolveSpec, type ResolvedSpec } from './browsersession/resolved-spec.ts';
export { checkSpec } from './browsersession/spec-checks.ts';
export {
  AUTOMATION_PORT,
  desiredPod,
  podNameFor,
  selectorLabels,
  specHash,
  SPEC_HASH_ANNOTATION,
} from './browsersession/pod-spec.ts';
export { CONDITION_TYPES, type ConditionType, Reasons, setConditions } from './browsersession/conditions.ts';
export { invalidObservation, observePod, podCreateFailedObservation } from './browsersession/observation.ts';
export { buildStatus } from './browsersession/status.ts';
export {
  ClientNodeKube,
  ApiError,
  type KubeClient,
  PODS,
  LEASES,
  EVENTS,
  SECRETS,
  NETWORK_POLICIES,
} from './framework/kube-client.ts';
export { SESSIONS } from './browsersession/resource.ts';
export { Informer, type InformerHandlers, type InformerOptions } from './framework/informer.ts';
export { Operator, type OperatorOptions } from './operator.ts';
export { OperatorMetrics } from './framework/metrics.ts';
export { REQUIRED_PERMISSIONS, type Permission } from './rbac.ts';
export * from './livekit/room-token.ts';
export { readCredentials } from './livekit/credentials.ts';
export { desiredTokenSecret, tokenSecretNameFor, TOKEN_FILE, TOKEN_MOUNT_PATH } from './browsersession/token-secret.ts';
export {
  automationSecretNameFor,
  automationToken,
  desiredAutomationSecret,
} from './browsersession/automation-secret.ts';
export {
  checkPolicy,
  DEFAULT_POLICY,
  loadPolicy,
  parsePolicy,
  type SessionPolicy,
} from './policy/session-policy.ts';
export {
  desiredNetworkPolicy,
  loadNetworkPolicyRules,
  RUNTIME_NETWORK_POLICY_NAME,
} from './browsersession/network-policy.ts';
