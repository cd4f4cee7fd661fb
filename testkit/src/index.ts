export { waitFor, withTimeout } from './wait.ts';
export { toolPath, toolsDir, toolVersions } from './tools.ts';
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
