// Runs a ComputerStep against the browser and builds what goes back to the model: a screenshot (PNG, scaled to the
// model's size), the cursor position in model coordinates, or a text note; errors become text the model can read.
import type { BrowserClient } from '../browser-client.ts';
import { BrowserError } from '../errors.ts';
import type { Scaler } from './scaling.ts';
import type { ComputerStep } from './step.ts';

export type ComputerOutput =
  | { kind: 'screenshot'; png: Uint8Array; width: number; height: number; url: string; title: string }
  | { kind: 'text'; text: string; error: boolean };

export async function executeStep(
  b: BrowserClient,
  s: Scaler,
  step: ComputerStep,
  opts: { screenshotAfterActions?: boolean } = {},
): Promise<ComputerOutput> {
  try {
    let cursor: { x: number; y: number } | undefined;
    if (step.actions.length > 0 || step.cursorPosition) {
      const r = await b.run([...step.actions, ...(step.cursorPosition ? [{ type: 'cursor_position' as const }] : [])], {
        waitFrame: true,
      });
      cursor = r.cursor;
    }
    if (step.cursorPosition && cursor) {
      const m = s.toModel(cursor.x, cursor.y);
      return { kind: 'text', text: `X=${m.x},Y=${m.y}`, error: false };
    }
    if (step.screenshot || opts.screenshotAfterActions) {
      const shot = await b.screenshot({ scale: s.scale });
      return {
        kind: 'screenshot',
        png: shot.png,
        width: shot.width,
        height: shot.height,
        url: shot.url,
        title: shot.title,
      };
    }
    return { kind: 'text', text: 'done', error: false };
  } catch (e) {
    if (e instanceof BrowserError) return { kind: 'text', text: `error (${e.kind}): ${e.message}`, error: true };
    throw e;
  }
}

const b64 = (png: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < png.length; i += 0x8000) s += String.fromCharCode(...png.subarray(i, i + 0x8000));
  return btoa(s);
};

/** Anthropic `tool_result` content for a computer tool call. */
export function anthropicToolResult(toolUseId: string, out: ComputerOutput): Record<string, unknown> {
  if (out.kind === 'screenshot') {
    return {
      type: 'tool_result',
      tool_use_id: toolUseId,
      content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: b64(out.png) } }],
    };
  }
  return {
    type: 'tool_result',
    tool_use_id: toolUseId,
    content: [{ type: 'text', text: out.text }],
    is_error: out.error,
  };
}

/** OpenAI `computer_call_output` item (the Responses API wants a screenshot every time; text-only outputs are
 *  not part of that tool, so callers pass screenshotAfterActions for OpenAI). */
export function openaiCallOutput(callId: string, out: ComputerOutput): Record<string, unknown> {
  if (out.kind !== 'screenshot')
    throw new Error('openai computer_call_output needs a screenshot: run the step with screenshotAfterActions');
  return {
    type: 'computer_call_output',
    call_id: callId,
    output: { type: 'input_image', image_url: `data:image/png;base64,${b64(out.png)}` },
  };
}
