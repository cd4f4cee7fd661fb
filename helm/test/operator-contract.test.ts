// Contract between the CRD/chart (this folder) and the operator's own code (operator/src): the runtime pods the
// operator builds are what the chart's NetworkPolicy selects and admits, the labels the CRD reserves are the ones the
// operator sets, the statuses it writes pass the CRD's status schema, and the credentials keys line up.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse as yamlParse } from 'yaml';
import { type BrowserSession, buildStatus, desiredPod, invalidObservation, loadConfig, type OperatorConfig, observePod, type Pod, resolveSpec, selectorLabels } from '@lkbrowser/operator';
import { find, render } from './lib/chart.ts';
import { CrdValidator, type Schema } from './lib/crd-validator.ts';

// biome-ignore lint/suspicious/noExplicitAny: test-only navigation of parsed YAML / rendered manifests
type AnyObj = any;

const root = new URL('../../', import.meta.url);
const crd = yamlParse(readFileSync(new URL('crds/browsersession.yaml', root), 'utf8')) as AnyObj;
const validator = new CrdValidator(crd.spec.versions[0].schema.openAPIV3Schema as Schema);

const values = {
  livekit: { url: 'wss://livekit.example.com', apiKey: 'k', apiSecret: 's' },
  networkPolicy: { enabled: true },
};
const rendered = render(values);

function configFromChart(): OperatorConfig {
  const [d] = find(rendered.objects, 'Deployment') as [AnyObj];
  const c = d.spec.template.spec.containers[0];
  const parsed = loadConfig(c.args, { POD_NAMESPACE: 'lkb-system', POD_NAME: 'op-0' });
  if (parsed.help) throw new Error('unexpected --help');
  return parsed.config;
}

/** An example as the apiserver stores it: defaults applied, uid/generation set. */
function stored(path: string): BrowserSession {
  const obj = yamlParse(readFileSync(new URL(path, root), 'utf8')) as AnyObj;
  assert.deepEqual(validator.validate(obj), []);
  const s = validator.defaulted(obj) as AnyObj;
  s.metadata = { ...s.metadata, namespace: 'lkb-system', uid: '0b8e7c5a-1111-4222-8333-944455556666', generation: 1 };
  return s as BrowserSession;
}

function labelsMatch(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

describe('runtime pods built by the operator vs. the chart and CRD', () => {
  const config = configFromChart();
  const [np] = find(rendered.objects, 'NetworkPolicy', 'lkb-lkbrowser-runtime') as [AnyObj];
  const [secret] = find(rendered.objects, 'Secret') as [AnyObj];

  for (const example of ['examples/browsersession.yaml', 'examples/browsersession-full.yaml']) {
    it(`${example}: pod is selected by the runtime NetworkPolicy and serves the port it admits`, () => {
      const session = stored(example);
      const pod = desiredPod(session, resolveSpec(session, config), config) as AnyObj;
      assert.ok(labelsMatch(np.spec.podSelector.matchLabels, pod.metadata.labels), JSON.stringify(pod.metadata.labels));
      const admitted = np.spec.ingress[0].ports.map((p: AnyObj) => p.port);
      assert.deepEqual(admitted, [config.runtimePort]);
      assert.equal(pod.spec.automountServiceAccountToken, false);
    });
  }

  it('the minimal example uses the chart-made Secret with the keys the chart writes', () => {
    const session = stored('examples/browsersession.yaml');
    const pod = desiredPod(session, resolveSpec(session, config), config) as AnyObj;
    const refs = pod.spec.containers
      .flatMap((c: AnyObj) => c.env ?? [])
      .filter((e: AnyObj) => e.valueFrom?.secretKeyRef)
      .map((e: AnyObj) => e.valueFrom.secretKeyRef);
    assert.ok(refs.length >= 2);
    for (const ref of refs) {
      assert.equal(ref.name, secret.metadata.name);
      assert.ok(ref.key in secret.data, `Secret has no key ${ref.key}`);
    }
  });

  it('every label the operator puts on runtime pods is reserved by the CRD (users cannot override it)', () => {
    const keys = Object.keys(selectorLabels(stored('examples/browsersession.yaml')));
    assert.ok(keys.includes('app.kubernetes.io/name'));
    for (const key of keys) {
      const obj = { apiVersion: 'lkbrowser.dev/v1alpha1', kind: 'BrowserSession', metadata: { name: 'x' }, spec: { url: 'https://a.io', room: 'r', pod: { labels: { [key]: 'evil' } } } };
      const issues = validator.validate(obj);
      assert.ok(issues.some((i) => /reserved/.test(i.message)), `label ${key} is not reserved by the CRD`);
    }
  });
});

describe('statuses written by the operator pass the CRD status schema', () => {
  const now = '2026-11-25T15:00:00Z';
  const session = stored('examples/browsersession-full.yaml');
  const runningPod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'example-full-browser', namespace: 'lkb-system', annotations: {} },
    spec: { nodeName: 'node-1', containers: [] },
    status: {
      phase: 'Running',
      startTime: '2026-11-25T14:59:00Z',
      conditions: [
        { type: 'PodScheduled', status: 'True' },
        { type: 'Ready', status: 'True' },
      ],
      containerStatuses: [{ name: 'browser', ready: true, restartCount: 1, state: { running: { startedAt: '2026-11-25T14:59:05Z' } } }],
    },
  } as unknown as Pod;
  const cases: [string, ReturnType<typeof observePod>, Pod | undefined][] = [
    ['no pod yet', observePod(undefined), undefined],
    ['running pod', observePod(runningPod), runningPod],
    ['invalid spec', invalidObservation(['spec.livekit.url is required']), undefined],
  ];
  for (const [name, obs, pod] of cases) {
    it(name, () => {
      const status = buildStatus(session, obs, pod, { podName: 'example-full-browser', participantIdentity: 'browser-support-42', url: 'https://docs.livekit.io/', focusHolder: 'alice' }, now);
      const issues = validator.validate({ ...session, status });
      assert.deepEqual(issues, [], JSON.stringify(status, null, 1));
      // And the Ready printer column finds a Ready condition.
      assert.ok(status.conditions?.some((c) => c.type === 'Ready'));
    });
  }
});
