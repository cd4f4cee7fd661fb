// Generates operator/src/browsersession/types.ts from crds/browsersession.yaml: the CRD is the one source of the
// BrowserSession API, the TypeScript types follow it. operator/test/browsersession/types-generated.test.ts fails
// when the committed file differs from what this script writes.
//
//   node operator/scripts/gen-types.ts          # rewrite the file
//   node operator/scripts/gen-types.ts --check  # exit 1 if it is out of date
//
// The types describe objects as the API server serves them: a field the schema defaults is never missing (the
// server applies `default:` on create, update and read from etcd), so it is not optional here.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';

export const CRD_PATH = fileURLToPath(new URL('../../crds/browsersession.yaml', import.meta.url));
export const TYPES_PATH = fileURLToPath(new URL('../src/browsersession/types.ts', import.meta.url));

/** The OpenAPI v3 subset structural CRD schemas use. */
export interface Schema {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  anyOf?: Schema[];
  'x-kubernetes-int-or-string'?: boolean;
  [k: string]: unknown;
}

interface Crd {
  spec: {
    group: string;
    names: { kind: string; plural: string; singular?: string; shortNames?: string[] };
    versions: { name: string; storage?: boolean; served?: boolean; schema: { openAPIV3Schema: Schema } }[];
  };
}

/** Names of the object types, by schema path (`[]` = array items). Paths not listed get PascalCase(path). */
const TYPE_NAMES: Record<string, string> = {
  spec: 'BrowserSessionSpec',
  status: 'BrowserSessionStatus',
  'spec.participant': 'ParticipantSpec',
  'spec.viewport': 'ViewportSpec',
  'spec.navigation': 'NavigationSpec',
  'spec.focus': 'FocusSpec',
  'spec.lifetime': 'LifetimeSpec',
  'spec.pool': 'PoolRef',
  'spec.automation': 'AutomationSpec',
  'spec.pod': 'PodOverrides',
  'spec.pod.resources': 'PodResources',
  'spec.pod.tolerations[]': 'PodToleration',
  'status.conditions[]': 'Condition',
};
/** Enums that get a named union type. */
const ENUM_NAMES: Record<string, string> = { 'status.phase': 'SessionPhase', 'spec.engine': 'EngineName' };

const pascal = (path: string) =>
  path
    .split(/[.[\]]+/)
    .filter(Boolean)
    .map((s) => s[0]?.toUpperCase() + s.slice(1))
    .join('');

function docLines(s: Schema): string[] {
  const out: string[] = [];
  if (s.description) out.push(s.description.replace(/\s+/g, ' ').trim());
  const facts: string[] = [];
  if (s.default !== undefined) facts.push(`default ${JSON.stringify(s.default)}`);
  if (s.minimum !== undefined || s.maximum !== undefined) facts.push(`range ${s.minimum ?? ''}..${s.maximum ?? ''}`);
  if (facts.length) out.push(`(${facts.join(', ')})`);
  return out;
}

function comment(lines: string[], indent: string): string[] {
  const text = lines.join(' ');
  if (!text) return [];
  // Wrap at 116 columns: the repo's line limit is 120.
  const words = text.split(' ');
  const rows: string[] = [];
  let row = '';
  for (const w of words) {
    if (row && indent.length + 3 + row.length + 1 + w.length > 116) {
      rows.push(row);
      row = w;
    } else row = row ? `${row} ${w}` : w;
  }
  if (row) rows.push(row);
  if (rows.length === 1) return [`${indent}/** ${rows[0]} */`];
  return [`${indent}/**`, ...rows.map((r) => `${indent} * ${r}`), `${indent} */`];
}

class Generator {
  private readonly decls: string[] = [];

  /** The TypeScript type of a schema node; object types become named interfaces. */
  typeOf(s: Schema, path: string): string {
    if (s['x-kubernetes-int-or-string'] === true) return 'number | string';
    if (s.enum) {
      const union = s.enum
        .map((v) => (typeof v === 'string' ? `'${v.replace(/'/g, "\\'")}'` : JSON.stringify(v)))
        .join(' | ');
      const named = ENUM_NAMES[path];
      if (!named) return union;
      this.decls.push(
        [...comment(docLines({ description: s.description }), ''), `export type ${named} = ${union};`].join('\n'),
      );
      return named;
    }
    switch (s.type) {
      case 'string':
        return 'string';
      case 'integer':
      case 'number':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'array':
        if (!s.items) throw new Error(`${path}: array without items`);
        return `${this.wrap(this.typeOf(s.items, `${path}[]`))}[]`;
      case 'object':
        if (s.properties) return this.object(s, path);
        if (s.additionalProperties && typeof s.additionalProperties === 'object') {
          return `Record<string, ${this.typeOf(s.additionalProperties, `${path}.*`)}>`;
        }
        throw new Error(`${path}: free-form object (no properties, no additionalProperties) has no type`);
      default:
        throw new Error(`${path}: schema type ${JSON.stringify(s.type)} is not handled by the generator`);
    }
  }

  private wrap(t: string): string {
    return t.includes(' ') ? `(${t})` : t;
  }

  private object(s: Schema, path: string): string {
    const name = TYPE_NAMES[path] ?? pascal(path);
    const required = new Set(s.required ?? []);
    const body: string[] = [];
    for (const [key, prop] of Object.entries(s.properties ?? {})) {
      const t = this.typeOf(prop, `${path}.${key}`);
      // A defaulted field is always present in what the server serves.
      const optional = !required.has(key) && prop.default === undefined;
      body.push(...comment(docLines(prop), '  '), `  ${key}${optional ? '?' : ''}: ${t};`);
    }
    this.decls.push(
      [...comment(docLines({ description: s.description }), ''), `export interface ${name} {`, ...body, '}'].join('\n'),
    );
    return name;
  }

  declarations(): string[] {
    return this.decls;
  }
}

export function generateTypes(crdYaml: string): string {
  const crd = parse(crdYaml) as Crd;
  const version = crd.spec.versions.find((v) => v.storage) ?? crd.spec.versions[0];
  if (!version) throw new Error('the CRD has no version');
  const root = version.schema.openAPIV3Schema;
  const props = root.properties ?? {};
  if (!props.spec || !props.status) throw new Error('the CRD schema has no spec or status');
  const g = new Generator();
  g.typeOf(props.spec, 'spec');
  g.typeOf(props.status, 'status');
  const { group, names } = crd.spec;
  const lines = [
    '// Generated by operator/scripts/gen-types.ts from crds/browsersession.yaml: do not edit, run the script.',
    `// The ${names.kind} API (${group}/${version.name}) as the API server serves it: defaulted fields are not optional.`,
    "import type { KubeObject } from '../framework/kube-types.ts';",
    '',
    `export const GROUP = '${group}';`,
    `export const VERSION = '${version.name}';`,
    'export const API_VERSION = `${GROUP}/${VERSION}`;',
    `export const KIND = '${names.kind}';`,
    `export const PLURAL = '${names.plural}';`,
    `export const SHORT_NAMES: readonly string[] = [${(names.shortNames ?? []).map((n) => `'${n}'`).join(', ')}];`,
    '',
    g.declarations().join('\n\n'),
    '',
    ...comment(docLines({ description: root.description }), ''),
    `export interface ${names.kind} extends KubeObject {`,
    `  spec: ${TYPE_NAMES.spec};`,
    `  status?: ${TYPE_NAMES.status};`,
    '}',
    '',
  ];
  return lines.join('\n');
}

function main(): void {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } }, strict: true });
  const want = generateTypes(readFileSync(CRD_PATH, 'utf8'));
  let have = '';
  try {
    have = readFileSync(TYPES_PATH, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (values.check) {
    if (have !== want) {
      process.stderr.write(`${TYPES_PATH} is out of date: run node operator/scripts/gen-types.ts\n`);
      process.exit(1);
    }
    return;
  }
  if (have !== want) writeFileSync(TYPES_PATH, want);
  process.stdout.write(`${have === want ? 'up to date' : 'wrote'} ${TYPES_PATH}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
