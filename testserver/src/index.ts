// In-process LiveKit-protocol test SFU (signalling v0, werift). For the local demo and for
// integration/e2e tests only: production always points at a real LiveKit server.
import { pino, type Logger } from 'pino';
import { RoomRegistry } from './room-registry.ts';
import { SignalServer } from './signal-server.ts';

export interface TestServerOptions {
  /** Listen address; default '127.0.0.1'. ICE candidates use this address (loopback unless a specific IP is given). */
  host?: string;
  /** default 0 = ephemeral */
  port?: number;
  /** default 'devkey' */
  apiKey?: string;
  /** default 'secret' */
  apiSecret?: string;
  /** default: pino at level $TESTSERVER_LOG_LEVEL or 'warn' */
  logger?: Logger;
}

export interface TestServer {
  /** ws://HOST:PORT, the LiveKit URL to give to SDKs */
  url: string;
  /** http://HOST:PORT */
  httpUrl: string;
  port: number;
  apiKey: string;
  apiSecret: string;
  rooms(): Array<{ name: string; participants: string[] }>;
  close(): Promise<void>;
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const host = opts.host ?? '127.0.0.1';
  const apiKey = opts.apiKey ?? 'devkey';
  const apiSecret = opts.apiSecret ?? 'secret';
  const log = (opts.logger ?? pino({ level: process.env.TESTSERVER_LOG_LEVEL ?? 'warn' })).child({
    component: 'testserver',
  });
  // wildcard or loopback listen address: ICE runs on 127.0.0.1 only
  const advertisedAddress = host === '0.0.0.0' || host === 'localhost' || host.startsWith('127.') ? '127.0.0.1' : host;
  const registry = new RoomRegistry(log);
  const server = new SignalServer({ apiKey, apiSecret, advertisedAddress, rooms: registry, log });
  const port = await server.listen(opts.port ?? 0, host);
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host;
  const url = `ws://${urlHost}:${port}`;
  log.info(
    { url, ice: advertisedAddress },
    'LiveKit-protocol TEST server listening (local demo / tests only; production uses a real LiveKit server)',
  );
  let closing: Promise<void> | undefined;
  return {
    url,
    httpUrl: `http://${urlHost}:${port}`,
    port,
    apiKey,
    apiSecret,
    rooms: () => registry.all().map((r) => ({ name: r.name, participants: r.participants.map((p) => p.identity) })),
    close: () => {
      closing ??= server.close().then(() => log.info('test server closed'));
      return closing;
    },
  };
}
