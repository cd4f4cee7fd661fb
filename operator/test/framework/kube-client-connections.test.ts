// ClientNodeKube keeps one connection pool: sequential requests over TLS reuse one connection (client-node builds
// a new undici Agent per applySecurityAuthentication call: used per request, that was a TCP+TLS handshake each).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ClientNodeKube, PODS } from '../../src/framework/kube-client.ts';
import { kubeConfigFor } from '../support/helpers.ts';

test('sequential and concurrent requests share a few kept-alive TLS connections', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lkb-kc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      join(dir, 'k.pem'),
      '-out',
      join(dir, 'c.pem'),
    ],
    { stdio: 'ignore' },
  );
  let connections = 0;
  const auth: string[] = [];
  const server = createServer(
    { key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) },
    (req, res) => {
      auth.push(req.headers.authorization ?? '');
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' } }));
    },
  );
  server.on('secureConnection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as AddressInfo).port;
  const client = new ClientNodeKube(kubeConfigFor(`https://127.0.0.1:${port}`, 'tok'));
  t.after(() => client.close());
  for (let i = 0; i < 20; i++) assert.equal((await client.get(PODS, 'ns', 'p'))?.metadata.name, 'p');
  // undici opens a second socket right after the first exchange (a bare undici Agent does the same against this
  // server), then reuses it: per-request Agents made one connection per request.
  assert.ok(connections <= 2, `${connections} connections for twenty sequential requests`);
  const before = connections;
  await Promise.all(Array.from({ length: 8 }, () => client.get(PODS, 'ns', 'p')));
  await Promise.all(Array.from({ length: 8 }, () => client.get(PODS, 'ns', 'p')));
  assert.ok(connections - before <= 8, `${connections - before} new connections for 2 x 8 concurrent requests`);
  assert.ok(
    auth.every((a) => a === 'Bearer tok'),
    'every request is authenticated',
  );
  server.closeAllConnections();
});
