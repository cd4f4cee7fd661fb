// @lkbrowser/client: drive an lkbrowser runtime from a LiveKit room (agents on @livekit/rtc-node, pages on
// livekit-client). docs/room-protocol.md is the protocol; docs/agents.md the guide.
export type {
  Action,
  ActionOptions,
  ActionResult,
  BatchResult,
  Button,
  FrameRef,
  ScrollDirection,
  XY,
} from './actions.ts';
export {
  AGENT_STATUSES,
  type AgentStatus,
  BrowserClient,
  type BrowserEvents,
  type BrowserStatus,
  type ConnectOptions,
  connect,
  type FocusChange,
  type Screenshot,
  type ScreenshotOptions,
} from './browser-client.ts';
export { ActionError, BrowserError, type BrowserErrorKind } from './errors.ts';
export type { RoomLike } from './room-adapter.ts';
export { type ComputerOutput, anthropicToolResult, executeStep, openaiCallOutput } from './computer-use/execute.ts';
export { ANTHROPIC_TOOL_TYPE, anthropicComputerTool, fromAnthropic } from './computer-use/anthropic.ts';
export { fromOpenAI, openaiComputerTool, openaiKeys } from './computer-use/openai.ts';
export { createScaler, fitModelSize, type Scaler, type Size } from './computer-use/scaling.ts';
export { type ComputerStep, ToolInputError } from './computer-use/step.ts';
