// What one tool call of a computer-use model becomes: actions for browser/actions, and whether the model wants a
// screenshot or the cursor position back. Both adapters (anthropic.ts, openai.ts) produce it; execute.ts runs it.
import type { Action } from '../actions.ts';

export interface ComputerStep {
  actions: Action[];
  /** Answer with a screenshot (the model's `screenshot` action, or after actions when the caller wants one). */
  screenshot: boolean;
  /** Answer with the pointer position in model coordinates. */
  cursorPosition: boolean;
}

export class ToolInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolInputError';
  }
}
