// The runtime side of pool pods for control-plane tests, where no kubelet runs: one HTTP server plays every
// standby runtime (all pods get podIP 127.0.0.1 and this port). It knows each pod by the claim-secret digest in
// the pod's environment and answers POST /claim as runtime/src/standby.ts does (202 once per pod, then 409; 401
// for an unknown secret), and GET /status with publishing true once claimed.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pod } from '../../src/framework/kube-types.ts';

export interface RecordedClaim {
  pod: string;
  env: Record<string, string>;
}

export class StandbyRuntimes {
  port = 0;
  /** Every accepted claim, in order. */
  readonly accepted: RecordedClaim[] = [];
  /** Claims answered 409 (a repeat to an already claimed pod). */
  repeats = 0;
  private readonly byDigest = new Map<string, string>();
  private readonly claimed = new Set<string>();
  private server: Server | undefined;

  /** Registers a pool pod (its claim-secret digest from the pod's env). */
  add(pod: Pod): void {
    const env = pod.spec?.containers?.[0]?.env ?? [];
    const digest = env.find((e) => e.name === 'LKB_CLAIM_SECRET_SHA256')?.value;
    if (digest) this.byDigest.set(digest, `${pod.metadata.namespace}/${pod.metadata.name}`);
  }

  async start(): Promise<number> {
    this.server = createServer((req, res) => {
      if (req.url === '/status') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ url: 'https://example.com/', focusHolder: null, publishing: true, restarts: 0 }));
        return;
      }
      if (req.url !== '/claim' || req.method !== 'POST') return void res.writeHead(404).end();
      const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
      const digest = m
        ? createHash('sha256')
            .update(m[1] as string)
            .digest('hex')
        : '';
      const pod = this.byDigest.get(digest);
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        const reply = (code: number, o: unknown) =>
          res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(o));
        if (!pod) return reply(401, { error: 'unauthorized' });
        if (this.claimed.has(pod)) {
          this.repeats++;
          return reply(409, { error: 'already claimed' });
        }
        this.claimed.add(pod);
        this.accepted.push({ pod, env: (JSON.parse(body) as { env: Record<string, string> }).env });
        reply(202, { claimed: true });
      });
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    this.port = (this.server?.address() as AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
