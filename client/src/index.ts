// @lkbrowser/client: drive an lkbrowser runtime from a LiveKit room (agents on @livekit/rtc-node, pages on
// livekit-client). docs/room-protocol.md is the protocol; docs/agents.md the guide.
export type { Action, ActionOptions, ActionResult, BatchResult, Button, FrameRef, ScrollDirection, XY } from './actions.ts';
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
