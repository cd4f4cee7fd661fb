// A TCP relay between the operator and the real API server that the test can cut (every open connection dropped,
// new ones refused until heal) or black-hole (open connections go silent for good): a network fault on demand. The API
// server's answers are untouched (TLS passes through), so what the operator meets afterwards (410 Gone for a
// compacted resourceVersion, a watch that never speaks) is the real server's behaviour.
import { createServer, type Server, type Socket, connect } from 'node:net';
import type { AddressInfo } from 'node:net';

function link([a, b]: [Socket, Socket]): void {
  a.pipe(b);
  b.pipe(a);
}

export class TcpCut {
  private server: Server | undefined;
  private readonly pairs = new Set<[Socket, Socket]>();
  private down = false;
  private readonly holes: [Socket, Socket][] = [];
  port = 0;
  connections = 0;

  private readonly targetHost: string;
  private readonly targetPort: number;

  constructor(targetHost: string, targetPort: number) {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
  }

  async start(): Promise<number> {
    this.server = createServer((client) => {
      if (this.down) {
        client.destroy();
        return;
      }
      this.connections++;
      const upstream = connect(this.targetPort, this.targetHost);
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.pairs.delete(pair);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
      link(pair);
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    this.port = (this.server?.address() as AddressInfo).port;
    return this.port;
  }

  /** Drops every connection and refuses new ones until heal(). */
  cut(): void {
    this.down = true;
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
  }

  /** Every open connection goes silent for good (a black-holed route); new connections pass normally. */
  blackhole(): void {
    for (const [a, b] of this.pairs) {
      a.unpipe(b);
      b.unpipe(a);
    }
    this.holes.push(...this.pairs); // never relinked; destroyed by their owners' timeouts or stop()
    this.pairs.clear();
  }

  heal(): void {
    this.down = false;
  }

  async stop(): Promise<void> {
    this.cut();
    for (const [a, b] of this.holes) {
      a.destroy();
      b.destroy();
    }
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
