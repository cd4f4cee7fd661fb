// HTTP + WebSocket front door, LiveKit signalling v0:
// - `GET /rtc` (WebSocket upgrade): token check (Authorization: Bearer or ?access_token=), then join.
// - `/rtc/v1` (single-PC signalling) and `/rtc/v1/validate` answer 404: on that, rtc-node and
//   livekit-client fall back to v0 (rtc-node needs the 404 on the upgrade, livekit-client asks
//   `/rtc/v1/validate` after a failed upgrade and needs a 404 without "room does not exist").
// - `GET /rtc/validate`: 200 for a good token, 401/403 with the reason otherwise (clients ask it after
//   a failed upgrade to report a useful error).
// - `GET /`: 200 "OK" (health).
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { type ClaimGrants, TokenVerifier } from 'livekit-server-sdk';
import { DisconnectReason } from '@livekit/protocol';
import { type JoinParams, Participant } from './participant.ts';
import type { RoomRegistry } from './room-registry.ts';

export interface SignalServerOptions {
  apiKey: string;
  apiSecret: string;
  advertisedAddress: string;
  rooms: RoomRegistry;
  log: Logger;
}

class AuthError extends Error {
  readonly status: 401 | 403;
  constructor(status: 401 | 403, message: string) {
    super(message);
    this.status = status;
  }
}

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type',
  'Access-Control-Allow-Methods': 'GET, OPTIONS',
};

export class SignalServer {
  readonly http: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly verifier: TokenVerifier;
  private readonly opts: SignalServerOptions;
  private readonly log: Logger;
  private readonly participants = new Set<Participant>();
  private readonly sockets = new Set<Duplex>();

  constructor(opts: SignalServerOptions) {
    this.opts = opts;
    this.log = opts.log;
    this.verifier = new TokenVerifier(opts.apiKey, opts.apiSecret);
    this.http = http.createServer((req, res) => {
      this.onRequest(req, res).catch((err: unknown) => {
        this.log.error({ err, url: req.url }, 'http request failed');
        if (!res.headersSent) res.writeHead(500, CORS);
        res.end('internal error');
      });
    });
    this.http.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.http.on('upgrade', (req, socket, head) => {
      this.onUpgrade(req, socket, head).catch((err: unknown) => {
        this.log.error({ err, url: req.url }, 'upgrade failed');
        rejectUpgrade(socket, 500, 'internal error');
      });
    });
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (req.method === 'OPTIONS') {
      res.writeHead(204, CORS).end();
      return;
    }
    if (path === '/') {
      res.writeHead(200, { ...CORS, 'Content-Type': 'text/plain' }).end('OK');
      return;
    }
    if (path === '/rtc/validate') {
      try {
        await this.authorize(req, url);
        res.writeHead(200, { ...CORS, 'Content-Type': 'text/plain' }).end('success');
      } catch (err) {
        const e = asAuthError(err);
        res.writeHead(e.status, { ...CORS, 'Content-Type': 'text/plain' }).end(e.message);
      }
      return;
    }
    // includes /rtc/v1 and /rtc/v1/validate: single-PC signalling is not offered
    res.writeHead(404, { ...CORS, 'Content-Type': 'text/plain' }).end('not found');
  }

  private async onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '');
    if (path !== '/rtc') {
      this.log.debug({ path }, 'upgrade refused with 404 (v1 signalling not offered; client falls back to /rtc)');
      rejectUpgrade(socket, 404, 'not found');
      return;
    }
    let params: JoinParams;
    let roomName: string;
    try {
      ({ params, roomName } = await this.authorize(req, url));
    } catch (err) {
      const e = asAuthError(err);
      this.log.warn({ status: e.status, reason: e.message }, 'join refused');
      rejectUpgrade(socket, e.status, e.message);
      return;
    }
    if (url.searchParams.get('reconnect') === '1') {
      // no resume support: a resume attempt is answered as a fresh join; the client then does a full reconnect
      this.log.info({ identity: params.identity }, 'resume requested; treated as a new join');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const room = this.opts.rooms.getOrCreate(roomName);
      const dup = room.byIdentity(params.identity);
      if (dup) dup.kick(DisconnectReason.DUPLICATE_IDENTITY, 'replaced by a new connection with the same identity');
      const p = new Participant(ws, room, params, {
        advertisedAddress: this.opts.advertisedAddress,
        log: this.log,
        onClosed: (gone) => {
          this.participants.delete(gone);
          this.opts.rooms.release(gone.room);
        },
      });
      this.participants.add(p);
      room.add(p);
      p.start();
    });
  }

  /** Verify the access token and derive the join parameters. Throws AuthError. */
  private async authorize(req: http.IncomingMessage, url: URL): Promise<{ params: JoinParams; roomName: string }> {
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : url.searchParams.get('access_token');
    if (!token) throw new AuthError(401, 'no access token provided');
    let claims: ClaimGrants;
    try {
      claims = await this.verifier.verify(token);
    } catch (err) {
      throw new AuthError(401, `invalid token: ${err instanceof Error ? err.message : String(err)}`);
    }
    const grant = claims.video;
    if (!grant?.roomJoin) throw new AuthError(401, 'permissions denied: token has no roomJoin grant');
    if (!grant.room) throw new AuthError(401, 'permissions denied: token grant names no room');
    if (!claims.sub) throw new AuthError(401, 'invalid token: no identity');
    const cp = Number(url.searchParams.get('client_protocol') ?? 0);
    return {
      roomName: grant.room,
      params: {
        identity: claims.sub,
        name: claims.name ?? '',
        metadata: claims.metadata ?? '',
        attributes: claims.attributes ?? {},
        clientProtocol: Number.isFinite(cp) ? cp : 0,
        autoSubscribe: url.searchParams.get('auto_subscribe') !== '0',
        canPublish: grant.canPublish ?? true,
        canSubscribe: grant.canSubscribe ?? true,
        canPublishData: grant.canPublishData ?? true,
        hidden: grant.hidden ?? false,
      },
    };
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        const addr = this.http.address();
        resolve(typeof addr === 'object' && addr ? addr.port : port);
      });
    });
  }

  /** Disconnect everybody (leave SERVER_SHUTDOWN), close all PCs, sockets and the listener. */
  async close(): Promise<void> {
    const all = [...this.participants];
    for (const p of all) p.kick(DisconnectReason.SERVER_SHUTDOWN, 'server shutdown');
    await Promise.all(all.map((p) => p.idle()));
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }
}

function asAuthError(err: unknown): AuthError {
  return err instanceof AuthError ? err : new AuthError(401, err instanceof Error ? err.message : String(err));
}

function rejectUpgrade(socket: Duplex, status: number, body: string): void {
  const text = http.STATUS_CODES[status] ?? 'Error';
  const payload = Buffer.from(body);
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain\r\nContent-Length: ${payload.length}\r\n` +
      `Access-Control-Allow-Origin: *\r\nConnection: close\r\n\r\n${body}`,
  );
}
