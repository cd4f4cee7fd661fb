// A real runtime in a room for the client tests: the real LiveKit server (testkit's startSfu), the real engine (Chromium
// under Xvfb) and a RoomSession in this process, pages served on 127.0.0.1. Participants join with rtc-node.
import { createContext, type EngineContext, type EnginePage } from '@lkbrowser/native';
import { RoomSession, RuntimeMetrics } from '@lkbrowser/runtime';
import { type PageServer, type Sfu, servePages, startSfu, withTimeout } from '@lkbrowser/testkit';
import { dispose, Room } from '@livekit/rtc-node';
import { BROWSER_ROLE, BROWSER_ROLE_ATTRIBUTE } from '@lkbrowser/protocol';
import { AccessToken } from 'livekit-server-sdk';
import { pino } from 'pino';

export const logger = pino({ level: process.env.LKB_TEST_LOG_LEVEL ?? 'warn' });

export type Server = Sfu;

/** The room server of every room test: the real livekit-server unless LKB_TEST_SFU=testserver. */
export function spawnServer(): Promise<Server> {
  return startSfu();
}

/** `attributes` go into the token (server-attested), like the role attribute of a runtime's token. */
export async function join(
  server: Server,
  room: string,
  identity: string,
  attributes?: Record<string, string>,
): Promise<Room> {
  const at = new AccessToken(server.apiKey, server.apiSecret, { identity, name: identity, ttl: 600, attributes });
  at.addGrant({ room, roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true });
  const r = new Room();
  await withTimeout(
    `${identity} connect`,
    r.connect(server.url, await at.toJwt(), { autoSubscribe: false, dynacast: false }),
    30_000,
  );
  return r;
}

export interface Runtime {
  server: Server;
  pages: PageServer;
  page: EnginePage;
  session: RoomSession;
  metrics: RuntimeMetrics;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  room: string;
  pages: Record<string, string>;
  start: string;
  width?: number;
  height?: number;
  focusAgents?: string[];
  screenshotIdentities?: string[];
}

/** The runtime, as `browser`, in `room`: the same RoomSession main.ts runs, on the real engine. */
export async function startRuntime(o: RuntimeOptions): Promise<Runtime> {
  const cleanups: Array<[string, () => Promise<unknown>]> = [];
  const close = async (): Promise<void> => {
    for (const [name, fn] of cleanups.reverse()) {
      try {
        await withTimeout(`cleanup ${name}`, fn(), 20_000);
      } catch (e) {
        console.error(`cleanup ${name} failed:`, e);
      }
    }
  };
  try {
    const server = await spawnServer();
    cleanups.push(['server', () => server.close()]);
    const pages = await servePages(o.pages);
    cleanups.push(['pages', () => pages.close()]);
    const ctx: EngineContext = await createContext({ startTimeoutMs: 60_000, logger });
    cleanups.push(['engine', () => ctx.close()]);
    const page = (await ctx.newPage({
      url: `${pages.base}${o.start}`,
      width: o.width ?? 800,
      height: o.height ?? 600,
      framerate: 30,
      audio: false,
    })) as EnginePage;
    const room = await join(server, o.room, 'browser', { [BROWSER_ROLE_ATTRIBUTE]: BROWSER_ROLE });
    cleanups.push(['browser room', () => room.disconnect()]);
    const metrics = new RuntimeMetrics();
    const session = new RoomSession({
      room,
      page,
      framerate: 30,
      audio: false,
      nav: { allowPrivate: true, allowedOrigins: [] },
      focusIdleMs: 0,
      focusPriorityIdentities: [],
      focusAgentIdentities: o.focusAgents ?? [],
      screenshotIdentities: o.screenshotIdentities ?? [],
      metrics,
      logger,
    });
    cleanups.push(['session', () => session.close()]);
    await withTimeout('session start', session.start(), 30_000);
    return {
      server,
      pages,
      page,
      session,
      metrics,
      close: async () => {
        await close();
        await dispose();
      },
    };
  } catch (e) {
    await close();
    throw e;
  }
}
