// Kubernetes manifests for the kind e2e (printed as YAML by the CLI, checked offline by e2e/kind.test.ts):
//   - LiveKit server in dev mode (devkey/secret) with hostNetwork, so WebRTC candidates are the kind node's IP:
//     reachable from runtime pods AND from the CI host (the verifier joins through `kubectl port-forward` for
//     signalling and reaches the node IP for media);
//   - a test page server (the runtime image's node serves CLICK_PAGE_HTML; no extra image to pull);
//   - the BrowserSession from examples/browsersession.yaml, pointed at that page (private network allowed).
// Usage: node e2e/kind/manifests.ts infra|session   (env: E2E_NAMESPACE, LIVEKIT_IMAGE, RUNTIME_IMAGE)
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { CLICK_PAGE_HTML } from '../lib/room-check.ts';

export const E2E = {
  namespace: process.env.E2E_NAMESPACE ?? 'lkb-e2e',
  livekitImage: process.env.LIVEKIT_IMAGE ?? 'livekit/livekit-server:v1.9.0',
  runtimeImage: process.env.RUNTIME_IMAGE ?? 'lkbrowser-runtime:ci',
  apiKey: 'devkey',
  apiSecret: 'secret',
  pagePort: 8000,
} as const;

export const livekitUrl = (ns: string): string => `ws://livekit.${ns}.svc.cluster.local:7880`;
export const pageUrl = (ns: string): string => `http://testpage.${ns}.svc.cluster.local:${E2E.pagePort}/`;

type Obj = Record<string, unknown>;

const PAGE_SERVER = `
const fs = require('node:fs');
const html = fs.readFileSync('/page/index.html');
require('node:http').createServer((q, s) => {
  if (q.method === 'POST' && q.url === '/clicked') { console.log('clicked'); s.writeHead(204).end(); return; }
  s.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
}).listen(${E2E.pagePort}, '0.0.0.0', () => console.log('test page on :${E2E.pagePort}'));
process.on('SIGTERM', () => process.exit(0));
`;

export function infraManifests(ns = E2E.namespace): Obj[] {
  const labels = (app: string) => ({ app, 'app.kubernetes.io/part-of': 'lkbrowser-e2e' });
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'livekit', namespace: ns, labels: labels('livekit') },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'livekit' } },
        template: {
          metadata: { labels: labels('livekit') },
          spec: {
            hostNetwork: true,
            dnsPolicy: 'ClusterFirstWithHostNet',
            containers: [
              {
                name: 'livekit',
                image: E2E.livekitImage,
                imagePullPolicy: 'IfNotPresent',
                // --dev: keys devkey/secret, UDP 50000-60000, TCP 7881; advertise the node IP explicitly.
                args: ['--dev', '--bind', '0.0.0.0', '--node-ip', '$(NODE_IP)'],
                env: [{ name: 'NODE_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } }],
                ports: [
                  { name: 'http', containerPort: 7880 },
                  { name: 'rtc-tcp', containerPort: 7881 },
                ],
                readinessProbe: { httpGet: { path: '/', port: 7880 }, periodSeconds: 2 },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'livekit', namespace: ns, labels: labels('livekit') },
      spec: { selector: { app: 'livekit' }, ports: [{ name: 'http', port: 7880, targetPort: 7880 }] },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'testpage', namespace: ns, labels: labels('testpage') },
      data: { 'index.html': CLICK_PAGE_HTML },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'testpage', namespace: ns, labels: labels('testpage') },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'testpage' } },
        template: {
          metadata: { labels: labels('testpage') },
          spec: {
            containers: [
              {
                name: 'page',
                image: E2E.runtimeImage,
                imagePullPolicy: 'IfNotPresent',
                command: ['node', '-e', PAGE_SERVER],
                ports: [{ name: 'http', containerPort: E2E.pagePort }],
                readinessProbe: { httpGet: { path: '/', port: E2E.pagePort }, periodSeconds: 2 },
                volumeMounts: [{ name: 'page', mountPath: '/page', readOnly: true }],
              },
            ],
            volumes: [{ name: 'page', configMap: { name: 'testpage' } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'testpage', namespace: ns, labels: labels('testpage') },
      spec: { selector: { app: 'testpage' }, ports: [{ name: 'http', port: E2E.pagePort, targetPort: E2E.pagePort }] },
    },
  ];
}

export interface SessionInfo {
  manifest: Obj;
  name: string;
  room: string;
  identity: string;
}

/**
 * examples/browsersession.yaml, in the e2e namespace, showing the test page. The in-cluster LiveKit is the
 * operator's (helm-values.yaml livekit.url); the API key/secret are the chart's Secret in lkb-system.
 */
export function sessionManifest(
  ns = E2E.namespace,
  examplePath = new URL('../../examples/browsersession.yaml', import.meta.url),
): SessionInfo {
  const ex = parse(readFileSync(examplePath, 'utf8')) as {
    metadata: { name: string; namespace?: string };
    spec: Obj & { room: string; participant?: { identity?: string } };
  };
  const name = ex.metadata.name;
  const room = `${ns}.${ex.spec.room.slice(ex.spec.room.indexOf('.') + 1)}`;
  const manifest: Obj = {
    ...ex,
    metadata: { ...ex.metadata, namespace: ns },
    spec: {
      ...ex.spec,
      url: pageUrl(ns),
      // rooms are confined per namespace (chart policy.roomPrefix "<namespace>."): the example's room, moved here
      room,
      viewport: { width: 640, height: 360, framerate: 15 },
      navigation: { allowPrivateNetworks: true },
      // a 2-4 core CI runner also hosts LiveKit, the operator and the test page
      pod: { resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '2Gi' } } },
    },
  };
  return { manifest, name, room, identity: ex.spec.participant?.identity ?? name };
}

export function toYaml(objs: Obj[]): string {
  return objs.map((o) => stringify(o)).join('---\n');
}

if (import.meta.main) {
  const what = process.argv[2];
  if (what === 'infra') process.stdout.write(toYaml(infraManifests()));
  else if (what === 'session') process.stdout.write(toYaml([sessionManifest().manifest]));
  else if (what === 'session-info') {
    const s = sessionManifest();
    process.stdout.write(
      `${JSON.stringify({ name: s.name, room: s.room, identity: s.identity, namespace: E2E.namespace })}\n`,
    );
  } else {
    console.error('usage: node e2e/kind/manifests.ts infra|session|session-info');
    process.exit(2);
  }
}
