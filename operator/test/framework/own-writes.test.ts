import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../src/framework/kube-types.ts';
import { OwnWrites } from '../../src/framework/own-writes.ts';

const obj = (rv: string, uid = 'u1', note = ''): KubeObject & { note: string } => ({
  metadata: { name: 'a', namespace: 'n', uid, resourceVersion: rv },
  note,
});

test('own writes: used only while the cache shows the version they replaced (table)', () => {
  const cases: {
    name: string;
    remember?: [string | undefined, string | undefined];
    cached: string | undefined;
    cachedUid?: string;
    want: string | undefined;
    kept: boolean;
  }[] = [
    { name: 'nothing written', cached: '5', want: 'cache', kept: false },
    { name: 'cache still at the replaced version', remember: ['5', '6'], cached: '5', want: 'own', kept: true },
    { name: 'cache caught up with our write', remember: ['5', '6'], cached: '6', want: 'cache', kept: false },
    { name: 'someone else wrote after us', remember: ['5', '6'], cached: '9', want: 'cache', kept: false },
    { name: 'object deleted', remember: ['5', '6'], cached: undefined, want: undefined, kept: false },
    { name: 'same name, new object', remember: ['5', '6'], cached: '5', cachedUid: 'u2', want: 'cache', kept: false },
    {
      name: 'write without a precondition is not remembered',
      remember: [undefined, '6'],
      cached: '5',
      want: 'cache',
      kept: false,
    },
  ];
  for (const c of cases) {
    const w = new OwnWrites<KubeObject & { note: string }>();
    if (c.remember) w.remember('n/a', c.remember[0], c.remember[1] ? obj(c.remember[1], 'u1', 'own') : undefined);
    const cached = c.cached === undefined ? undefined : obj(c.cached, c.cachedUid ?? 'u1', 'cache');
    const got = w.resolve('n/a', cached);
    assert.equal(got?.note, c.want, c.name);
    assert.equal(w.size, c.kept ? 1 : 0, `${c.name}: entry kept`);
  }
});
