// RBAC contract: the permission table in src/rbac.ts covers every request the operator makes in a full
// lifecycle against the fake apiserver, and the chart's rules grant everything in the table.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { REQUIRED_PERMISSIONS } from '../src/rbac.ts';
import { FakeApiServer, type RequestRecord } from './support/fake-apiserver.ts';
import { FakeRuntime, makeOperator, podStatus, session, waitFor } from './support/helpers.ts';

function permissionOf(r: RequestRecord): { apiGroup: string; resource: string; verb: string } {
  const parts = r.path.split('/').filter(Boolean);
  const apiGroup = parts[0] === 'api' ? '' : (parts[1] ?? '');
  let rest = parts.slice(parts[0] === 'api' ? 2 : 3);
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  const resource = rest.length >= 3 ? `${rest[0]}/${rest[2]}` : (rest[0] ?? '');
  const named = rest.length >= 2;
  const verb =
    r.method === 'GET' ? (r.query.watch === 'true' ? 'watch' : named ? 'get' : 'list') : ({ POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as Record<string, string>)[r.method] ?? r.method;
  return { apiGroup, resource, verb };
}

const allows = (apiGroup: string, resource: string, verb: string) =>
  REQUIRED_PERMISSIONS.some((p) => p.apiGroup === apiGroup && p.resource === resource && p.verbs.includes(verb));

test('every request of a full session lifecycle (with leader election) is in the permission table', async (t) => {
  const fake = new FakeApiServer();
  await fake.start();
  const runtime = new FakeRuntime();
  await runtime.start();
  const op = makeOperator(fake, 'op-rbac', { leaderElect: true, leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 200, runtimePort: runtime.port });
  t.after(async () => {
    await op.stop();
    await runtime.stop();
    await fake.stop();
  });
  await op.start();
  await waitFor('leader', () => op.isLeader());
  fake.createObject('browsersessions', session('rb'));
  const first = await waitFor('pod', () => fake.getObject('pods', 'default', 'rb-browser'));
  fake.setPodStatus('default', 'rb-browser', podStatus('ready'));
  await waitFor('Running', () => (fake.getObject('browsersessions', 'default', 'rb')?.status as { phase?: string } | undefined)?.phase === 'Running');
  fake.updateSpec('browsersessions', 'default', 'rb', (s) => {
    s.audio = false;
  });
  await waitFor('recreated', () => {
    const p = fake.getObject('pods', 'default', 'rb-browser');
    return p !== undefined && p.metadata.uid !== first.metadata.uid;
  });
  fake.setPodStatus('default', 'rb-browser', podStatus('crashloop'));
  await waitFor('warning event', () => fake.objects('events').some((e) => e.reason === 'CrashLoopBackOff'));
  fake.deleteObject('browsersessions', 'default', 'rb');
  await op.stop();
  const mine = fake.requests.filter((r) => r.auth === 'Bearer op-rbac');
  t.diagnostic(
    `lifecycle requests: ${mine.length} total, ${mine.filter((r) => r.method === 'PATCH').length} status patches, ${mine.filter((r) => r.status === 409).length} conflicts (409), ${mine.filter((r) => r.path.includes('/leases/')).length} lease calls`,
  );
  const used = new Set(fake.requests.filter((r) => r.auth === 'Bearer op-rbac').map((r) => JSON.stringify(permissionOf(r))));
  for (const u of used) {
    const p = JSON.parse(u) as { apiGroup: string; resource: string; verb: string };
    assert.ok(allows(p.apiGroup, p.resource, p.verb), `request needs ${u}, missing from REQUIRED_PERMISSIONS`);
  }
  // And the table has nothing the operator never uses in this lifecycle, except the AlreadyExists lookup (get pod).
  for (const p of REQUIRED_PERMISSIONS) {
    for (const v of p.verbs) {
      if (p.resource === 'pods' && v === 'get') continue;
      assert.ok(used.has(JSON.stringify({ apiGroup: p.apiGroup, resource: p.resource, verb: v })), `unused permission ${p.apiGroup}/${p.resource} ${v}`);
    }
  }
});

test("the chart's operator rules grant every permission in the table", () => {
  const helpers = readFileSync(new URL('../../helm/lkbrowser/templates/_helpers.tpl', import.meta.url), 'utf8');
  const m = /{{- define "lkbrowser\.operatorRules" -}}\n([\s\S]*?){{- end -}}/.exec(helpers);
  assert.ok(m?.[1], 'operatorRules block not found in the chart');
  const rules = parse(m[1]) as { apiGroups: string[]; resources: string[]; verbs: string[] }[];
  const rbac = readFileSync(new URL('../../helm/lkbrowser/templates/rbac.yaml', import.meta.url), 'utf8');
  const leaseBlock = /resources: \[leases\]\s*\n\s*verbs: \[([^\]]*)\]/.exec(rbac);
  assert.ok(leaseBlock?.[1], 'lease rule not found in the chart');
  const leaseVerbs = leaseBlock[1].split(',').map((s) => s.trim());
  for (const p of REQUIRED_PERMISSIONS) {
    for (const v of p.verbs) {
      const granted =
        p.scope === 'operator'
          ? p.resource === 'leases' && leaseVerbs.includes(v)
          : rules.some((r) => r.apiGroups.includes(p.apiGroup) && r.resources.includes(p.resource) && r.verbs.includes(v));
      assert.ok(granted, `chart does not grant ${p.apiGroup}/${p.resource} ${v}`);
    }
  }
});
