// RBAC contract, static half: the chart's rules grant everything in the permission table (src/rbac.ts). That the
// table is enough is checked by the real authorizer in test/integration/rbac.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { REQUIRED_PERMISSIONS } from '../src/rbac.ts';

test("the chart's operator rules grant exactly the permissions in the table", () => {
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
          : rules.some(
              (r) => r.apiGroups.includes(p.apiGroup) && r.resources.includes(p.resource) && r.verbs.includes(v),
            );
      assert.ok(granted, `chart does not grant ${p.apiGroup}/${p.resource} ${v}`);
    }
  }
  // ...and nothing more: every verb the chart grants is in the table.
  const table = new Set(REQUIRED_PERMISSIONS.flatMap((p) => p.verbs.map((v) => `${p.apiGroup}/${p.resource} ${v}`)));
  const extra = rules.flatMap((r) =>
    r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res} ${v}`))),
  );
  extra.push(...leaseVerbs.map((v) => `coordination.k8s.io/leases ${v}`));
  assert.deepEqual(
    extra.filter((x) => !table.has(x)),
    [],
    'the chart grants verbs the operator does not need',
  );
});
