// Watches against a real API server whose history is compacted on its own every second (--etcd-compaction-interval)
// and served from etcd (--watch-cache=false), so a watch resumed from an old resourceVersion gets the real 410
// Gone. The partition between operator and server is a TCP relay the test cuts or freezes (support/tcp-cut.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { waitFor } from '@lkbrowser/testkit';
import { SESSIONS } from '../../src/browsersession/resource.ts';
import type { Operator } from '../../src/operator.ts';
import { TestCluster } from '../support/cluster.ts';
import { TcpCut } from '../support/tcp-cut.ts';

const LONG = 90_000;

describe('watch resilience on a real API server', { timeout: 10 * 60_000 }, () => {
  let c: TestCluster;
  let relay: TcpCut;
  let kc: KubeConfig;
  before(async () => {
    c = await TestCluster.start({ apiserverArgs: ['--watch-cache=false', '--etcd-compaction-interval=1s'] });
    const server = new URL(c.cp.server);
    relay = new TcpCut(server.hostname, Number(server.port));
    await relay.start();
    // The admin kubeconfig, pointed at the relay (the server certificate is for 127.0.0.1, like the relay).
    kc = c.kubeConfig();
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig without cluster');
    kc.clusters = kc.clusters.map((x) =>
      x.name === cluster.name ? { ...x, server: `https://127.0.0.1:${relay.port}` } : x,
    );
  });
  after(async () => {
    await c?.stop();
    await relay?.stop();
  });

  async function operatorVia(ns: string, watchdogMs = 60_000): Promise<Operator> {
    const op = await c.operator({ namespaces: [ns], watchdogMs }, kc);
    await waitFor('synced through the relay', () => op.synced(), LONG);
    return op;
  }

  it('cut off while the world changes and history is compacted → real 410 → relist; the missed delete and create converge', async () => {
    const ns = await c.namespace('gone');
    const op = await operatorVia(ns);
    await c.createSession(ns, 'w1');
    await waitFor('pod w1', () => c.pod(ns, 'w1'), LONG);
    const [sessions] = op.informers().sessions;
    assert.ok(sessions);
    const rv = sessions.lastResourceVersion();
    relay.cut();
    await c.createSession(ns, 'w2');
    await c.admin.delete(SESSIONS, ns, 'w1');
    // Wait until the server itself answers a watch from that resourceVersion with 410 (compaction passed it).
    await waitFor(
      'server compacted past the informer',
      async () => {
        const r = await c.cp.api(
          'GET',
          `/apis/lkbrowser.dev/v1alpha1/namespaces/${ns}/browsersessions?watch=true&resourceVersion=${rv}&timeoutSeconds=1`,
        );
        return r.status === 410 || r.text.includes('"code":410');
      },
      LONG,
      500,
    );
    relay.heal();
    await waitFor('pod w2 after the relist', () => c.pod(ns, 'w2'), LONG);
    await waitFor('w1 pod garbage-collected', async () => (await c.pod(ns, 'w1')) === undefined, LONG);
    await waitFor('session informer saw 410', () => sessions.stats.gone >= 1, LONG);
    assert.equal(sessions.get(`${ns}/w1`), undefined, 'the delete missed while cut off reached the cache');
    await waitFor('w2 status', async () => (await c.session(ns, 'w2'))?.status?.phase === 'Pending', LONG);
  });

  it('a watch whose connection goes silent for good (black-holed) is restarted by the watchdog', async () => {
    const ns = await c.namespace('silent');
    const op = await operatorVia(ns, 3000);
    const [sessions] = op.informers().sessions;
    assert.ok(sessions);
    await c.createSession(ns, 'd1');
    await waitFor('pod d1', () => c.pod(ns, 'd1'), LONG);
    relay.blackhole();
    await c.createSession(ns, 'd2');
    // Only a new watch on a new connection can deliver d2: the old stream never speaks again.
    await waitFor('pod d2 after the watchdog restart', () => c.pod(ns, 'd2'), LONG);
    // Every watch shares one HTTP/2 connection: the first watchdog to fire (sessions' or pods') drops it, which ends
    // the other watch with an error instead, so either informer's watchdog counts.
    const { pods } = op.informers();
    const aborts = [sessions, ...pods].reduce((n, i) => n + i.stats.watchdogAborts, 0);
    assert.ok(aborts >= 1, 'a watchdog restarted the black-holed watch');
  });
});
