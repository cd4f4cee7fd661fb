export { AnthropicPlanner } from './anthropic-planner.ts';
export { type AgentRun, runAgent } from './form-agent.ts';
export type { Decision, Observation, Planner } from './planner.ts';
export { type FormTask, ScriptedPlanner } from './scripted-planner.ts';
export { FORM_PAGES } from './site.ts';
