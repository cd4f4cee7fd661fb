// Which engine a context uses: the explicit option wins, then $LKB_ENGINE, then the Xvfb Chromium engine.
import type { EngineKind } from './engine-api.ts';

export const ENGINE_KINDS: readonly EngineKind[] = ['chromium', 'cef'];

export function resolveEngine(option: string | undefined, env: string | undefined): EngineKind {
  const pick = option ?? (env === undefined || env === '' ? undefined : env);
  if (pick === undefined) return 'chromium';
  const kind = ENGINE_KINDS.find((k) => k === pick);
  if (!kind) throw new RangeError(`unknown engine ${JSON.stringify(pick)} (expected ${ENGINE_KINDS.join(' or ')})`);
  return kind;
}
