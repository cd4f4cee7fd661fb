// DOM mouse/wheel → room-protocol mouse events. Pure.

import { buttonsToFlags, type InputEvent, type MouseButton } from '@lkbrowser/protocol';

// One definition with the CEF engine's (protocol/src/cef-flags.ts).
export { buttonsToFlags };

/** Pixels per wheel "line" (DOM deltaMode 1), as Chromium scrolls one line. */
export const LINE_PX = 40;

/** DOM MouseEvent.button (0 left, 1 middle, 2 right, 3/4 back/forward) → protocol button, or null (not forwarded). */
export function domButton(button: number): MouseButton | null {
  return button === 0 || button === 1 || button === 2 ? button : null;
}

/** Click count from MouseEvent.detail (1 single, 2 double, 3 triple; more clicks stay triple). */
export function clickCount(detail: number): number {
  if (!Number.isFinite(detail) || detail < 1) return 1;
  return Math.min(3, Math.floor(detail));
}

export interface Point {
  x: number;
  y: number;
}

export function moveEvent(p: Point, buttons: number, keyMods: number): InputEvent {
  return { type: 'mousemove', x: p.x, y: p.y, modifiers: keyMods | buttonsToFlags(buttons) };
}

/**
 * mousedown/mouseup. `buttons` is the DOM buttons mask after the event (for mouseup the released button is already
 * cleared); the flag of the changing button is included on mousedown as CEF does.
 */
export function buttonEvent(
  type: 'mousedown' | 'mouseup',
  p: Point,
  button: number,
  detail: number,
  buttons: number,
  keyMods: number,
): InputEvent | null {
  const b = domButton(button);
  if (b === null) return null;
  return {
    type,
    x: p.x,
    y: p.y,
    button: b,
    clickCount: clickCount(detail),
    modifiers: keyMods | buttonsToFlags(buttons),
  };
}

/**
 * WheelEvent → protocol wheel in pixels with the seed/CEF sign (positive deltaY scrolls up = −DOM deltaY).
 * deltaMode 0 pixels, 1 lines (× LINE_PX), 2 pages (× page size). Returns null for a zero delta.
 */
export function wheelEvent(
  p: Point,
  deltaX: number,
  deltaY: number,
  deltaMode: number,
  page: { width: number; height: number },
): InputEvent | null {
  const sx = deltaMode === 1 ? LINE_PX : deltaMode === 2 ? page.width : 1;
  const sy = deltaMode === 1 ? LINE_PX : deltaMode === 2 ? page.height : 1;
  const dx = -Math.round(deltaX * sx);
  const dy = -Math.round(deltaY * sy);
  if (dx === 0 && dy === 0) return null;
  const e: { type: 'wheel'; x: number; y: number; deltaX?: number; deltaY?: number } = {
    type: 'wheel',
    x: p.x,
    y: p.y,
  };
  if (dx !== 0) e.deltaX = dx + 0; // + 0 turns -0 into 0
  if (dy !== 0) e.deltaY = dy + 0;
  return e;
}

/** Coalesces mousemoves to one per animation frame; buttons/wheel/keys flush the pending move first (order kept). */
export class MoveThrottle {
  private pending: InputEvent | null = null;
  /** Store the latest move; returns true if a frame callback must be scheduled. */
  push(e: InputEvent): boolean {
    const schedule = this.pending === null;
    this.pending = e;
    return schedule;
  }
  take(): InputEvent | null {
    const e = this.pending;
    this.pending = null;
    return e;
  }
}
