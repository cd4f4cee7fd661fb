// Which pool a session matches by labels (pool-match.ts): label selector semantics, namespace admission, the
// fixed choice among several pools.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BrowserSession } from '../../src/browsersession/types.ts';
import { matchingPools, pickPool, selectorMatches } from '../../src/browserpool/pool-match.ts';
import type { BrowserPool, LabelSelector } from '../../src/browserpool/types.ts';

const pool = (ns: string, name: string, sel?: LabelSelector, extra: Partial<BrowserPool['spec']> = {}): BrowserPool =>
  ({
    apiVersion: 'lkbrowser.dev/v1alpha1',
    kind: 'BrowserPool',
    metadata: { namespace: ns, name, uid: `${ns}-${name}` },
    spec: {
      replicas: 1,
      viewport: { width: 1280, height: 720, framerate: 30 },
      allowPrivateNetworks: false,
      ...(sel ? { sessionSelector: sel } : {}),
      ...extra,
    },
  }) as BrowserPool;

const session = (ns: string, labels: Record<string, string> = {}): BrowserSession =>
  ({ metadata: { namespace: ns, name: 's', labels } }) as unknown as BrowserSession;

describe('selectorMatches (metav1.LabelSelector)', () => {
  const cases: Array<[string, LabelSelector, Record<string, string>, boolean]> = [
    ['empty selector matches everything', {}, {}, true],
    ['matchLabels equal', { matchLabels: { tier: 'fast' } }, { tier: 'fast', x: 'y' }, true],
    ['matchLabels other value', { matchLabels: { tier: 'fast' } }, { tier: 'slow' }, false],
    ['matchLabels missing', { matchLabels: { tier: 'fast' } }, {}, false],
    ['In', { matchExpressions: [{ key: 't', operator: 'In', values: ['a', 'b'] }] }, { t: 'b' }, true],
    ['In, other value', { matchExpressions: [{ key: 't', operator: 'In', values: ['a'] }] }, { t: 'b' }, false],
    ['In, label missing', { matchExpressions: [{ key: 't', operator: 'In', values: ['a'] }] }, {}, false],
    ['NotIn, label missing', { matchExpressions: [{ key: 't', operator: 'NotIn', values: ['a'] }] }, {}, true],
    ['NotIn, listed value', { matchExpressions: [{ key: 't', operator: 'NotIn', values: ['a'] }] }, { t: 'a' }, false],
    ['Exists', { matchExpressions: [{ key: 't', operator: 'Exists' }] }, { t: '' }, true],
    ['Exists, missing', { matchExpressions: [{ key: 't', operator: 'Exists' }] }, {}, false],
    ['DoesNotExist', { matchExpressions: [{ key: 't', operator: 'DoesNotExist' }] }, { u: '1' }, true],
    ['DoesNotExist, present', { matchExpressions: [{ key: 't', operator: 'DoesNotExist' }] }, { t: '1' }, false],
    [
      'all requirements must hold',
      { matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'Exists' }] },
      { a: '1' },
      false,
    ],
    [
      'an unknown operator matches nothing',
      { matchExpressions: [{ key: 't', operator: 'Gt' as 'In', values: ['1'] }] },
      { t: '2' },
      false,
    ],
    ['an inherited key is no label', { matchExpressions: [{ key: 'constructor', operator: 'Exists' }] }, {}, false],
  ];
  for (const [name, sel, labels, want] of cases) test(name, () => assert.equal(selectorMatches(sel, labels), want));
});

describe('matchingPools', () => {
  const sel = { matchLabels: { warm: 'yes' } };
  const cases: Array<[string, BrowserPool[], BrowserSession, string[]]> = [
    ['a pool without a selector is taken by name only', [pool('a', 'p')], session('a', { warm: 'yes' }), []],
    ['matching labels, own namespace', [pool('a', 'p', sel)], session('a', { warm: 'yes' }), ['a/p']],
    ['labels do not match', [pool('a', 'p', sel)], session('a', { warm: 'no' }), []],
    ['another namespace, not admitted', [pool('admin', 'p', sel)], session('team', { warm: 'yes' }), []],
    [
      'another namespace, admitted by sessionNamespaces',
      [pool('admin', 'p', sel, { sessionNamespaces: ['team'] })],
      session('team', { warm: 'yes' }),
      ['admin/p'],
    ],
    [
      'a pool being deleted matches nobody',
      [{ ...pool('a', 'p', sel), metadata: { namespace: 'a', name: 'p', deletionTimestamp: 'now' } } as BrowserPool],
      session('a', { warm: 'yes' }),
      [],
    ],
    [
      'several, in namespace/name order',
      [pool('b', 'x', {}, { sessionNamespaces: ['a'] }), pool('a', 'z', sel), pool('a', 'y', {})],
      session('a', { warm: 'yes' }),
      ['a/y', 'a/z', 'b/x'],
    ],
  ];
  for (const [name, pools, s, want] of cases)
    test(name, () =>
      assert.deepEqual(
        matchingPools(s, pools).map((p) => `${p.metadata.namespace}/${p.metadata.name}`),
        want,
      ),
    );
});

describe('pickPool', () => {
  const a = pool('n', 'a', {});
  const b = pool('n', 'b', {});
  const c = pool('n', 'c', {});
  const cases: Array<[string, Array<[BrowserPool, boolean, number]>, string | undefined]> = [
    ['none', [], undefined],
    [
      'the first compatible with a ready runtime',
      [
        [c, true, 1],
        [a, false, 3],
        [b, true, 2],
      ],
      'b',
    ],
    [
      'no ready runtime anywhere: the first compatible (PoolEmpty)',
      [
        [c, true, 0],
        [a, false, 1],
        [b, true, 0],
      ],
      'b',
    ],
    [
      'none compatible: the first (its Incompatible reason)',
      [
        [c, false, 1],
        [b, false, 1],
      ],
      'b',
    ],
    [
      'the order of the input does not matter',
      [
        [b, true, 1],
        [a, true, 1],
      ],
      'a',
    ],
  ];
  for (const [name, cands, want] of cases)
    test(name, () =>
      assert.equal(
        pickPool(cands.map(([pool, compatible, readyReplicas]) => ({ pool, compatible, readyReplicas })))?.metadata
          .name,
        want,
      ),
    );
});
