export { descendants, type ProcessInfo, processes, processTree } from './processes.ts';
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
export {
  hostInterfaceAddress,
  type LiveKitConfigInput,
  type LiveKitServer,
  type LiveKitServerOptions,
  type LiveKitServerPorts,
  livekitServerBinary,
  livekitServerConfig,
  parseServerVersion,
  startLiveKitServer,
} from './livekit-server.ts';
export { describeSfu, SFU_SWITCH, type Sfu, type SfuKind, sfuKind, startSfu } from './sfu.ts';
export { type PageServer, servePages } from './page-server.ts';
export { KubeNode, type KubeNodeOptions, mountsUnder, NODE_NAME, startKubeNode } from './kube-node.ts';
