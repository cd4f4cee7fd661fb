// Standby (warm pool): the runtime's engine is up on a blank page, it is in no room and holds no credentials, and
// it waits for one claim: POST /claim with `Authorization: Bearer <secret>` (the pod's environment holds only the
// secret's sha256) and the session's settings (standby-claim.ts). The first valid claim wins; every later one is
// refused with 409, so a runtime serves exactly one session and is never handed to a second tenant.
import type http from 'node:http';
import type { Logger } from 'pino';
import { bearerMatches, type Claim, MAX_CLAIM_BYTES, parseClaimBody } from './standby-claim.ts';

/** Turns a parsed claim into the session's configuration, or says why it cannot be run. */
export type ClaimAcceptor<T> = (claim: Claim) => { ok: true; value: T } | { ok: false; reason: string };

export class StandbyGate<T> {
  readonly #digest: string;
  readonly #accept: ClaimAcceptor<T>;
  readonly #log: Logger;
  #claimed = false;
  #resolve!: (v: T) => void;
  /** Resolves with the accepted claim's value. */
  readonly claimed: Promise<T>;

  constructor(digestHex: string, accept: ClaimAcceptor<T>, log: Logger) {
    this.#digest = digestHex;
    this.#accept = accept;
    this.#log = log.child({ component: 'standby' });
    this.claimed = new Promise<T>((r) => {
      this.#resolve = r;
    });
  }

  isClaimed(): boolean {
    return this.#claimed;
  }

  /** The POST /claim handler for the status server. */
  readonly handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const reply = (code: number, body: Record<string, unknown>): void => {
      res
        .writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify(body));
    };
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    if (!bearerMatches(req.headers.authorization, this.#digest)) {
      this.#log.warn({ remote: req.socket.remoteAddress }, 'claim refused: bad or missing bearer secret');
      reply(401, { error: 'unauthorized' });
      return;
    }
    if (this.#claimed) {
      reply(409, { error: 'already claimed' });
      return;
    }
    let size = 0;
    const chunks: Buffer[] = [];
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_CLAIM_BYTES) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => {
      if (tooLarge) return reply(413, { error: `claim larger than ${MAX_CLAIM_BYTES} bytes` });
      // Checked again: two claims may have been read at the same time.
      if (this.#claimed) return reply(409, { error: 'already claimed' });
      const parsed = parseClaimBody(Buffer.concat(chunks).toString('utf8'));
      if (!parsed.ok) return reply(400, { error: parsed.reason });
      const accepted = this.#accept(parsed.claim);
      if (!accepted.ok) {
        this.#log.warn({ reason: accepted.reason }, 'claim refused: its settings cannot be run');
        return reply(422, { error: accepted.reason });
      }
      this.#claimed = true;
      this.#log.info(
        { room: parsed.claim.env.LIVEKIT_ROOM, identity: parsed.claim.env.LIVEKIT_IDENTITY },
        'claimed: joining the room',
      );
      reply(202, { claimed: true });
      this.#resolve(accepted.value);
    });
    req.on('error', (err) => this.#log.warn({ err }, 'claim request failed while reading'));
  };
}
