import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventName } from '../../src/framework/events.ts';

// A DNS subdomain (what the API server requires of an Event's name).
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

test("event names: client-go's <object>.<hex unix nanos>, a valid name of at most 253 characters", () => {
  const t = 1_767_225_600_123_456_789n;
  const cases: [string, string][] = [
    ['demo', `demo.${t.toString(16)}`],
    ['a.b-c', `a.b-c.${t.toString(16)}`],
  ];
  for (const [obj, want] of cases) assert.equal(eventName(obj, t), want);
  for (const obj of ['demo', 'x'.repeat(253), `${'y'.repeat(235)}-abc`, `${'z'.repeat(236)}.q`]) {
    const n = eventName(obj, t);
    assert.ok(n.length <= 253, `${n.length}`);
    assert.match(n, DNS_SUBDOMAIN, n);
    assert.ok(n.endsWith(`.${t.toString(16)}`));
  }
  assert.notEqual(eventName('demo', t), eventName('demo', t + 1n));
});
