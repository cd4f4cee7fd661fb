// The chart on a real control plane with the real helm: the README's install commands verbatim, helm upgrade,
// helm install --wait, helm uninstall (CRD and sessions kept as documented, or removed with crd.keep=false).
// `kubectl wait --for=condition=Ready` needs a running runtime pod, i.e. a kubelet: that is issue #15's test; here
// no scheduler or kubelet runs, so pods stay Pending and that one command is not run.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type KubeControlPlane, startKubeControlPlane, waitFor } from '@lkbrowser/testkit';
import { chartDir, chartYaml, repoRoot } from './lib/helm.ts';

// biome-ignore lint/suspicious/noExplicitAny: test-only navigation of API objects
type AnyObj = any;

/** The shell commands of the first ```sh block after `heading` in a Markdown file: comments dropped, `\` joined. */
export function shellCommands(markdown: string, heading: string): string[] {
  const at = markdown.indexOf(`\n${heading}\n`);
  assert.ok(at >= 0, `heading ${heading} not found`);
  const block = /```sh\n([\s\S]*?)```/.exec(markdown.slice(at));
  assert.ok(block?.[1], `no sh block under ${heading}`);
  const cmds: string[] = [];
  let cur = '';
  for (const raw of block[1].split('\n')) {
    const line = raw.trimEnd();
    if (cur === '' && (line.trim() === '' || line.trim().startsWith('#'))) continue;
    if (line.endsWith('\\')) cur += `${line.slice(0, -1)} `;
    else {
      cmds.push((cur + line).replace(/\s+/g, ' ').trim());
      cur = '';
    }
  }
  return cmds;
}

/** What this test cannot run without a kubelet (issue #15). */
const needsKubelet = (cmd: string): boolean => cmd.startsWith('kubectl wait ');

let cp: KubeControlPlane;

function sh(cmd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', cmd], {
      cwd: repoRoot,
      env: cp.shellEnv('admin'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

async function runVerbatim(
  file: string,
  heading: string,
): Promise<{ ran: string[]; notRun: string[]; output: string }> {
  const cmds = shellCommands(readFileSync(join(repoRoot, file), 'utf8'), heading);
  assert.ok(cmds.length >= 2, `${file} ${heading}: ${cmds.join(' | ')}`);
  const ran: string[] = [];
  const notRun: string[] = [];
  let output = '';
  for (const cmd of cmds) {
    assert.match(cmd, /^(kubectl|helm) /, `only kubectl and helm commands are expected in ${file}: ${cmd}`);
    if (needsKubelet(cmd)) {
      notRun.push(cmd);
      continue;
    }
    const r = await sh(cmd);
    assert.equal(r.code, 0, `${file}: \`${cmd}\` failed:\n${r.out}`);
    ran.push(cmd);
    output += `$ ${cmd}\n${r.out}`;
  }
  return { ran, notRun, output };
}

async function getJson(args: string[]): Promise<AnyObj> {
  return JSON.parse((await cp.kubectl([...args, '-o', 'json'])).stdout) as AnyObj;
}
async function exists(args: string[]): Promise<boolean> {
  return (await cp.kubectl(['get', ...args], { allowFail: true })).code === 0;
}

before(async () => {
  cp = await startKubeControlPlane();
});
after(async () => {
  await cp?.stop();
});

describe('README commands, verbatim, on a real control plane', () => {
  it('shellCommands joins continued lines and drops comments', () => {
    const md = '\n## X\n\n```sh\n# c\na one \\\n  two\n# or: b\nb\n```\n';
    assert.deepEqual(shellCommands(md, '## X'), ['a one two', 'b']);
  });

  it('README.md "Install on Kubernetes with Helm" installs the chart', async () => {
    const r = await runVerbatim('README.md', '## Install on Kubernetes with Helm');
    assert.deepEqual(r.notRun, []);
    assert.ok(r.ran.some((c) => c.startsWith('helm install lkb ./helm/lkbrowser -n lkb-system')));
    const release = JSON.parse((await cp.helm(['list', '-n', 'lkb-system', '-o', 'json'])).stdout) as AnyObj[];
    assert.deepEqual(
      release.map((x) => [x.name, x.status, x.chart]),
      [['lkb', 'deployed', `lkbrowser-${chartYaml.version}`]],
    );
    const deploy = await getJson(['get', 'deployment', 'lkb-lkbrowser', '-n', 'lkb-system']);
    const vol = deploy.spec.template.spec.volumes.find((v: AnyObj) => v.name === 'livekit-credentials');
    assert.equal(vol?.secret.secretName, 'livekit-credentials', 'the operator mounts the README Secret');
    for (const o of [
      ['crd', 'browsersessions.lkbrowser.dev'],
      ['serviceaccount', 'lkb-lkbrowser', '-n', 'lkb-system'],
      ['clusterrole', 'lkb-lkbrowser'],
      ['clusterrolebinding', 'lkb-lkbrowser'],
      ['service', 'lkb-lkbrowser-metrics', '-n', 'lkb-system'],
      ['secret', 'livekit-credentials', '-n', 'lkb-system'],
    ])
      assert.ok(await exists(o), o.join(' '));
    // NOTES.txt, as helm renders it for this release.
    const notes = (await cp.helm(['get', 'notes', 'lkb', '-n', 'lkb-system'])).stdout;
    assert.match(notes, /watches BrowserSessions in all namespaces/);
    assert.match(notes, /wss:\/\/livekit\.example\.com/);
    assert.match(notes, /Secret "livekit-credentials"/);
    assert.match(notes, /kubectl wait --for=condition=Ready/);
    assert.match(notes, /kept on "helm uninstall"/);
    // The ReplicaSet controller made the operator's pod; with no scheduler it stays Pending.
    await waitFor(
      'operator pod created by the Deployment',
      async () =>
        (await getJson(['get', 'pods', '-n', 'lkb-system', '-l', 'app.kubernetes.io/component=operator'])).items
          .length === 1,
      60_000,
      250,
    );
  });

  it('README.md "Apply a BrowserSession": apply and get (kubectl wait needs a kubelet: #15)', async () => {
    const r = await runVerbatim('README.md', '## Apply a BrowserSession');
    assert.deepEqual(r.notRun, [
      'kubectl wait -n lkb-system --for=condition=Ready browsersession/example --timeout=180s',
    ]);
    assert.match(r.output, /example\s+lkb-system\.demo-room\s+https:\/\/example\.com\//);
    assert.match(r.output.split('\n').find((l) => /NAME\s+ROOM/.test(l)) ?? '', /POD\s+IDENTITY/);
  });

  it('helm upgrade changes the release (NetworkPolicy on, replicas 0) and --wait returns once it is ready', async () => {
    await cp.helm([
      'upgrade',
      'lkb',
      chartDir,
      '-n',
      'lkb-system',
      '--reuse-values',
      '--set',
      'networkPolicy.enabled=true',
      '--set',
      'operator.replicas=0',
      '--wait',
      '--timeout=120s',
    ]);
    const hist = JSON.parse((await cp.helm(['history', 'lkb', '-n', 'lkb-system', '-o', 'json'])).stdout) as AnyObj[];
    assert.deepEqual(
      hist.map((h) => [h.revision, h.status]),
      [
        [1, 'superseded'],
        [2, 'deployed'],
      ],
    );
    // The operator's NetworkPolicy; the runtime one's rules go to the operator (it writes them per session namespace).
    assert.ok(await exists(['networkpolicy', 'lkb-lkbrowser-operator', '-n', 'lkb-system']));
    const cm = await getJson(['get', 'configmap', 'lkb-lkbrowser-policy', '-n', 'lkb-system']);
    assert.ok(cm.data['runtime-networkpolicy.json']);
    assert.equal((await getJson(['get', 'deployment', 'lkb-lkbrowser', '-n', 'lkb-system'])).spec.replicas, 0);
    // And back: the NetworkPolicies go away with the next revision.
    await cp.helm([
      'upgrade',
      'lkb',
      chartDir,
      '-n',
      'lkb-system',
      '--reuse-values',
      '--set',
      'networkPolicy.enabled=false',
      '--wait',
      '--timeout=120s',
    ]);
    assert.equal(await exists(['networkpolicy', 'lkb-lkbrowser-operator', '-n', 'lkb-system']), false);
    const cm2 = await getJson(['get', 'configmap', 'lkb-lkbrowser-policy', '-n', 'lkb-system']);
    assert.equal(cm2.data['runtime-networkpolicy.json'], undefined);
  });

  it('helm install --wait of a second release (namespaced, no CRD, 0 replicas) succeeds', async () => {
    await cp.kubectl(['create', 'namespace', 'team-x']);
    await cp.helm([
      'install',
      'two',
      chartDir,
      '-n',
      'lkb-two',
      '--create-namespace',
      '--set',
      'livekit.url=wss://lk.example',
      '--set',
      'livekit.apiKey=k',
      '--set',
      'livekit.apiSecret=s',
      '--set',
      'crd.enabled=false',
      '--set',
      'watchNamespaces={team-x}',
      '--set',
      'rbac.namespaced=true',
      '--set',
      'operator.replicas=0',
      '--wait',
      '--timeout=120s',
    ]);
    assert.ok(await exists(['role', 'two-lkbrowser', '-n', 'team-x']));
    assert.ok(
      await exists(['secret', 'two-lkbrowser-livekit', '-n', 'lkb-two']),
      'credentials in the release namespace',
    );
    assert.equal(
      await exists(['secret', 'two-lkbrowser-livekit', '-n', 'team-x']),
      false,
      'none in the session namespace',
    );
    await cp.helm(['uninstall', 'two', '-n', 'lkb-two', '--wait']);
    assert.equal(await exists(['role', 'two-lkbrowser', '-n', 'team-x']), false);
  });

  it('helm uninstall keeps the CRD and the sessions (crd.keep=true, the default), removes the rest', async () => {
    await cp.helm(['uninstall', 'lkb', '-n', 'lkb-system', '--wait']);
    assert.ok(await exists(['crd', 'browsersessions.lkbrowser.dev']));
    assert.ok(await exists(['bs', 'example', '-n', 'lkb-system']));
    for (const o of [
      ['deployment', 'lkb-lkbrowser', '-n', 'lkb-system'],
      ['clusterrole', 'lkb-lkbrowser'],
      ['serviceaccount', 'lkb-lkbrowser', '-n', 'lkb-system'],
    ])
      assert.equal(await exists(o), false, o.join(' '));
  });

  it('helm/lkbrowser/README.md "Install" runs too (the kept CRD is adopted by the new release)', async () => {
    const r = await runVerbatim('helm/lkbrowser/README.md', '## Install');
    assert.deepEqual(r.notRun, [
      'kubectl wait -n lkb-system --for=condition=Ready browsersession/example --timeout=180s',
    ]);
    assert.ok(await exists(['bs', 'example', '-n', 'lkb-system']));
    assert.match(r.output, /example\s+lkb-system\.demo-room/);
  });

  it('with crd.keep=false, helm uninstall removes the CRD and with it every session', async () => {
    await cp.helm(['upgrade', 'lkb', chartDir, '-n', 'lkb-system', '--reuse-values', '--set', 'crd.keep=false']);
    const crd = await getJson(['get', 'crd', 'browsersessions.lkbrowser.dev']);
    assert.equal(crd.metadata.annotations?.['helm.sh/resource-policy'], undefined);
    await cp.helm(['uninstall', 'lkb', '-n', 'lkb-system', '--wait']);
    await waitFor('CRD deleted', async () => !(await exists(['crd', 'browsersessions.lkbrowser.dev'])), 60_000, 250);
  });
});
