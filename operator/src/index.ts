// Public surface of the operator package (used by e2e tests and tools).
export * from './types.ts';
export { defaultConfig, loadConfig, helpText, type OperatorConfig } from './config.ts';
export { resolveSpec, type ResolvedSpec } from './defaults.ts';
export { validateSession } from './validate.ts';
export { desiredPod, podNameFor, specHash, SPEC_HASH_ANNOTATION } from './pod-spec.ts';
export { observePod, buildStatus, setConditions } from './status.ts';
export { ClientNodeKube, ApiError, type KubeClient, PODS, SESSIONS, LEASES, EVENTS } from './kube-client.ts';
export { Operator, type OperatorOptions } from './operator.ts';
export { OperatorMetrics } from './metrics.ts';
export { REQUIRED_PERMISSIONS, type Permission } from './rbac.ts';
