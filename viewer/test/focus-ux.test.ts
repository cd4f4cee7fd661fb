import assert from 'node:assert/strict';
import { test } from 'node:test';
import { focusLabel, focusRefusedText, ViewerFocus } from '../src/focus-ux.ts';

test('ViewerFocus follows replies, broadcasts and departures', () => {
  const f = new ViewerFocus('me');
  assert.equal(f.mine, false);
  assert.equal(f.set('other'), true);
  assert.equal(f.set('other'), false);
  assert.equal(f.mine, false);
  assert.equal(f.applyRequest({ granted: false, holder: 'other' }), false);
  assert.equal(f.participantLeft('nobody'), false);
  assert.equal(f.participantLeft('other'), true);
  assert.equal(f.holder, null);
  assert.equal(f.applyRequest({ granted: true }), true);
  assert.equal(f.mine, true);
  assert.equal(f.set(null), true);
  assert.equal(f.mine, false);
});

test('focusLabel and focusRefusedText', () => {
  const name = (id: string) => `<${id}>`;
  const table: Array<[boolean, string | null, boolean, boolean, string]> = [
    [false, null, false, false, 'waiting for the browser…'],
    [false, 'bob', false, false, 'waiting for the browser…'],
    [false, null, false, true, 'waiting for the browser…'],
    [true, null, false, false, 'nobody has control'],
    [true, 'me', true, false, 'you have control'],
    [true, 'me', true, true, 'you have control'],
    [true, 'bob', false, false, '<bob> has control'],
    [true, null, false, true, 'asking for control…'],
    [true, 'bob', false, true, 'asking for control…'],
  ];
  for (const [ready, holder, mine, asking, want] of table)
    assert.equal(focusLabel(ready, holder, mine, name, asking), want, JSON.stringify({ ready, holder, mine, asking }));
  assert.equal(focusRefusedText('Bob'), 'Bob has control — ask them to release it');
  assert.equal(focusRefusedText(null), 'someone else has control — ask them to release it');
});
