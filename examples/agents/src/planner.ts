// A planner decides the next computer-use tool call from what the agent saw; it is the LLM's seat. Observations
// and decisions use Anthropic's computer tool format (fromAnthropic maps them onto the actions API).
export interface Observation {
  /** The last screenshot (PNG, model size) and the page it shows. */
  png?: Uint8Array;
  url: string;
  title: string;
  /** Text the last tool call returned ("done", "X=..,Y=..", or an error). */
  text?: string;
}

export type Decision = { tool: Record<string, unknown>; thought?: string } | { done: string };

export interface Planner {
  next(obs: Observation): Promise<Decision>;
}
