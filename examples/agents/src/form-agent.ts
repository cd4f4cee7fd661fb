// An agent that completes a task on the page with a planner (scripted or an LLM): it takes focus, broadcasts its
// status (thinking / acting / paused / idle), runs each tool call through the actions API, answers with
// screenshots scaled to the model's size, pauses when a human takes over and resumes when focus comes back.
import {
  type BrowserClient,
  type ComputerOutput,
  createScaler,
  executeStep,
  fromAnthropic,
  ToolInputError,
} from '@lkbrowser/client';
import type { Observation, Planner } from './planner.ts';

export interface AgentRun {
  result: string;
  steps: number;
  interruptions: number;
}

export async function runAgent(
  b: BrowserClient,
  planner: Planner,
  opts: { maxSteps?: number; model?: { width: number; height: number } } = {},
): Promise<AgentRun> {
  const scaler = createScaler(b.viewport, opts.model);
  let interruptions = 0;
  const offLost = b.on('focus-lost', () => {
    interruptions++;
  });
  try {
    await b.acquireFocus();
    let obs: Observation = { url: b.url, title: '' };
    for (let step = 0; step < (opts.maxSteps ?? 50); step++) {
      await b.setAgentStatus('thinking');
      const d = await planner.next(obs);
      if ('done' in d) {
        await b.setAgentStatus('idle');
        await b.releaseFocus();
        return { result: d.done, steps: step, interruptions };
      }
      if (!b.hasFocus) {
        // A human took over: wait (paused) until focus is free again, then go on with the same plan.
        await b.setAgentStatus('paused');
        await b.acquireFocus(10 * 60_000);
      }
      await b.setAgentStatus('acting');
      let out: ComputerOutput;
      try {
        out = await executeStep(b, scaler, fromAnthropic(d.tool, scaler));
      } catch (e) {
        if (!(e instanceof ToolInputError)) throw e;
        out = { kind: 'text', text: `invalid tool input: ${e.message}`, error: true };
      }
      obs =
        out.kind === 'screenshot'
          ? { png: out.png, url: out.url, title: out.title }
          : { url: b.url, title: '', text: out.text };
    }
    throw new Error('the planner did not finish within maxSteps');
  } finally {
    offLost();
  }
}
