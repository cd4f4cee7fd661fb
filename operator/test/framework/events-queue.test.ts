// The event writer's bounds, against a stub KubeClient whose create() the test completes by hand: at most
// MAX_IN_FLIGHT writes at once, at most MAX_QUEUED waiting (the rest dropped and counted), dedupe, flush.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventRecorder, MAX_IN_FLIGHT, MAX_QUEUED } from '../../src/framework/events.ts';
import type { KubeClient } from '../../src/framework/kube-client.ts';
import type { KubeObject } from '../../src/framework/kube-types.ts';
import { testLog } from '../support/helpers.ts';

function stubClient() {
  const pending: { resolve: () => void; reject: (e: Error) => void; body: unknown }[] = [];
  let maxInFlight = 0;
  const notUsed = () => {
    throw new Error('not used by the recorder');
  };
  const client = {
    create: (_res: unknown, _ns: string, body: unknown) =>
      new Promise((resolve, reject) => {
        pending.push({ resolve: () => resolve(body), reject, body });
        maxInFlight = Math.max(maxInFlight, pending.length);
      }),
    get: notUsed,
    list: notUsed,
    replace: notUsed,
    mergePatch: notUsed,
    patchStatus: notUsed,
    delete: notUsed,
    watch: notUsed,
  } as unknown as KubeClient;
  return { client, pending, maxInFlight: () => maxInFlight };
}

const obj = (i: number): KubeObject => ({
  apiVersion: 'lkbrowser.dev/v1alpha1',
  kind: 'BrowserSession',
  metadata: { name: `s-${i}`, namespace: 'ns', uid: `uid-${i}` },
});

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

test('a burst of events: bounded writers, bounded queue (drops counted), dedupe, flush waits', async () => {
  const s = stubClient();
  const rec = new EventRecorder(s.client, { controller: 'c', instance: 'i' }, testLog);
  const n = MAX_QUEUED + MAX_IN_FLIGHT + 50;
  for (let i = 0; i < n; i++) rec.emit(obj(i), 'Normal', 'PodCreated', 'Create', `created pod ${i}`);
  rec.emit(obj(0), 'Normal', 'PodCreated', 'Create', 'created pod 0'); // duplicate: not even queued
  assert.equal(s.pending.length, MAX_IN_FLIGHT);
  assert.equal(rec.dropped, 50);
  let flushed = false;
  const f = rec.flush().then(() => {
    flushed = true;
  });
  let failed = 0;
  while (s.pending.length > 0) {
    const p = s.pending.shift();
    if (failed < 3) {
      failed++;
      p?.reject(new Error('refused'));
    } else p?.resolve();
    await settle();
  }
  await f;
  assert.ok(flushed);
  assert.equal(s.maxInFlight(), MAX_IN_FLIGHT);
  assert.equal(rec.written + failed, MAX_QUEUED + MAX_IN_FLIGHT);
  // a failed write forgets its dedupe key, so the same event can be recorded again
  rec.emit(obj(0), 'Normal', 'PodCreated', 'Create', 'created pod 0');
  assert.equal(s.pending.length, 1);
  s.pending[0]?.resolve();
  await rec.flush();
});
