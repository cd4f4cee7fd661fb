// RBAC contract, static half: the chart's rules grant everything in the permission table (src/rbac.ts). That the
// table is enough is checked by the real authorizer in test/integration/rbac.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { REQUIRED_PERMISSIONS } from '../src/rbac.ts';

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
const helpers = readFileSync(new URL('../../helm/lkbrowser/templates/_helpers.tpl', import.meta.url), 'utf8');
function rulesBlock(name: string): Rule[] {
  const m = new RegExp(`{{- define "lkbrowser\\.${name}" -}}\\n([\\s\\S]*?){{- end -}}`).exec(helpers);
  assert.ok(m?.[1], `${name} block not found in the chart`);
  return parse(m[1]) as Rule[];
}

test("the chart's warm pool rules (warmPools.enabled) grant exactly the table's warmPools entries", () => {
  const rules = rulesBlock('poolRules');
  const granted = rules.flatMap((r) =>
    r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res} ${v}`))),
  );
  const table = REQUIRED_PERMISSIONS.filter((p) => p.feature === 'warmPools').flatMap((p) =>
    p.verbs.map((v) => `${p.apiGroup}/${p.resource} ${v}`),
  );
  assert.deepEqual(granted.sort(), table.sort());
});

test("the chart's operator rules grant exactly the permissions in the table", () => {
  const rules = rulesBlock('operatorRules');
  const rbac = readFileSync(new URL('../../helm/lkbrowser/templates/rbac.yaml', import.meta.url), 'utf8');
  const leaseBlock = /resources: \[leases\]\s*\n\s*verbs: \[([^\]]*)\]/.exec(rbac);
  assert.ok(leaseBlock?.[1], 'lease rule not found in the chart');
  const leaseVerbs = leaseBlock[1].split(',').map((s) => s.trim());
  const always = REQUIRED_PERMISSIONS.filter((p) => p.feature === undefined);
  for (const p of always) {
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
  const table = new Set(always.flatMap((p) => p.verbs.map((v) => `${p.apiGroup}/${p.resource} ${v}`)));
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
