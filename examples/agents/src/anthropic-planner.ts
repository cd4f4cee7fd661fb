// A real LLM as the planner: Anthropic's Messages API with the computer-use tool (beta), over fetch. Used when
// ANTHROPIC_API_KEY is set (see README.md); not exercised by the tests (no network here).
import { ANTHROPIC_TOOL_TYPE } from '@lkbrowser/client';
import type { Decision, Observation, Planner } from './planner.ts';

interface Block {
  type: string;
  id?: string;
  name?: string;
  input?: Record<string, unknown>;
  text?: string;
}

export class AnthropicPlanner implements Planner {
  readonly #key: string;
  readonly #model: string;
  readonly #display: { width: number; height: number };
  readonly #messages: Array<{ role: 'user' | 'assistant'; content: unknown }> = [];
  #pendingToolUse: string | undefined;

  constructor(
    task: string,
    display: { width: number; height: number },
    key: string,
    model = process.env.ANTHROPIC_MODEL ?? 'claude-sonnet-4-5',
  ) {
    this.#key = key;
    this.#model = model;
    this.#display = display;
    this.#messages.push({ role: 'user', content: `${task}\nWhen you are done, answer with the result in plain text.` });
  }

  async next(obs: Observation): Promise<Decision> {
    if (this.#pendingToolUse) {
      const content = obs.png
        ? [
            {
              type: 'image',
              source: { type: 'base64', media_type: 'image/png', data: Buffer.from(obs.png).toString('base64') },
            },
          ]
        : [{ type: 'text', text: obs.text ?? 'done' }];
      this.#messages.push({
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: this.#pendingToolUse, content }],
      });
      this.#pendingToolUse = undefined;
    }
    const res = await fetch('https://api.anthropic.com/v1/messages', {
      method: 'POST',
      headers: {
        'x-api-key': this.#key,
        'anthropic-version': '2023-06-01',
        'anthropic-beta': 'computer-use-2025-01-24',
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        model: this.#model,
        max_tokens: 1024,
        tools: [
          {
            type: ANTHROPIC_TOOL_TYPE,
            name: 'computer',
            display_width_px: this.#display.width,
            display_height_px: this.#display.height,
          },
        ],
        messages: this.#messages,
      }),
    });
    if (!res.ok) throw new Error(`Anthropic API: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { content: Block[] };
    this.#messages.push({ role: 'assistant', content: body.content });
    const use = body.content.find((b) => b.type === 'tool_use');
    if (use?.id && use.input) {
      this.#pendingToolUse = use.id;
      return { tool: use.input, thought: body.content.find((b) => b.type === 'text')?.text };
    }
    return { done: body.content.map((b) => b.text ?? '').join('') };
  }
}
