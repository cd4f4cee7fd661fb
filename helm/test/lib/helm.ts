// The real helm binary (scripts/tools/kubernetes.sh builds the pinned version) on helm/lkbrowser: template, lint,
// and the objects it renders. Each call gets its own HELM_*_HOME inside a temp dir, so nothing touches ~.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toolPath, toolVersions } from '@lkbrowser/testkit';
import { parse as yamlParse, parseAllDocuments } from 'yaml';

export const repoRoot = new URL('../../../', import.meta.url).pathname;
export const chartDir = join(repoRoot, 'helm/lkbrowser');

export type Dict = Record<string, unknown>;
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: unknown;
}

export const chartYaml = yamlParse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as {
  name: string;
  version: string;
  appVersion: string;
  kubeVersion?: string;
};
export const release = { Name: 'lkb', Namespace: 'lkb-system' };

export function helmBinary(): string {
  return toolPath(`helm-${toolVersions().HELM_VERSION}`, 'helm', 'kubernetes.sh');
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs helm with its own config/cache/data dirs; `values` are passed as a values file (JSON is YAML). */
export async function helm(
  args: string[],
  opts: { values?: Dict; env?: Record<string, string> } = {},
): Promise<HelmResult> {
  const home = mkdtempSync(join(tmpdir(), 'lkb-helm-'));
  try {
    const extra: string[] = [];
    if (opts.values) {
      const f = join(home, 'values.json');
      writeFileSync(f, JSON.stringify(opts.values));
      extra.push('--values', f);
    }
    return await new Promise<HelmResult>((resolve, reject) => {
      const child = spawn(helmBinary(), [...args, ...extra], {
        cwd: repoRoot,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: home,
          HELM_CACHE_HOME: join(home, 'cache'),
          HELM_CONFIG_HOME: join(home, 'config'),
          HELM_DATA_HOME: join(home, 'data'),
          ...opts.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

export interface Rendered {
  objects: K8sObject[];
}

/** `helm template` of the chart as release lkb in lkb-system; throws helm's own error on failure. */
export async function template(
  values: Dict,
  opts: { name?: string; namespace?: string; extraArgs?: string[] } = {},
): Promise<Rendered> {
  const r = await helm(
    [
      'template',
      opts.name ?? release.Name,
      chartDir,
      '--namespace',
      opts.namespace ?? release.Namespace,
      '--render-subchart-notes',
      ...(opts.extraArgs ?? []),
    ],
    { values },
  );
  if (r.code !== 0) throw new Error(r.stderr.trim() || `helm template exited ${r.code}`);
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(r.stdout)) {
    if (doc.errors.length > 0) throw new Error(`helm template output: YAML error ${doc.errors[0]?.message}`);
    const obj = doc.toJS() as unknown;
    if (obj === null || obj === undefined) continue;
    objects.push(obj as K8sObject);
  }
  return { objects };
}

/** The error helm prints when it refuses values (schema or a template `fail`/`required`). */
export async function templateError(values: Dict, extraArgs: string[] = []): Promise<string> {
  const r = await helm(['template', release.Name, chartDir, '--namespace', release.Namespace, ...extraArgs], {
    values,
  });
  if (r.code === 0) throw new Error(`helm template accepted ${JSON.stringify(values)}`);
  return r.stderr;
}

export function find(objs: K8sObject[], kind: string, name?: string): K8sObject[] {
  return objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
}

// ---- IPv4 CIDR helpers for NetworkPolicy checks ----
function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
    throw new Error(`bad IP ${ip}`);
  return (
    (((parts[0] as number) << 24) >>> 0) +
    ((parts[1] as number) << 16) +
    ((parts[2] as number) << 8) +
    (parts[3] as number)
  );
}
export function inCidr(ip: string, cidr: string): boolean {
  const [net, bitsS] = cidr.split('/') as [string, string];
  const bits = Number(bitsS);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (ipToInt(ip) & mask) >>> 0 === (ipToInt(net) & mask) >>> 0;
}
