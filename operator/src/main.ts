// lkbrowser operator entry point: `node operator/src/main.ts --help`.
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { helpText, loadConfig, OPERATOR_VERSION } from './config.ts';
import { ClientNodeKube } from './framework/kube-client.ts';
import { OperatorMetrics } from './framework/metrics.ts';
import { claimKeyFrom } from './browserpool/claim-secret.ts';
import { Operator } from './operator.ts';

async function main(): Promise<void> {
  let parsed: ReturnType<typeof loadConfig>;
  try {
    parsed = loadConfig(process.argv.slice(2), process.env);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${helpText()}\n`);
    process.exit(2);
  }
  if (parsed.help) {
    process.stdout.write(`${helpText()}\n`);
    return;
  }
  const config = parsed.config;
  const log = pino({ level: config.logLevel, base: { app: 'lkbrowser-operator', version: OPERATOR_VERSION } });
  const kc = new KubeConfig();
  if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
  else kc.loadFromDefault(); // in-cluster service account when running in a pod
  const client = new ClientNodeKube(kc);
  const claimKey = config.warmPools ? claimKeyFrom(process.env) : undefined;
  if (claimKey?.generated) log.warn('LKB_POOL_CLAIM_KEY not set: pool pods of earlier operator processes get replaced');
  const op = new Operator({
    config,
    client,
    log,
    warmPools: claimKey ? { claimKey: claimKey.key } : undefined,
    metrics: new OperatorMetrics({ defaultMetrics: true }),
    onLostLeadership: () => {
      log.fatal('leader election lost: exiting so a fresh replica can campaign');
      process.exit(1);
    },
  });
  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ signal }, 'shutting down');
    const hard = setTimeout(() => {
      log.error('graceful shutdown took longer than 30s: exiting');
      process.exit(1);
    }, 30_000);
    hard.unref();
    op.stop().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (e: unknown) => {
        log.error({ err: e }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  log.info(
    {
      cluster: kc.getCurrentCluster()?.server,
      namespaces: config.namespaces,
      leaderElect: config.leaderElect,
      identity: op.identity,
    },
    'starting',
  );
  await op.start();
  log.info({ probePort: op.probePort, metricsPort: op.metricsPort }, 'started');
}

main().catch((e: unknown) => {
  process.stderr.write(`lkbrowser operator failed: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
