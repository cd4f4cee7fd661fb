// @lkbrowser/native: the engine (Chromium under Xvfb, captured by the C++ engine host).
export * from './engine-api.ts';
export { createContext, EngineContext } from './context.ts';
export type { EngineContextOptions } from './context.ts';
export { EnginePage } from './page.ts';
export type { EnginePaintEvent } from './page.ts';
export { ENGINE_KINDS, resolveEngine } from './engine-kind.ts';
export type { CdpChannel, CdpMessage } from './cdp/channel.ts';
