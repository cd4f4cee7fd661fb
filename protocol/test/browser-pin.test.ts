import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BrowserCandidate, decideBrowser, type PinDecision, type PinState } from '../src/index.ts';

const role = { 'lkbrowser.dev/role': 'browser' };

test('decideBrowser: role attribute, expected identity, first adoption pinned', () => {
  const rows: Array<[string, PinState, BrowserCandidate, PinDecision]> = [
    [
      'attested browser, nothing configured',
      { expected: undefined, pinned: null },
      { identity: 'b', attributes: role, publishesVideo: true },
      { adopt: true },
    ],
    [
      'no attributes at all',
      { expected: undefined, pinned: null },
      { identity: 'b', attributes: undefined, publishesVideo: true },
      { adopt: false, reason: 'no-role' },
    ],
    [
      'other role value',
      { expected: undefined, pinned: null },
      { identity: 'b', attributes: { 'lkbrowser.dev/role': 'Browser' }, publishesVideo: true },
      { adopt: false, reason: 'no-role' },
    ],
    [
      'similar key',
      { expected: undefined, pinned: null },
      { identity: 'b', attributes: { role: 'browser' }, publishesVideo: true },
      { adopt: false, reason: 'no-role' },
    ],
    [
      'attested but no browser-video yet',
      { expected: undefined, pinned: null },
      { identity: 'b', attributes: role, publishesVideo: false },
      { adopt: false, reason: 'no-video' },
    ],
    [
      'expected identity matches',
      { expected: 'b', pinned: null },
      { identity: 'b', attributes: role, publishesVideo: true },
      { adopt: true },
    ],
    [
      'attested impostor, other identity than expected',
      { expected: 'b', pinned: null },
      { identity: 'x', attributes: role, publishesVideo: true },
      { adopt: false, reason: 'not-expected' },
    ],
    [
      'expected identity without the role',
      { expected: 'b', pinned: null },
      { identity: 'b', attributes: {}, publishesVideo: true },
      { adopt: false, reason: 'no-role' },
    ],
    [
      'empty expected = not configured',
      { expected: '', pinned: null },
      { identity: 'x', attributes: role, publishesVideo: true },
      { adopt: true },
    ],
    [
      'pinned identity rejoins (runtime restart)',
      { expected: undefined, pinned: 'b' },
      { identity: 'b', attributes: role, publishesVideo: true },
      { adopt: true },
    ],
    [
      'attested newcomer after the pin',
      { expected: undefined, pinned: 'b' },
      { identity: 'x', attributes: role, publishesVideo: true },
      { adopt: false, reason: 'pinned-other' },
    ],
    [
      'pinned identity rejoins without the role',
      { expected: undefined, pinned: 'b' },
      { identity: 'b', attributes: {}, publishesVideo: true },
      { adopt: false, reason: 'no-role' },
    ],
    [
      'pinned and expected agree',
      { expected: 'b', pinned: 'b' },
      { identity: 'b', attributes: role, publishesVideo: true },
      { adopt: true },
    ],
  ];
  for (const [what, state, candidate, want] of rows) assert.deepEqual(decideBrowser(state, candidate), want, what);
});
