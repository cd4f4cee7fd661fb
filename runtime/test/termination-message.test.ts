import assert from 'node:assert/strict';
import { test } from 'node:test';
import { terminationMessage } from '../src/termination-message.ts';

test('termination message: reason kept, tokens redacted, bounded', () => {
  const cases: Array<[string, string]> = [
    ['room disconnected', 'room disconnected'],
    [
      'runtime failed to start: engine: signal failure: client error: 401 Unauthorized - invalid token: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.abc-_DEF',
      'runtime failed to start: engine: signal failure: client error: 401 Unauthorized - invalid token: <token>',
    ],
    ['two eyJa.eyJb.c and eyJd.e.f', 'two <token> and <token>'],
  ];
  for (const [input, want] of cases) assert.equal(terminationMessage(input), want);
  assert.equal(terminationMessage('x'.repeat(5000)).length, 2000);
});
