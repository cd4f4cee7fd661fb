// Smooth scrolling for the room's wheel input. A CDP wheel event scrolls in one jump (DevTools dispatches it with
// precise-pixel deltas, which Chromium never animates), so a mouse wheel at ~10 notches/s became ~10 distinct frames/s
// however high the session's frame rate: viewers saw the page jump, and the stream had nothing to send in between.
// Desktop browsers animate each notch over 100–200 ms; this does the same before the engine: one wheel becomes a few
// smaller wheels on a 60 Hz clock with an ease-out curve, summing exactly to the original delta. A notch that arrives
// while one is running (same pointer position and modifiers) is added to what is left of it, as browsers do.
// Pure planning (WheelSmoother); input-pipeline.ts owns the clock and the engine calls.

/** Length of one notch's animation and of a step (60 Hz). */
export const WHEEL_ANIMATION_MS = 144;
export const WHEEL_STEP_MS = 16;
const STEPS = Math.round(WHEEL_ANIMATION_MS / WHEEL_STEP_MS);

export interface WheelTarget {
  x: number;
  y: number;
  modifiers: number;
}

export interface WheelStep extends WheelTarget {
  deltaX: number;
  deltaY: number;
}

/** Integer steps of `delta` along an ease-out curve (1 - (1 - t)^2); they sum to `delta` exactly. */
export function easeOutSteps(delta: number, steps: number): number[] {
  const out: number[] = [];
  let done = 0;
  for (let i = 1; i <= steps; i++) {
    const t = i / steps;
    const at = i === steps ? delta : Math.round(delta * (1 - (1 - t) * (1 - t)));
    out.push(at - done);
    done = at;
  }
  return out;
}

export class WheelSmoother {
  #target: WheelTarget | undefined;
  #dx: number[] = [];
  #dy: number[] = [];

  /** Steps still to send. */
  get pending(): number {
    return this.#dx.length;
  }

  /**
   * A wheel notch. Returns the step to send at once: what is left of a running animation elsewhere (another
   * position or modifiers: it must land before this one starts), or undefined.
   */
  add(w: WheelStep): WheelStep | undefined {
    let flushed: WheelStep | undefined;
    const t = this.#target;
    if (t && (t.x !== w.x || t.y !== w.y || t.modifiers !== w.modifiers)) flushed = this.flush();
    const restX = this.#dx.reduce((a, b) => a + b, 0);
    const restY = this.#dy.reduce((a, b) => a + b, 0);
    this.#target = { x: w.x, y: w.y, modifiers: w.modifiers };
    this.#dx = easeOutSteps(restX + w.deltaX, STEPS);
    this.#dy = easeOutSteps(restY + w.deltaY, STEPS);
    return flushed;
  }

  /** The next step of the running animation (one per WHEEL_STEP_MS), or undefined when it is over. */
  next(): WheelStep | undefined {
    const t = this.#target;
    if (!t) return undefined;
    // Zero steps (a small delta spread thin) are not sent: the engine would do nothing with them.
    while (this.#dx.length > 0) {
      const deltaX = this.#dx.shift() ?? 0;
      const deltaY = this.#dy.shift() ?? 0;
      if (deltaX !== 0 || deltaY !== 0) return { ...t, deltaX, deltaY };
    }
    this.#target = undefined;
    return undefined;
  }

  /** Everything left as one step (undefined: nothing), and the animation ends. */
  flush(): WheelStep | undefined {
    const t = this.#target;
    const deltaX = this.#dx.reduce((a, b) => a + b, 0);
    const deltaY = this.#dy.reduce((a, b) => a + b, 0);
    this.#target = undefined;
    this.#dx = [];
    this.#dy = [];
    return t && (deltaX !== 0 || deltaY !== 0) ? { ...t, deltaX, deltaY } : undefined;
  }
}
