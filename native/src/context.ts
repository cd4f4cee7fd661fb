// BrowserContext: validates options up front and owns its pages (one engine host each).
import { type Logger, pino } from 'pino';
import type { BrowserContext, BrowserPage, ContextOptions, PageOptions } from './engine-api.ts';
import { EnginePage, validateSize } from './page.ts';
import { resolveEngine } from './engine-kind.ts';
import { assertBuilt } from './shm.ts';

export interface EngineContextOptions extends ContextOptions {
  logger?: Logger;
}

export class EngineContext implements BrowserContext {
  private readonly list: EnginePage[] = [];
  private nextId = 1;
  private closed = false;
  private readonly opts: Required<Omit<EngineContextOptions, 'logger' | 'proxyServer' | 'chromiumUid'>> & {
    proxyServer: string | undefined;
    chromiumUid: number | undefined;
  };
  private readonly log: Logger;

  constructor(opts: EngineContextOptions = {}) {
    this.opts = {
      maxWidth: opts.maxWidth ?? 1920,
      maxHeight: opts.maxHeight ?? 1080,
      startTimeoutMs: opts.startTimeoutMs ?? 30_000,
      closeTimeoutMs: opts.closeTimeoutMs ?? 10_000,
      chromiumPath: opts.chromiumPath ?? '/usr/lib/chromium/chromium',
      proxyServer: opts.proxyServer,
      chromiumUid: opts.chromiumUid,
      engine: resolveEngine(opts.engine, process.env.LKB_ENGINE),
    };
    this.log = (opts.logger ?? pino({ name: 'engine', level: process.env.LOG_LEVEL ?? 'info' })).child({
      component: 'engine',
    });
  }

  get pages(): readonly BrowserPage[] {
    return this.list;
  }

  async newPage(o: PageOptions): Promise<EnginePage> {
    if (this.closed) throw new Error('browser context is closed');
    validateSize(o.width, o.height, this.opts.maxWidth, this.opts.maxHeight);
    if (!Number.isInteger(o.framerate) || o.framerate < 1 || o.framerate > 60) {
      throw new RangeError(`framerate ${o.framerate} outside 1..60`);
    }
    if (typeof o.url !== 'string' || o.url === '') throw new TypeError('url required');
    const page = new EnginePage({
      id: this.nextId++,
      url: o.url,
      width: o.width,
      height: o.height,
      framerate: o.framerate,
      audio: o.audio ?? true,
      maxWidth: this.opts.maxWidth,
      maxHeight: this.opts.maxHeight,
      chromiumPath: this.opts.chromiumPath,
      proxyServer: this.opts.proxyServer,
      chromiumUid: this.opts.chromiumUid,
      engine: this.opts.engine,
      startTimeoutMs: this.opts.startTimeoutMs,
      closeTimeoutMs: this.opts.closeTimeoutMs,
      logger: this.log,
      onClosed: (p) => {
        const i = this.list.indexOf(p);
        if (i >= 0) this.list.splice(i, 1);
      },
    });
    this.list.push(page);
    try {
      await page.start();
    } catch (err) {
      await page.close();
      throw err;
    }
    return page;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.list].map((p) => p.close()));
  }
}

/** Creates a context after checking that the native parts are built. */
export async function createContext(opts: EngineContextOptions = {}): Promise<EngineContext> {
  assertBuilt(resolveEngine(opts.engine, process.env.LKB_ENGINE));
  const maxW = opts.maxWidth ?? 1920;
  const maxH = opts.maxHeight ?? 1080;
  if (!Number.isInteger(maxW) || !Number.isInteger(maxH) || maxW < 16 || maxH < 16 || maxW > 7680 || maxH > 4320) {
    throw new RangeError(`invalid maximum size ${maxW}x${maxH}`);
  }
  if (opts.proxyServer !== undefined && !/^http:\/\/127\.0\.0\.1:\d{1,5}$/.test(opts.proxyServer)) {
    throw new RangeError(`proxyServer must be http://127.0.0.1:<port>, got ${opts.proxyServer}`);
  }
  if (opts.chromiumUid !== undefined) {
    if (!Number.isInteger(opts.chromiumUid) || opts.chromiumUid < 1 || opts.chromiumUid > 2 ** 30)
      throw new RangeError(`invalid chromiumUid ${opts.chromiumUid}`);
    if (process.getuid?.() !== 0) throw new RangeError('chromiumUid needs the engine to run as root');
  }
  return new EngineContext(opts);
}
