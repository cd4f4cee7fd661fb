// Load helm/lkbrowser, merge values like Helm and render it with the subset renderer in gotemplate.ts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Ajv } from 'ajv';
import { parse as yamlParse, parseAllDocuments } from 'yaml';
import { ChartRenderer } from './gotemplate.ts';

export const chartDir = new URL('../../lkbrowser/', import.meta.url).pathname;

export type Dict = Record<string, unknown>;
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: unknown;
}

function walkFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walkFiles(p));
    else out.push(p);
  }
  return out;
}

export function readChartFile(rel: string): string {
  return readFileSync(join(chartDir, rel), 'utf8');
}

export const chartYaml = yamlParse(readChartFile('Chart.yaml')) as { name: string; version: string; appVersion: string };
export const defaultValues = yamlParse(readChartFile('values.yaml')) as Dict;
export const valuesSchema = JSON.parse(readChartFile('values.schema.json')) as Dict;

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Helm's value coalescing: maps merge recursively, everything else (lists too) is replaced; null deletes. */
export function mergeValues(base: Dict, over: Dict): Dict {
  const out: Dict = structuredClone(base);
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else if (isDict(v) && isDict(out[k])) out[k] = mergeValues(out[k] as Dict, v);
    else out[k] = structuredClone(v);
  }
  return out;
}

export function validateValues(values: Dict): string[] {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(valuesSchema);
  if (validate(values)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.keyword}: ${e.message ?? ''}`);
}

export function loadRenderer(): ChartRenderer {
  const templates: Record<string, string> = {};
  for (const p of walkFiles(join(chartDir, 'templates'))) templates[relative(chartDir, p)] = readFileSync(p, 'utf8');
  const files: Record<string, string> = {};
  for (const p of walkFiles(join(chartDir, 'files'))) files[relative(chartDir, p)] = readFileSync(p, 'utf8');
  return new ChartRenderer(templates, files);
}

export const release = { Name: 'lkb', Namespace: 'lkb-system', Service: 'Helm', IsInstall: true, IsUpgrade: false };

export interface Rendered {
  files: Record<string, string>;
  objects: K8sObject[];
  notes: string;
}

/** Render with user values merged over values.yaml; validates values against the schema first, as Helm does. */
export function render(userValues: Dict, opts: { skipSchema?: boolean } = {}): Rendered {
  const values = mergeValues(defaultValues, userValues);
  if (!opts.skipSchema) {
    const errs = validateValues(values);
    if (errs.length > 0) throw new Error(`values don't meet the specifications of the schema: ${errs.join('; ')}`);
  }
  const r = loadRenderer();
  // Strict like `helm lint --strict` (missing value keys are errors), which CI runs for real.
  const files = r.renderAll(
    {
      Values: values,
      Release: release,
      Chart: { Name: chartYaml.name, Version: chartYaml.version, AppVersion: chartYaml.appVersion },
    },
    { strict: true },
  );
  const objects: K8sObject[] = [];
  for (const [name, text] of Object.entries(files)) {
    if (!name.endsWith('.yaml')) continue;
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) throw new Error(`${name}: YAML error ${doc.errors[0]?.message}\n${text}`);
      const obj = doc.toJS() as unknown;
      if (obj === null || obj === undefined) continue; // empty document (a disabled template)
      if (!isDict(obj)) throw new Error(`${name}: a document is not a mapping`);
      objects.push(obj as unknown as K8sObject);
    }
  }
  return { files, objects, notes: files['templates/NOTES.txt'] ?? '' };
}

export function find(objs: K8sObject[], kind: string, name?: string): K8sObject[] {
  return objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
}

// ---- IPv4 CIDR helpers for NetworkPolicy checks ----
function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`bad IP ${ip}`);
  return (((parts[0] as number) << 24) >>> 0) + ((parts[1] as number) << 16) + ((parts[2] as number) << 8) + (parts[3] as number);
}
export function inCidr(ip: string, cidr: string): boolean {
  const [net, bitsS] = cidr.split('/') as [string, string];
  const bits = Number(bitsS);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((ipToInt(ip) & mask) >>> 0) === ((ipToInt(net) & mask) >>> 0);
}
