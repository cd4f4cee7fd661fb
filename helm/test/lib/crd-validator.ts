// Offline stand-in for the apiserver's CRD validation, enough to test crds/browsersession.yaml:
//  1. structural defaulting (`default:` applied where a field is absent, nested defaults inside defaulted objects),
//  2. the OpenAPI v3 subset we use, translated to JSON Schema and checked with ajv (strict: unknown fields are errors,
//     like `kubectl apply` with server-side field validation),
//  3. x-kubernetes-list-type set/map uniqueness,
//  4. every x-kubernetes-validations CEL rule, evaluated with @bufbuild/cel (standard CEL only; integers as bigint),
//     with Kubernetes' transition-rule semantics (rules that mention oldSelf run only on update, when an old value
//     exists at the same path).
// Anything in the schema the translator does not understand throws: the test must fail rather than ignore a keyword.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { type CelInput, isCelError, run } from '@bufbuild/cel';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Schema = { [k: string]: unknown };

export interface CelRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
  reason?: string;
  optionalOldSelf?: boolean;
}

export interface ValidationIssue {
  path: string;
  message: string;
}

// Keywords copied 1:1 into JSON Schema.
const PASS_THROUGH = new Set([
  'type',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'enum',
  'required',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'multipleOf',
]);
// Keywords handled by this file (not by ajv) or that only document.
const HANDLED_HERE = new Set([
  'description',
  'default',
  'properties',
  'items',
  'additionalProperties',
  'anyOf',
  'x-kubernetes-validations',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
  'nullable',
]);

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sub(schema: Schema, key: string): Schema | undefined {
  const v = schema[key];
  return isObject(v) ? v : undefined;
}

function props(schema: Schema): Record<string, Schema> {
  const p = schema.properties;
  if (p === undefined) return {};
  if (!isObject(p)) throw new Error('properties must be an object');
  return p as Record<string, Schema>;
}

/** Translate a CRD openAPIV3Schema node to a JSON Schema (draft-07) node for ajv. Throws on unknown keywords. */
export function toJsonSchema(schema: Schema, path = '<root>', isMetadata = false): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) {
    if (PASS_THROUGH.has(k)) out[k] = v;
    else if (!HANDLED_HERE.has(k)) throw new Error(`unsupported schema keyword ${k} at ${path}`);
  }
  if (schema.nullable === true) throw new Error(`nullable is not used by this CRD (${path})`);
  if (schema.type === 'object') {
    const ps = props(schema);
    const outProps: Record<string, Schema> = {};
    for (const [name, s] of Object.entries(ps)) outProps[name] = toJsonSchema(s, `${path}.${name}`);
    if (Object.keys(ps).length > 0) out.properties = outProps;
    const ap = schema.additionalProperties;
    if (ap !== undefined) {
      if (!isObject(ap)) throw new Error(`additionalProperties must be a schema at ${path}`);
      out.additionalProperties = toJsonSchema(ap, `${path}[*]`);
    } else if (schema['x-kubernetes-preserve-unknown-fields'] !== true && !isMetadata) {
      // Strict field validation: unknown fields are errors (the apiserver would prune them, kubectl warns/fails).
      out.additionalProperties = false;
    }
  }
  if (schema.type === 'array') {
    const items = sub(schema, 'items');
    if (items === undefined) throw new Error(`array without items at ${path}`);
    out.items = toJsonSchema(items, `${path}[]`);
    const lt = schema['x-kubernetes-list-type'];
    if (lt === 'set') out.uniqueItems = true;
  }
  if (schema.anyOf !== undefined) {
    if (!Array.isArray(schema.anyOf)) throw new Error(`anyOf must be a list at ${path}`);
    out.anyOf = (schema.anyOf as Schema[]).map((s, i) => toJsonSchema(s, `${path}.anyOf[${i}]`));
  }
  return out;
}

/** Compile the schema of a CRD version with ajv (formats int32/int64/date-time as Kubernetes defines them). */
export function compileCrdSchema(openAPIV3Schema: Schema): ValidateFunction {
  const root = toJsonSchema(openAPIV3Schema);
  // metadata is validated by the apiserver itself, not by the CRD schema.
  const rootProps = root.properties as Record<string, Schema>;
  rootProps.metadata = { type: 'object' };
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/);
  return ajv.compile(root);
}

export function ajvIssues(errors: ErrorObject[] | null | undefined): ValidationIssue[] {
  return (errors ?? []).map((e) => ({ path: e.instancePath || '/', message: `${e.keyword}: ${e.message ?? ''}` }));
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** Apply `default:` values like the apiserver: absent fields get their default, then defaults inside it, recursively. */
export function applyDefaults(schema: Schema, value: unknown): unknown {
  if (schema.type === 'object' && isObject(value)) {
    for (const [name, s] of Object.entries(props(schema))) {
      if (value[name] === undefined && s.default !== undefined) value[name] = clone(s.default);
      if (value[name] !== undefined) value[name] = applyDefaults(s, value[name]);
    }
    const ap = sub(schema, 'additionalProperties');
    if (ap) for (const k of Object.keys(value)) if (!(k in props(schema))) value[k] = applyDefaults(ap, value[k]);
  } else if (schema.type === 'array' && Array.isArray(value)) {
    const items = sub(schema, 'items');
    if (items) for (let i = 0; i < value.length; i++) value[i] = applyDefaults(items, value[i]);
  }
  return value;
}

/** Convert a JSON value to a CEL input following the schema: `type: integer` becomes bigint (CEL int). */
export function toCel(schema: Schema, value: unknown): CelInput {
  if (value === null || value === undefined) return null;
  if (schema['x-kubernetes-int-or-string'] === true) {
    return typeof value === 'number' ? BigInt(value) : (value as string);
  }
  switch (schema.type) {
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new Error(`not an integer: ${String(value)}`);
      return BigInt(value);
    case 'number':
    case 'string':
    case 'boolean':
      return value as CelInput;
    case 'array': {
      const items = sub(schema, 'items') ?? {};
      return (value as unknown[]).map((v) => toCel(items, v));
    }
    case 'object': {
      const out: Record<string, CelInput> = {};
      const ps = props(schema);
      const ap = sub(schema, 'additionalProperties');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const s = ps[k] ?? ap;
        if (s === undefined) {
          if (schema['x-kubernetes-preserve-unknown-fields'] === true) continue;
          throw new Error(`field ${k} not in schema`);
        }
        out[k] = toCel(s, v);
      }
      return out;
    }
    default:
      throw new Error(`cannot convert schema type ${String(schema.type)} to CEL`);
  }
}

export function usesOldSelf(rule: string): boolean {
  return /\boldSelf\b/.test(rule);
}

/** All rules in a schema with their JSON path (for tests that check every rule is exercised / parseable). */
export function collectRules(schema: Schema, path = ''): { path: string; schema: Schema; rule: CelRule }[] {
  const out: { path: string; schema: Schema; rule: CelRule }[] = [];
  const rules = schema['x-kubernetes-validations'];
  if (Array.isArray(rules)) for (const r of rules as CelRule[]) out.push({ path: path || '.', schema, rule: r });
  for (const [k, s] of Object.entries(props(schema))) out.push(...collectRules(s, `${path}.${k}`));
  const ap = sub(schema, 'additionalProperties');
  if (ap) out.push(...collectRules(ap, `${path}[*]`));
  const items = sub(schema, 'items');
  if (items) out.push(...collectRules(items, `${path}[]`));
  return out;
}

function checkListTypes(schema: Schema, value: unknown, path: string, issues: ValidationIssue[]): void {
  if (value === undefined || value === null) return;
  if (schema.type === 'array' && Array.isArray(value)) {
    if (schema['x-kubernetes-list-type'] === 'map') {
      const keys = schema['x-kubernetes-list-map-keys'] as string[];
      const seen = new Set<string>();
      for (const item of value) {
        const k = JSON.stringify(keys.map((key) => (item as Record<string, unknown>)[key]));
        if (seen.has(k)) issues.push({ path, message: `Duplicate value: map list key ${k}` });
        seen.add(k);
      }
    }
    const items = sub(schema, 'items');
    if (items) value.forEach((v, i) => checkListTypes(items, v, `${path}[${i}]`, issues));
  } else if (schema.type === 'object' && isObject(value)) {
    const ps = props(schema);
    const ap = sub(schema, 'additionalProperties');
    for (const [k, v] of Object.entries(value)) {
      const s = ps[k] ?? ap;
      if (s) checkListTypes(s, v, `${path}.${k}`, issues);
    }
  }
}

function evalRules(
  schema: Schema,
  value: unknown,
  old: unknown,
  path: string,
  issues: ValidationIssue[],
): void {
  if (value === undefined) return;
  const rules = schema['x-kubernetes-validations'];
  if (Array.isArray(rules)) {
    for (const r of rules as CelRule[]) {
      const transition = usesOldSelf(r.rule);
      if (transition && old === undefined && r.optionalOldSelf !== true) continue;
      const bindings: Record<string, CelInput> = { self: toCel(schema, value) };
      if (transition) bindings.oldSelf = toCel(schema, old);
      const result = run(r.rule, bindings);
      const where = r.fieldPath ? `${path}${r.fieldPath}` : path || '.';
      if (isCelError(result)) issues.push({ path: where, message: `CEL error in "${r.rule}": ${result.message}` });
      else if (result !== true) issues.push({ path: where, message: r.message ?? `failed rule: ${r.rule}` });
    }
  }
  if (schema.type === 'object' && isObject(value)) {
    const ps = props(schema);
    const ap = sub(schema, 'additionalProperties');
    const oldObj = isObject(old) ? old : undefined;
    for (const [k, v] of Object.entries(value)) {
      const s = ps[k] ?? ap;
      if (s) evalRules(s, v, oldObj?.[k], `${path}.${k}`, issues);
    }
  } else if (schema.type === 'array' && Array.isArray(value)) {
    const items = sub(schema, 'items');
    if (!items) return;
    // Kubernetes correlates old list items only for list-type map (by key); otherwise items have no oldSelf.
    const mapKeys = schema['x-kubernetes-list-type'] === 'map' ? (schema['x-kubernetes-list-map-keys'] as string[]) : undefined;
    value.forEach((v, i) => {
      let o: unknown;
      if (mapKeys && Array.isArray(old)) {
        const key = JSON.stringify(mapKeys.map((m) => (v as Record<string, unknown>)[m]));
        o = old.find((x) => JSON.stringify(mapKeys.map((m) => (x as Record<string, unknown>)[m])) === key);
      }
      evalRules(items, v, o, `${path}[${i}]`, issues);
    });
  }
}

export class CrdValidator {
  readonly schema: Schema;
  private readonly validateFn: ValidateFunction;

  constructor(openAPIV3Schema: Schema) {
    this.schema = openAPIV3Schema;
    this.validateFn = compileCrdSchema(openAPIV3Schema);
  }

  /** Defaulted copy of an object, as the apiserver would store it. */
  defaulted(obj: unknown): Record<string, unknown> {
    return applyDefaults(this.schema, clone(obj)) as Record<string, unknown>;
  }

  /** Validate a create (oldObj undefined) or an update. Returns all issues; empty means accepted. */
  validate(obj: unknown, oldObj?: unknown): ValidationIssue[] {
    const value = this.defaulted(obj);
    const issues: ValidationIssue[] = [];
    if (!this.validateFn(value)) issues.push(...ajvIssues(this.validateFn.errors));
    checkListTypes(this.schema, value, '', issues);
    // Like the apiserver, CEL runs only on schema-valid data (types are then guaranteed for the conversion).
    if (issues.length === 0) {
      const old = oldObj === undefined ? undefined : this.defaulted(oldObj);
      evalRules(this.schema, value, old, '', issues);
    }
    return issues;
  }
}
