export { type CdpChannel, type CdpMessage, discoverBrowserWebSocket, webSocketChannel } from './channel.ts';
export { CdpMux, type CdpMuxOptions, SESSION_NOT_FOUND } from './cdp-mux.ts';
export { CdpConnection, CdpError } from './connection.ts';
export type {
  CdpConnectionEvents,
  CdpConnectionOptions,
  CdpEventListener,
  CdpParams,
  SendOptions,
} from './connection.ts';
export { editingCommands, keyDefinition, knownKeyCodes, resolveKey } from './keys.ts';
export type { KeyDefinition, ResolvedKey } from './keys.ts';
export { PageDriver } from './page-driver.ts';
export type { DialogInfo, NavigateOptions, PageDriverEvents, PageDriverOptions } from './page-driver.ts';
