// The RPC table of docs/room-protocol.md: one entry per method, with whether it needs the caller to hold focus.
// Handlers validate their payload and answer JSON-able values or throw RpcError; rpc-router.ts does the shared
// part (rate limit, focus gate, error mapping, metrics). To add an RPC: name it in the protocol package, add an
// entry here, document it in docs/room-protocol.md.
import { RpcError } from '@livekit/rtc-node';
import type { Logger } from 'pino';
import type { BrowserPage } from '@lkbrowser/native';
import { LIMITS } from './config.ts';
import { errMsg } from './errors.ts';
import type { FocusArbiter, FocusBroadcast } from './focus.ts';
import { checkNavigationTarget, type NavPolicy, type ResolveHost } from './nav-policy.ts';
import { RPC, RpcCode } from '@lkbrowser/protocol';

const NAVIGATE_WAIT_MS = 7000;
const RESIZE_WAIT_MS = 10_000;

export interface RpcHandler {
  method: string;
  /** Only the focus holder may call it (and a call counts as the holder's activity). */
  needsFocus: boolean;
  handle(caller: string, payload: string): Promise<unknown>;
}

/** What the handlers act on; the session provides it. */
export interface RpcContext {
  page: BrowserPage;
  focus: FocusArbiter;
  nav: NavPolicy;
  resolveHost: ResolveHost;
  logger: Logger;
  nowMs: () => number;
  /** The holder changed through an RPC: broadcast it and apply it to the page. */
  focusChanged: (b: FocusBroadcast, reason: string) => void;
  status: () => unknown;
  /** Resolves true once the room has announced `identity` to this runtime (participant-announcements.ts). */
  whenAnnounced: (identity: string) => Promise<boolean>;
}

export function rpcHandlers(ctx: RpcContext): RpcHandler[] {
  const { page, focus, logger } = ctx;
  const engine = <T>(what: string, fn: () => Promise<T>, waitMs: number) => engineCall(page, logger, what, fn, waitMs);
  return [
    {
      method: RPC.requestFocus,
      needsFocus: false,
      handle: async (caller) => {
        // Granted only once the caller's data packets can be attributed to it (else its input would be refused).
        if (!(await ctx.whenAnnounced(caller)))
          throw new RpcError(RpcCode.Timeout, 'the room has not announced you to the browser yet; retry');
        const d = focus.request(caller, ctx.nowMs());
        if (!d.granted)
          return 'coolingDownMs' in d
            ? { granted: false, holder: null, retryAfterMs: d.coolingDownMs }
            : { granted: false, holder: d.holder };
        if (d.broadcast) ctx.focusChanged(d.broadcast, d.reason);
        return { granted: true };
      },
    },
    {
      method: RPC.releaseFocus,
      needsFocus: false,
      handle: async (caller) => {
        const d = focus.release(caller);
        if (d.broadcast) ctx.focusChanged(d.broadcast, 'release');
        return { released: d.changed };
      },
    },
    {
      // Admin only (LKB_FOCUS_ADMIN_IDENTITIES; the caller's identity is attested by its join token).
      method: RPC.revokeFocus,
      needsFocus: false,
      handle: async (caller) => {
        const d = focus.revoke(caller, ctx.nowMs());
        if (!d.allowed) throw new RpcError(RpcCode.Forbidden, 'only an admin identity may revoke focus');
        if (d.broadcast) ctx.focusChanged(d.broadcast, 'revoked');
        if (d.changed) logger.warn({ by: caller, previous: d.previous }, 'focus revoked by an admin');
        return { revoked: d.changed, previous: d.previous };
      },
    },
    {
      method: RPC.navigate,
      needsFocus: true,
      handle: async (_caller, payload) => {
        const url = parseObject(payload)?.url;
        if (typeof url !== 'string' || url.trim() === '')
          throw new RpcError(RpcCode.BadRequest, 'payload must be {"url":"..."}');
        await navigateChecked(ctx, url);
        return { status: 'ok' };
      },
    },
    {
      method: RPC.goBack,
      needsFocus: true,
      handle: async () => ({ status: 'ok', navigated: await historyStep(ctx, 'back') }),
    },
    {
      method: RPC.goForward,
      needsFocus: true,
      handle: async () => ({ status: 'ok', navigated: await historyStep(ctx, 'forward') }),
    },
    {
      method: RPC.reload,
      needsFocus: true,
      handle: async () => {
        await historyStep(ctx, 'reload');
        return { status: 'ok' };
      },
    },
    { method: RPC.status, needsFocus: false, handle: async () => ctx.status() },
    {
      method: RPC.resize,
      needsFocus: true,
      handle: async (_caller, payload) => {
        const body = parseObject(payload);
        const w = body?.width;
        const h = body?.height;
        const okInt = (v: unknown, [lo, hi]: readonly [number, number]): v is number =>
          typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
        if (!okInt(w, LIMITS.width) || !okInt(h, LIMITS.height)) {
          throw new RpcError(
            RpcCode.BadRequest,
            `payload must be {"width":${LIMITS.width[0]}..${LIMITS.width[1]},"height":${LIMITS.height[0]}..${LIMITS.height[1]}}`,
          );
        }
        await engine('resize', () => page.resize(w, h), RESIZE_WAIT_MS);
        return { status: 'ok', width: page.width, height: page.height };
      },
    },
  ];
}

/** The navigation of browser/navigate and of the `navigate` action: the policy (with the DNS check), then the
 *  engine. Throws RpcError (UrlBlocked, BrowserError). */
export async function navigateChecked(
  ctx: Pick<RpcContext, 'page' | 'nav' | 'resolveHost' | 'logger'>,
  url: string,
): Promise<void> {
  const d = await checkNavigationTarget(url, ctx.nav, ctx.resolveHost, (host, err) =>
    ctx.logger.debug({ host, err: errMsg(err) }, 'navigation target did not resolve'),
  );
  if (!d.ok) throw new RpcError(RpcCode.UrlBlocked, `url blocked: ${d.reason}`);
  await engineCall(ctx.page, ctx.logger, 'navigate', () => ctx.page.navigate(d.url), NAVIGATE_WAIT_MS);
}

/** back / forward / reload for the RPCs and the actions; true when the history moved (reload: always). */
export async function historyStep(
  ctx: Pick<RpcContext, 'page' | 'logger'>,
  kind: 'back' | 'forward' | 'reload',
): Promise<boolean> {
  const { page, logger } = ctx;
  if (kind === 'reload') {
    await engineCall(page, logger, 'reload', () => page.reload(), NAVIGATE_WAIT_MS);
    return true;
  }
  const moved = await engineCall(
    page,
    logger,
    kind,
    () => (kind === 'back' ? page.goBack() : page.goForward()),
    NAVIGATE_WAIT_MS,
  );
  return moved !== false;
}

/** Runs an engine command for an RPC; if it is still running after `waitMs` (a slow page load) the RPC answers
 *  anyway: the command was issued and its completion shows up as browser-url / frames. */
async function engineCall<T>(
  page: BrowserPage,
  log: Logger,
  what: string,
  fn: () => Promise<T>,
  waitMs: number,
): Promise<T | undefined> {
  if (page.crashed) throw new RpcError(RpcCode.BrowserError, 'browser is restarting');
  let timer: NodeJS.Timeout | undefined;
  const p = fn();
  const timeout = new Promise<'timeout'>((res) => {
    timer = setTimeout(() => res('timeout'), waitMs);
  });
  try {
    const r = await Promise.race([p, timeout]);
    if (r === 'timeout') {
      p.catch((e: unknown) => log.warn({ err: errMsg(e), what }, 'engine call failed after its RPC returned'));
      log.info({ what, waitMs }, 'engine call still running; replied ok');
      return undefined;
    }
    return r;
  } finally {
    clearTimeout(timer);
  }
}

export function parseObject(payload: string): Record<string, unknown> | undefined {
  if (!payload) return undefined;
  try {
    const v: unknown = JSON.parse(payload);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    // Not JSON: the caller turns `undefined` into a bad-request RPC error.
    return undefined;
  }
}
