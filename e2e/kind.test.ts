// The kind provider's manifests (e2e/kind/manifests.ts: LiveKit + click page in the cluster) and helm values,
// checked offline on every machine. The kind run itself is e2e/cluster.test.ts with LKB_CLUSTER=kind (CI job kind-e2e).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { find, template } from '../helm/test/lib/helm.ts';
import { repoRoot } from './lib/docker.ts';
import { E2E, infraManifests, sessionManifest } from './kind/manifests.ts';

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  additionalProperties?: Schema | boolean;
}

/** Structural check of `value` against a CRD OpenAPI schema subset (unknown fields, types, required, enum, bounds). */
function check(value: unknown, s: Schema, path: string, errors: string[]): void {
  if (s.enum && !s.enum.includes(value)) errors.push(`${path}: ${JSON.stringify(value)} not in enum`);
  switch (s.type) {
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        errors.push(`${path}: not an object`);
        return;
      }
      const obj = value as Record<string, unknown>;
      for (const r of s.required ?? []) if (!(r in obj)) errors.push(`${path}.${r}: required`);
      for (const [k, v] of Object.entries(obj)) {
        const sub =
          s.properties?.[k] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
        if (sub) check(v, sub, `${path}.${k}`, errors);
        else if (!s['x-kubernetes-preserve-unknown-fields']) errors.push(`${path}.${k}: unknown field`);
      }
      return;
    }
    case 'array':
      if (!Array.isArray(value)) errors.push(`${path}: not an array`);
      else if (s.items) value.forEach((v, i) => s.items && check(v, s.items, `${path}[${i}]`, errors));
      return;
    case 'string':
      if (typeof value !== 'string') errors.push(`${path}: not a string`);
      return;
    case 'integer':
      if (!Number.isInteger(value)) errors.push(`${path}: not an integer`);
      else if (
        (s.minimum !== undefined && (value as number) < s.minimum) ||
        (s.maximum !== undefined && (value as number) > s.maximum)
      )
        errors.push(`${path}: ${value} out of range`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') errors.push(`${path}: not a boolean`);
      return;
    default:
      return;
  }
}

test('kind e2e manifests: BrowserSession fits the CRD schema, images are pinned, LiveKit runs in dev mode', () => {
  const crd = parse(readFileSync(join(repoRoot, 'crds/browsersession.yaml'), 'utf8')) as {
    spec: { versions: Array<{ name: string; schema: { openAPIV3Schema: Schema } }> };
  };
  const version = crd.spec.versions.find((v) => v.name === 'v1alpha1');
  assert.ok(version, 'CRD serves v1alpha1');
  const schema = version.schema.openAPIV3Schema;
  const session = sessionManifest();
  const m = session.manifest as { apiVersion: string; kind: string; spec: Record<string, unknown> };
  assert.equal(m.apiVersion, 'lkbrowser.dev/v1alpha1');
  assert.equal(m.kind, 'BrowserSession');
  const errors: string[] = [];
  const specSchema = schema.properties?.spec;
  assert.ok(specSchema, 'CRD has spec');
  check(m.spec, specSchema, 'spec', errors);
  assert.deepEqual(errors, [], 'the kind session manifest validates against the CRD schema');
  assert.equal(session.name, 'example');
  assert.equal(session.room, `${E2E.namespace}.demo-room`, "the example's room, in the e2e namespace's prefix");

  const infra = infraManifests();
  const images = JSON.stringify(infra).match(/"image":"[^"]+"/g) ?? [];
  assert.ok(images.length >= 2);
  for (const i of images) assert.ok(!i.endsWith(':latest"') && i.includes(':'), `pinned image tag: ${i}`);
  const lk = infra.find((o) => o.kind === 'Deployment' && (o.metadata as { name: string }).name === 'livekit');
  assert.match(JSON.stringify(lk), /"--dev"/);
  assert.equal(
    infra.find((o) => o.kind === 'Secret'),
    undefined,
    'no credentials in the session namespace (the operator mints a token per session)',
  );
});

test('kind e2e helm values render the chart with the :ci images and the in-cluster LiveKit', async () => {
  const values = parse(readFileSync(join(repoRoot, 'e2e/kind/helm-values.yaml'), 'utf8')) as Record<string, unknown>;
  const { objects } = await template(values); // the real helm: values.schema.json is enforced
  const deployments = find(objects, 'Deployment');
  assert.equal(deployments.length, 1, 'one operator Deployment');
  const spec = (
    deployments[0] as unknown as {
      spec: { template: { spec: { containers: Array<{ image: string; args: string[] }> } } };
    }
  ).spec;
  const c = spec.template.spec.containers[0];
  assert.ok(c);
  assert.equal(c.image, 'lkbrowser-operator:ci');
  assert.ok(c.args.includes('--runtime-image=lkbrowser-runtime:ci'), c.args.join(' '));
  assert.ok(c.args.includes(`--livekit-url=ws://livekit.${E2E.namespace}.svc.cluster.local:7880`), c.args.join(' '));
  assert.ok(c.args.includes('--livekit-credentials-dir=/etc/lkbrowser/livekit'), c.args.join(' '));
  const secrets = find(objects, 'Secret') as unknown as {
    metadata: { namespace: string };
    data: Record<string, string>;
  }[];
  assert.deepEqual(
    secrets.map((s) => [s.metadata.namespace, Buffer.from(s.data.apiKey ?? '', 'base64').toString()]),
    [['lkb-system', E2E.apiKey]],
    'the dev credentials stay in the release namespace',
  );
  assert.ok(!JSON.stringify(objects).includes(':latest'), 'no :latest image anywhere');
});
