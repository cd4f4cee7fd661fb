// The planner of the tests: fills the sign-up form, submits it, follows the link and reads the result from the
// last screenshot (the red channel of the swatch on the done page), as an LLM would from the image. No network.
import sharp from 'sharp';
import type { Decision, Observation, Planner } from './planner.ts';

export interface FormTask {
  name: string;
  city: string;
}

/** Coordinates are the model's (the agent scales screenshots to 640x480 for an 800x600 page). */
export class ScriptedPlanner implements Planner {
  readonly #steps: Array<Record<string, unknown>>;
  #i = 0;

  constructor(task: FormTask) {
    this.#steps = [
      { action: 'screenshot' },
      { action: 'left_click', coordinate: [200, 100] },
      { action: 'type', text: task.name },
      { action: 'key', text: 'Tab' },
      { action: 'type', text: task.city },
      { action: 'key', text: 'Return' },
      { action: 'wait', duration: 1 },
      { action: 'screenshot' },
      { action: 'left_click', coordinate: [200, 264] },
      { action: 'wait', duration: 1 },
      { action: 'screenshot' },
    ];
  }

  async next(obs: Observation): Promise<Decision> {
    const step = this.#steps[this.#i++];
    if (step) return { tool: step, thought: `step ${this.#i}` };
    if (!obs.png) return { done: 'no screenshot' };
    // Read the swatch (page 500..600 x 300..400 → model 400..480 x 240..320) from the image.
    const img = await sharp(obs.png).raw().toBuffer({ resolveWithObject: true });
    const o = (280 * img.info.width + 440) * img.info.channels;
    return { done: `code ${img.data[o]}` };
  }
}
