export { waitFor, withTimeout } from './wait.ts';
export { toolPath, toolsDir, toolVersions } from './tools.ts';
export {
  type ApiResponse,
  type AuditEvent,
  BUILTIN_USERS,
  KUBERNETES_SERVICE_IP,
  KubeControlPlane,
  type KubeControlPlaneOptions,
  type KubeUser,
  type RunOptions,
  type RunResult,
  SERVICE_CIDR,
  startKubeControlPlane,
} from './kube-control-plane.ts';
