// Desktop-like multi-click counting for callers that give no clickCount, and the buttons held between press and
// release. Shared by both engines' input (cdp/page-driver.ts, cef-input.ts).
import type { MouseButton } from './engine-api.ts';

/** Desktop-like multi-click detection when callers give no clickCount (GTK defaults: 400 ms, 5 px). */
export const MULTI_CLICK_MS = 500;
export const MULTI_CLICK_PX = 4;
/** CDP `buttons` bits (= DOM MouseEvent.buttons). */
export const BUTTON_BITS: Record<MouseButton, number> = { left: 1, right: 2, middle: 4 };

export class ClickCounter {
  /** Buttons held (CDP/DOM mask) according to press/release seen so far. */
  buttons = 0;
  #last: { button: MouseButton; x: number; y: number; at: number; count: number } | undefined;

  /**
   * A press: without `given`, a press of the same button within 500 ms and 4 px of the previous one continues the
   * series (2 = double, 3 = triple). Returns the click count.
   */
  press(button: MouseButton, x: number, y: number, now: number, given?: number): number {
    const prev = this.#last;
    const continues =
      prev !== undefined &&
      prev.button === button &&
      now - prev.at <= MULTI_CLICK_MS &&
      Math.abs(prev.x - x) <= MULTI_CLICK_PX &&
      Math.abs(prev.y - y) <= MULTI_CLICK_PX;
    const count = given ?? (continues && prev ? Math.min(prev.count + 1, 3) : 1);
    this.#last = { button, x, y, at: now, count };
    this.buttons |= BUTTON_BITS[button];
    return count;
  }

  /** A release: the count of the matching press unless given. */
  release(button: MouseButton, given?: number): number {
    this.buttons &= ~BUTTON_BITS[button];
    return given ?? (this.#last?.button === button ? this.#last.count : 1);
  }
}
