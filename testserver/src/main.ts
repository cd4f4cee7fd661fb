// CLI: node testserver/src/main.ts [--host 127.0.0.1] [--port 7880] [--api-key devkey] [--api-secret secret]
// (env LIVEKIT_API_KEY / LIVEKIT_API_SECRET, LOG_LEVEL). Prints the URL; SIGINT/SIGTERM shut it down cleanly.
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startTestServer } from './index.ts';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '7880' },
    'api-key': { type: 'string' },
    'api-secret': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log(
    'usage: main.ts [--host 127.0.0.1] [--port 7880] [--api-key KEY] [--api-secret SECRET]\n' +
      'A LiveKit-protocol test SFU for the local demo and tests. Production uses a real LiveKit server.',
  );
  process.exit(0);
}

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid --port ${values.port}`);
  process.exit(2);
}

const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });
const server = await startTestServer({
  host: values.host,
  port,
  apiKey: values['api-key'] ?? process.env.LIVEKIT_API_KEY ?? 'devkey',
  apiSecret: values['api-secret'] ?? process.env.LIVEKIT_API_SECRET ?? 'secret',
  logger,
});
console.log(server.url);

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal: sig }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
