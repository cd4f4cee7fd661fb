// One source for the BrowserSession API: types.ts is generated from the CRD and must be what the generator writes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { generateTypes, TYPES_PATH } from '../../scripts/gen-types.ts';
import { crdText } from '../support/crd.ts';

test('src/browsersession/types.ts is generated from crds/browsersession.yaml (run node operator/scripts/gen-types.ts)', () => {
  assert.equal(readFileSync(TYPES_PATH, 'utf8'), generateTypes(crdText));
});

test('the generator refuses schema it cannot type instead of guessing', () => {
  const crd = (spec: string) =>
    `spec:\n  group: g\n  names: { kind: K, plural: ks }\n  versions:\n    - name: v1\n      storage: true\n      schema:\n        openAPIV3Schema:\n          type: object\n          properties:\n            status: { type: object, properties: {} }\n            spec:\n${spec}`;
  assert.throws(
    () =>
      generateTypes(
        crd('              type: object\n              properties:\n                x: { type: object }\n'),
      ),
    /spec\.x: free-form object/,
  );
  assert.throws(
    () =>
      generateTypes(crd('              type: object\n              properties:\n                x: { type: null }\n')),
    /spec\.x: schema type/,
  );
  const ok = generateTypes(
    crd(
      '              type: object\n              required: [a]\n              properties:\n                a: { type: string }\n                b: { type: integer, default: 3 }\n                c: { type: array, items: { type: string, enum: [x, y] } }\n',
    ),
  );
  assert.match(
    ok,
    /export interface BrowserSessionSpec \{\n {2}a: string;\n {2}\/\*\* \(default 3\) \*\/\n {2}b: number;\n {2}c\?: \('x' \| 'y'\)\[\];\n\}/,
  );
});
