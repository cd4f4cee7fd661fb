// Conditions: built once from a ConditionSet, merged with apimachinery's SetStatusCondition semantics.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONDITION_TYPES, cond, sessionConditions, setConditions } from '../../src/browsersession/conditions.ts';

test('sessionConditions: every type once, in order; Ready/Running/Publishing default to the reason, Failed to NoFailure', () => {
  const scheduled = cond('True', 'Scheduled', 'on n1');
  const pending = sessionConditions({ reason: 'Starting', message: 'm', scheduled });
  assert.deepEqual(
    pending.map((c) => c.type),
    [...CONDITION_TYPES],
  );
  assert.deepEqual(pending, [
    { type: 'Ready', status: 'False', reason: 'Starting', message: 'm' },
    { type: 'PodScheduled', status: 'True', reason: 'Scheduled', message: 'on n1' },
    { type: 'Running', status: 'False', reason: 'Starting', message: 'm' },
    { type: 'Publishing', status: 'False', reason: 'Starting', message: 'm' },
    { type: 'Failed', status: 'False', reason: 'NoFailure', message: '' },
  ]);
  const failed = sessionConditions({
    reason: 'PodFailed',
    message: 'evicted',
    scheduled,
    failed: true,
    running: cond('False', 'X'),
  });
  assert.deepEqual(failed[4], { type: 'Failed', status: 'True', reason: 'PodFailed', message: 'evicted' });
  assert.deepEqual(failed[2], { type: 'Running', status: 'False', reason: 'X', message: '' });
});

test('setConditions keeps lastTransitionTime unless the status flips', () => {
  const t1 = '2026-01-01T00:00:00Z';
  const t2 = '2026-01-01T00:05:00Z';
  const first = setConditions(undefined, [{ type: 'Ready', status: 'False', reason: 'Starting', message: 'a' }], 1, t1);
  assert.deepEqual(first, [
    { type: 'Ready', status: 'False', reason: 'Starting', message: 'a', lastTransitionTime: t1, observedGeneration: 1 },
  ]);
  const same = setConditions(first, [{ type: 'Ready', status: 'False', reason: 'Other', message: 'b' }], 2, t2);
  assert.equal(same[0]?.lastTransitionTime, t1);
  assert.equal(same[0]?.reason, 'Other');
  assert.equal(same[0]?.observedGeneration, 2);
  const flipped = setConditions(same, [{ type: 'Ready', status: 'True', reason: 'RuntimeReady', message: '' }], 2, t2);
  assert.equal(flipped[0]?.lastTransitionTime, t2);
  // Ordering is stable and unknown types from elsewhere are kept.
  const mixed = setConditions(
    [{ type: 'Custom', status: 'True', reason: 'X', message: '', lastTransitionTime: t1 }],
    [
      { type: 'Failed', status: 'False', reason: 'NoFailure', message: '' },
      { type: 'Ready', status: 'True', reason: 'R', message: '' },
    ],
    1,
    t2,
  );
  assert.deepEqual(
    mixed.map((c) => c.type),
    ['Ready', 'Failed', 'Custom'],
  );
});
