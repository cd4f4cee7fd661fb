import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LAST_APPLIED_ANNOTATION, withoutBookkeeping } from '../../src/framework/cache-transform.ts';
import type { KubeObject } from '../../src/framework/kube-types.ts';

test('cached objects lose managedFields and the last-applied copy, nothing else', () => {
  const cases: { in: Record<string, unknown>; want: Record<string, unknown> }[] = [
    {
      in: {
        name: 'a',
        managedFields: [{ manager: 'kubectl' }],
        annotations: { [LAST_APPLIED_ANNOTATION]: '{}', x: 'y' },
      },
      want: { name: 'a', annotations: { x: 'y' } },
    },
    { in: { name: 'b', annotations: { [LAST_APPLIED_ANNOTATION]: '{}' } }, want: { name: 'b' } },
    { in: { name: 'c', labels: { l: '1' } }, want: { name: 'c', labels: { l: '1' } } },
  ];
  for (const c of cases) {
    const o = { apiVersion: 'v1', kind: 'Pod', metadata: c.in, spec: { nodeName: 'n' } } as unknown as KubeObject;
    assert.deepEqual(withoutBookkeeping(o), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: c.want,
      spec: { nodeName: 'n' },
    });
  }
});
