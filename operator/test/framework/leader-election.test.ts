// A fault the real server cannot produce on demand: every Lease write failing (here: 500s from the fake) while the
// leader keeps running. Leading, takeover after graceful and crashed leaders, and the Lease wire format (MicroTime)
// are tested against the real control plane in test/integration/leader-election.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientNodeKube } from '../../src/framework/kube-client.ts';
import { LeaderElector } from '../../src/framework/leader-election.ts';
import { FakeApiServer } from '../support/fake-apiserver.ts';
import { kubeConfigFor, testLog } from '../support/helpers.ts';
import { waitFor } from '@lkbrowser/testkit';

const LE = { leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 200 };

test('a leader that cannot renew within renewDeadline stops leading', async (t) => {
  const fake = new FakeApiServer();
  await fake.start();
  t.after(() => fake.stop());
  const client = new ClientNodeKube(kubeConfigFor(fake.url, 'x'));
  let started = 0;
  let stopped = 0;
  const el = new LeaderElector(
    client,
    {
      namespace: 'ns',
      name: 'l',
      identity: 'x',
      ...LE,
      onStartedLeading: () => started++,
      onStoppedLeading: () => stopped++,
    },
    testLog,
  );
  el.start();
  t.after(() => el.stop());
  await waitFor('leading', () => el.isLeader(), 20_000);
  assert.equal(started, 1);
  fake.injectFault('PUT', /\/leases\/l$/, 500, 1000);
  await waitFor('lost', () => stopped === 1, 10_000);
  assert.equal(el.isLeader(), false);
});
