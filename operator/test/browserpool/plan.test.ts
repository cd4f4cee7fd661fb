// planPool as a table: what a pool does with its pods (create, delete which and why, the counts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../../src/framework/kube-types.ts';
import { CLAIMED, POOL_STATE_LABEL, STANDBY } from '../../src/browserpool/labels.ts';
import { type ClaimState, planPool } from '../../src/browserpool/plan.ts';

type Kind = 'ready' | 'starting' | 'dead' | 'claimed' | 'ended' | 'gone' | 'terminating';

function pod(name: string, kind: Kind, created = '2026-01-01T00:00:00Z'): Pod {
  const claimed = kind === 'claimed' || kind === 'ended' || kind === 'gone';
  return {
    metadata: {
      name,
      creationTimestamp: created,
      labels: { [POOL_STATE_LABEL]: claimed ? CLAIMED : STANDBY },
      annotations: { state: kind },
      ...(kind === 'terminating' ? { deletionTimestamp: created } : {}),
    },
    status:
      kind === 'dead'
        ? { phase: 'Failed' }
        : kind === 'starting'
          ? { phase: 'Pending' }
          : { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  };
}
const claimState = (p: Pod): ClaimState => {
  const k = p.metadata.annotations?.state;
  return k === 'ended' ? 'ended' : k === 'gone' ? 'gone' : 'active';
};

test('planPool', () => {
  const rows: Array<{
    what: string;
    replicas: number;
    pods: Pod[];
    pending?: number;
    create: number;
    del: string[];
    counts: [number, number, number];
  }> = [
    { what: 'empty pool fills', replicas: 3, pods: [], create: 3, del: [], counts: [0, 0, 0] },
    {
      what: 'claimed ones do not count',
      replicas: 2,
      pods: [pod('a', 'ready'), pod('b', 'claimed'), pod('c', 'claimed')],
      create: 1,
      del: [],
      counts: [1, 0, 2],
    },
    {
      what: 'a runtime that died while waiting is deleted and replaced',
      replicas: 2,
      pods: [pod('a', 'ready'), pod('b', 'dead')],
      create: 1,
      del: ['b:RuntimeDied'],
      counts: [1, 0, 0],
    },
    {
      what: 'ended or gone sessions free their runtime (deleted, never reused)',
      replicas: 1,
      pods: [pod('a', 'ready'), pod('b', 'ended'), pod('c', 'gone')],
      create: 0,
      del: ['b:SessionEnded', 'c:SessionEnded'],
      counts: [1, 0, 0],
    },
    {
      what: 'scale down: unclaimed only, starting before ready, newest first',
      replicas: 1,
      pods: [
        pod('old-ready', 'ready', '2026-01-01T00:00:00Z'),
        pod('new-ready', 'ready', '2026-01-01T00:01:00Z'),
        pod('starting', 'starting'),
        pod('busy', 'claimed'),
      ],
      create: 0,
      del: ['starting:ScaleDown', 'new-ready:ScaleDown'],
      counts: [1, 0, 1],
    },
    {
      what: 'scale to zero keeps claimed runtimes',
      replicas: 0,
      pods: [pod('a', 'ready'), pod('busy', 'claimed')],
      create: 0,
      del: ['a:ScaleDown'],
      counts: [0, 0, 1],
    },
    {
      what: 'creations not yet in the cache count (no double create)',
      replicas: 3,
      pods: [pod('a', 'ready')],
      pending: 2,
      create: 0,
      del: [],
      counts: [1, 2, 0],
    },
    {
      what: 'terminating pods are neither counted nor deleted again',
      replicas: 1,
      pods: [pod('t', 'terminating')],
      create: 1,
      del: [],
      counts: [0, 0, 0],
    },
  ];
  for (const r of rows) {
    const p = planPool(r.replicas, r.pods, claimState, r.pending ?? 0);
    assert.equal(p.create, r.create, r.what);
    assert.deepEqual(
      p.delete.map((d) => `${d.pod.metadata.name}:${d.reason}`),
      r.del,
      r.what,
    );
    assert.deepEqual([p.counts.ready, p.counts.starting, p.counts.claimed], r.counts, r.what);
  }
});
