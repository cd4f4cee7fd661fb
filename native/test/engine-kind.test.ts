// Which engine a context picks: the option wins, then $LKB_ENGINE, then the Xvfb Chromium engine.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveEngine } from '../src/engine-kind.ts';

test('resolveEngine: option, then LKB_ENGINE, then chromium; unknown names are refused', () => {
  const cases: [string | undefined, string | undefined, string][] = [
    [undefined, undefined, 'chromium'],
    [undefined, '', 'chromium'],
    [undefined, 'cef', 'cef'],
    [undefined, 'chromium', 'chromium'],
    ['cef', 'chromium', 'cef'],
    ['chromium', 'cef', 'chromium'],
  ];
  for (const [opt, env, want] of cases) assert.equal(resolveEngine(opt, env), want, `option ${opt}, env ${env}`);
  assert.throws(() => resolveEngine('webkit', undefined), /unknown engine "webkit"/);
  assert.throws(() => resolveEngine(undefined, 'CEF'), /unknown engine "CEF"/);
});
