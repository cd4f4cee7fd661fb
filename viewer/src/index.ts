// @lkbrowser/viewer: embed a lkbrowser session in a web page.
export { BrowserViewer, type BrowserViewerEvents, type BrowserViewerOptions } from './viewer.ts';
export {
  BrowserError,
  BrowserRoomClient,
  type BrowserRoomClientEvents,
  type BrowserRoomClientOptions,
} from './room-client.ts';
export { ViewerFocus } from './focus-ux.ts';
export { containBox, mapToPage } from './coords.ts';
export { isPasteShortcut, keyModifiers, translateKey, vkFor } from './keys.ts';
export { buttonEvent, buttonsToFlags, clickCount, LINE_PX, wheelEvent } from './mouse.ts';
export * from '@lkbrowser/protocol';
