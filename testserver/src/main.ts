// CLI: node testserver/src/main.ts [--host 127.0.0.1] [--port 7880] [--api-key devkey] [--api-secret secret]
// (env LIVEKIT_API_KEY / LIVEKIT_API_SECRET, LOG_LEVEL). Prints the URL; SIGINT/SIGTERM shut it down cleanly.
import { CliError, type OptionSpec, parseOptions, usage } from '@lkbrowser/cli';
import { pino } from 'pino';
import { startTestServer } from './index.ts';

const OPTIONS = {
  host: { flag: 'host', kind: 'string', arg: 'addr', help: 'listen address (default 127.0.0.1)' },
  port: { flag: 'port', kind: 'string', arg: 'n', help: 'listen port (default 7880, 0 = any)' },
  apiKey: { flag: 'api-key', env: 'LIVEKIT_API_KEY', kind: 'string', arg: 'key', help: 'API key (default devkey)' },
  apiSecret: {
    flag: 'api-secret',
    env: 'LIVEKIT_API_SECRET',
    kind: 'string',
    arg: 'secret',
    help: 'API secret (default secret)',
  },
} as const satisfies Record<string, OptionSpec>;

let opts: ReturnType<typeof parseOptions<keyof typeof OPTIONS>>;
try {
  opts = parseOptions(OPTIONS, process.env, process.argv.slice(2));
} catch (e) {
  if (!(e instanceof CliError)) throw e;
  console.error(e.message);
  process.exit(2);
}
if (opts.help) {
  console.log(
    `usage: main.ts [flags]\nA LiveKit-protocol test SFU for the local demo and tests. Production uses a real LiveKit server.\n${usage(OPTIONS)}`,
  );
  process.exit(0);
}
const values = { host: opts.strings.host ?? '127.0.0.1', port: opts.strings.port ?? '7880' };

const port = Number(values.port);
if (!/^\d+$/.test(values.port) || port > 65535) {
  console.error(`invalid --port ${values.port}`);
  process.exit(2);
}

const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });
const server = await startTestServer({
  host: values.host,
  port,
  apiKey: opts.strings.apiKey ?? 'devkey',
  apiSecret: opts.strings.apiSecret ?? 'secret',
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
