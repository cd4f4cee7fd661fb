#!/usr/bin/env node
// lkbrowser-runtime: one Chromium page (engine) as a participant of one LiveKit room.
// Exit codes: 0 = asked to stop (SIGTERM/SIGINT, idle timeout, max duration); 1 = failure (room lost after
// the SDK's own reconnect attempts, engine could not start/restart); 2 = invalid configuration.
import { type BrowserContext, type BrowserPage, createContext } from '@lkbrowser/native';
import { dispose, Room, RoomEvent } from '@livekit/rtc-node';
import { existsSync, writeFileSync } from 'node:fs';
import { pino } from 'pino';
import { AutomationServer } from './automation/cdp-proxy.ts';
import { OPTIONS, parseConfig, type RuntimeConfig } from './config.ts';
import { EgressProxy } from './egress/egress-proxy.ts';
import { startStatusServer, type StatusServer } from './http-server.ts';
import { RuntimeMetrics } from './metrics.ts';
import { checkNavigation } from './nav-policy.ts';
import { fitPrepared, type PreparedAudio, type PreparedVideo, prepareAudio, prepareVideo } from './prepared-media.ts';
import { type RoomJoin, joinRoom } from './room-join.ts';
import { RoomSession } from './session.ts';
import { StartupTimeline } from './startup-timeline.ts';
import { StandbyGate } from './standby.ts';
import { argvWithoutClaimed, type Claim, claimedEnv } from './standby-claim.ts';
import { resolveToken } from './token.ts';
import { terminationMessage } from './termination-message.ts';
import { TokenFile } from './token-file.ts';

const SHUTDOWN_DEADLINE_MS = 5000;

const parsed = parseConfig(process.env, process.argv.slice(2));
if (parsed.kind === 'help') {
  process.stdout.write(`${parsed.text}\n`);
  process.exit(0);
}
if (parsed.kind === 'error') {
  process.stderr.write(`lkbrowser-runtime: ${parsed.message}\n`);
  process.exit(2);
}
// A standby runtime (warm pool) replaces cfg and nav with its claim's settings once claimed.
let cfg = parsed.config;
let nav = { allowPrivate: cfg.navAllowPrivateNetworks, allowedOrigins: cfg.navAllowedOrigins };
const startCheck = checkNavigation(cfg.url, nav);
if (!startCheck.ok) {
  process.stderr.write(`lkbrowser-runtime: LKB_URL (--url) refused by the navigation policy: ${startCheck.reason}\n`);
  process.exit(2);
}

const log = pino({ name: 'lkbrowser-runtime', level: cfg.logLevel });
const metrics = new RuntimeMetrics({ defaultMetrics: true });
const timeline = new StartupTimeline(metrics);
let session: RoomSession | undefined;
let ctx: BrowserContext | undefined;
let page: BrowserPage | undefined;
let room: Room | undefined;
let http: StatusServer | undefined;
let egress: EgressProxy | undefined;
let automation: AutomationServer | undefined;
let tokenFile: TokenFile | undefined;
let shuttingDown = false;
const timers: NodeJS.Timeout[] = [];

async function step(what: string, fn: () => Promise<unknown> | undefined): Promise<void> {
  try {
    await fn();
  } catch (err) {
    log.warn({ err, step: what }, 'shutdown step failed');
  }
}

/** Kubernetes shows this file's text as the container's termination message (status, events, kubectl). */
const TERMINATION_LOG = '/dev/termination-log';

function writeTerminationMessage(text: string): void {
  if (!existsSync(TERMINATION_LOG)) return; // not in a Kubernetes pod
  try {
    writeFileSync(TERMINATION_LOG, `${terminationMessage(text)}\n`);
  } catch (err) {
    log.warn({ err }, 'cannot write the termination message');
  }
}

async function shutdown(code: number, reason: string): Promise<never> {
  if (!shuttingDown) {
    shuttingDown = true;
    log.info({ code, reason }, 'shutting down');
    if (code !== 0) writeTerminationMessage(reason);
    const deadline = setTimeout(() => {
      log.error({ code, reason }, `shutdown took longer than ${SHUTDOWN_DEADLINE_MS} ms; exiting anyway`);
      process.exit(code === 0 ? 1 : code);
    }, SHUTDOWN_DEADLINE_MS);
    for (const t of timers) clearInterval(t);
    await step('automation', () => automation?.close());
    await step('session', () => session?.close());
    await step('room', () => room?.disconnect());
    await step('rtc', () => dispose());
    await step('engine', () => ctx?.close());
    await step('egress', () => egress?.close());
    tokenFile?.close();
    await step('http', () => http?.close());
    clearTimeout(deadline);
    log.info({ code, reason }, 'bye');
    process.exit(code);
  }
  return new Promise<never>(() => undefined); // a shutdown is already running; it exits the process
}

process.on('SIGTERM', () => void shutdown(0, 'SIGTERM'));
process.on('SIGINT', () => void shutdown(0, 'SIGINT'));
process.on('unhandledRejection', (err) => {
  log.fatal({ err }, 'unhandled rejection');
  void shutdown(1, 'unhandled rejection');
});

/** A claim's settings parsed exactly like a cold start's environment (same names, same checks). */
function acceptClaim(claim: Claim): { ok: true; value: RuntimeConfig } | { ok: false; reason: string } {
  const argv = argvWithoutClaimed(process.argv.slice(2), claim, (env) => {
    const o = Object.values(OPTIONS).find((x) => x.env === env);
    return o ? { flag: o.flag, boolean: o.kind === 'boolean' } : undefined;
  });
  const p = parseConfig(claimedEnv(process.env, claim), argv);
  if (p.kind !== 'ok') return { ok: false, reason: p.kind === 'error' ? p.message : 'help requested' };
  const c = checkNavigation(p.config.url, {
    allowPrivate: p.config.navAllowPrivateNetworks,
    allowedOrigins: p.config.navAllowedOrigins,
  });
  if (!c.ok) return { ok: false, reason: `LKB_URL refused by the navigation policy: ${c.reason}` };
  return { ok: true, value: { ...p.config, url: c.url } };
}

/** The room with our handlers, joined and browser-video published (joinRoom) with the current settings. */
function openRoom(token: string, prepared?: PreparedVideo): RoomJoin {
  const r = new Room();
  room = r;
  r.on(RoomEvent.Disconnected, (reason) => {
    if (shuttingDown) return;
    log.error({ reason }, 'disconnected from the room (after the SDK reconnect attempts)');
    void shutdown(1, 'room disconnected');
  });
  r.on(RoomEvent.Reconnecting, () => log.warn('connection to the room lost; reconnecting'));
  r.on(RoomEvent.Reconnected, () => log.info('reconnected to the room'));
  return joinRoom(r, {
    url: cfg.livekitUrl,
    token,
    width: cfg.width,
    height: cfg.height,
    framerate: cfg.framerate,
    videoCodec: cfg.videoCodec,
    timeline,
    prepared,
  });
}

async function run(): Promise<void> {
  timeline.mark('runtime_started');
  const gate = cfg.claimSecretSha256 ? new StandbyGate(cfg.claimSecretSha256, acceptClaim, log) : undefined;
  http = await startStatusServer({
    host: cfg.metricsHost,
    port: cfg.metricsPort,
    metrics,
    logger: log,
    source: {
      status: () => session?.status(),
      sandbox: () => page?.sandbox,
      // Standby: ready to be claimed once the page is up; claimed: ready while publishing, like a cold start.
      ready: gate ? () => (gate.isClaimed() ? undefined : page !== undefined) : undefined,
    },
    claim: gate?.handle,
  });
  log.info({ port: http.port, host: cfg.metricsHost }, 'status server listening (/healthz /readyz /metrics /status)');

  if (cfg.maxDurationSeconds > 0 && !gate) {
    timers.push(setTimeout(() => void shutdown(0, 'max duration reached'), cfg.maxDurationSeconds * 1000));
  }

  if (cfg.tokenFile) {
    tokenFile = new TokenFile(cfg.tokenFile, log);
    tokenFile.watch();
  }
  // Every connection Chromium makes goes through this proxy, which applies the address policy at connect time.
  egress = new EgressProxy({
    allowPrivate: cfg.navAllowPrivateNetworks,
    denyCidrs: cfg.egressDenyCidrs,
    logger: log,
    metrics,
  });
  const proxyServer = await egress.listen(0);
  log.info(
    { proxyServer, denyCidrs: cfg.egressDenyCidrs, allowPrivate: cfg.navAllowPrivateNetworks },
    'egress proxy listening',
  );
  // Cold start: join the room and publish browser-video while the engine starts (they need only the settings).
  let join = gate ? undefined : openRoom(tokenFile ? tokenFile.current() : await resolveToken(cfg));
  ctx = await createContext({
    maxWidth: 1920,
    maxHeight: 1080,
    logger: log,
    proxyServer,
    chromiumUid: cfg.chromiumUid,
    engine: cfg.engine,
  });
  if (shuttingDown) return;
  page = await ctx.newPage({
    url: startCheck.ok ? startCheck.url : 'about:blank',
    width: cfg.width,
    height: cfg.height,
    framerate: cfg.framerate,
    audio: cfg.audio,
  });
  timeline.addPage(page.startupMarks);
  log.info({ url: page.url, width: page.width, height: page.height, sandbox: page.sandbox }, 'page started');
  metrics.chromiumSandbox.set(page.sandbox.enabled ? 1 : 0);
  if (shuttingDown) return;
  // Standby: the room's media objects too (no room, no credentials), so the claim's path does not start rtc-node.
  let media: { video?: PreparedVideo; audio?: PreparedAudio } = {};
  if (gate) {
    const standbyMedia = {
      video: prepareVideo(cfg.width, cfg.height),
      audio: cfg.audio ? prepareAudio() : undefined,
    };
    timeline.mark('standby_ready');
    log.info('standby: engine up on a blank page, in no room; waiting for a claim (POST /claim)');
    cfg = await gate.claimed;
    timeline.mark('claimed');
    if (shuttingDown) return;
    const fit = fitPrepared(standbyMedia, cfg);
    media = fit;
    for (const u of fit.unused)
      u.source.close().catch((err: unknown) => log.warn({ err }, 'closing an unused standby media source failed'));
    nav = { allowPrivate: cfg.navAllowPrivateNetworks, allowedOrigins: cfg.navAllowedOrigins };
    const maxMs = cfg.maxDurationSeconds * 1000;
    if (maxMs > 0) timers.push(setTimeout(() => void shutdown(0, 'max duration reached'), maxMs));
  }

  if (cfg.automation && cfg.automationTokenFile) {
    const p = page;
    automation = new AutomationServer({
      host: cfg.automationHost,
      port: cfg.automationPort,
      tokenFile: cfg.automationTokenFile,
      target: () =>
        p.crashed || p.cdpTargetId === ''
          ? undefined
          : { targetId: p.cdpTargetId, open: () => p.openCdpClient(), version: () => p.browserVersion() },
      nav,
      logger: log,
      metrics,
    });
    const port = await automation.listen();
    log.warn(
      { port, host: cfg.automationHost },
      'automation endpoint listening (DevTools scoped to the page, bearer token; docs/automation.md)',
    );
  }

  // Claimed: the page goes to the session's size and URL while the room is joined and browser-video published (the
  // session sends frames once the page is done).
  let pageReady: Promise<void> | undefined;
  if (gate) {
    join = openRoom(tokenFile ? tokenFile.current() : await resolveToken(cfg), media.video);
    const p = page;
    const c = cfg;
    const t0 = performance.now();
    pageReady = (async () => {
      if (p.width !== c.width || p.height !== c.height) await p.resize(c.width, c.height);
      if (c.url !== 'about:blank') await p.navigate(c.url);
      timeline.mark('page_ready');
      log.info({ ms: Math.round(performance.now() - t0) }, 'claimed: page loaded');
    })();
    // Observed by session.start(); this handler only keeps a failure while joining from being unhandled.
    pageReady.catch((err: unknown) => log.debug({ err }, 'claimed page start failed'));
    await join.connected;
    log.info({ ms: Math.round(performance.now() - t0) }, 'claimed: room joined');
  } else await join?.connected;
  if (!room || !join) throw new Error('no room joined'); // unreachable: one of the two paths above opened it
  log.info({ room: room.name, identity: room.localParticipant?.identity }, 'connected to the room');
  if (shuttingDown) return;

  session = new RoomSession({
    room,
    page,
    framerate: cfg.framerate,
    videoCodec: cfg.videoCodec,
    videoTrack: join.video,
    audio: cfg.audio,
    nav,
    focusIdleMs: cfg.focusIdleReleaseSeconds * 1000,
    focusPriorityIdentities: cfg.focusPriorityIdentities,
    focusMaxHoldMs: cfg.focusMaxHoldSeconds * 1000,
    focusAdminIdentities: cfg.focusAdminIdentities,
    focusAgentIdentities: cfg.focusAgentIdentities,
    screenshotIdentities: cfg.screenshotIdentities,
    metrics,
    logger: log,
    pageReady,
    earlyRpc: join.earlyRpc,
    preparedAudio: media.audio,
  });
  session.on('fatal', (err) => {
    log.fatal({ err }, 'browser cannot be restarted');
    void shutdown(1, 'browser failed');
  });
  session.once('publishing', () => timeline.mark('publishing'));
  session.once('subscribed', () => timeline.mark('first_subscriber'));
  session.once('firstFrame', () => {
    timeline.mark('first_frame_published');
    log.info({ msSinceProcessStart: timeline.summary() }, 'startup: first frame published');
  });
  await session.start();
  timeline.mark('session_started');

  if (cfg.emptyRoomTimeoutSeconds > 0) {
    let aloneSince = Date.now();
    const r = room;
    timers.push(
      setInterval(() => {
        if (r.remoteParticipants.size > 0) {
          aloneSince = Date.now();
          return;
        }
        if (Date.now() - aloneSince >= cfg.emptyRoomTimeoutSeconds * 1000)
          void shutdown(0, 'empty-room timeout (no other participant)');
      }, 1000),
    );
  }
}

run().catch((err: unknown) => {
  log.fatal({ err }, 'runtime failed to start');
  void shutdown(1, `runtime failed to start: ${err instanceof Error ? err.message : String(err)}`);
});
