// Public surface of the operator package (used by e2e tests and tools).
export * from './browsersession/types.ts';
export * from './framework/kube-types.ts';
export { defaultConfig, loadConfig, helpText, type OperatorConfig } from './config.ts';
export { resolveSpec, type ResolvedSpec } from './browsersession/defaults.ts';
export { validateSession } from './browsersession/validate.ts';
export { desiredPod, podNameFor, selectorLabels, specHash, SPEC_HASH_ANNOTATION } from './browsersession/pod-spec.ts';
export { observePod, buildStatus, invalidObservation, setConditions } from './browsersession/status.ts';
export { ClientNodeKube, ApiError, type KubeClient, PODS, SESSIONS, LEASES, EVENTS } from './framework/kube-client.ts';
export { Operator, type OperatorOptions } from './operator.ts';
export { OperatorMetrics } from './framework/metrics.ts';
export { REQUIRED_PERMISSIONS, type Permission } from './rbac.ts';
