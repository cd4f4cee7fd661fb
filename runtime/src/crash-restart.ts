// Crash recovery: when Chromium or the engine host dies, restart the page (a few attempts with backoff) while the
// room tracks stay published; give up with a fatal error so the process exits non-zero and the pod restarts.
import type { Logger } from 'pino';
import type { BrowserPage } from '@lkbrowser/native';
import { errMsg } from './errors.ts';
import type { RuntimeMetrics } from './metrics.ts';

const ATTEMPTS = 3;

export interface CrashRestartOptions {
  page: BrowserPage;
  metrics: RuntimeMetrics;
  logger: Logger;
  /** True once the session closes: stop trying. */
  closed: () => boolean;
  /** After each successful restart (reset input state, ask for a repaint). */
  restarted: () => void;
  /** Every attempt failed. */
  fatal: (err: Error) => void;
  /** Backoff before attempt n+1, ms. Default 500·n. */
  backoffMs?: (attempt: number) => number;
}

export class CrashRestart {
  readonly #o: CrashRestartOptions;
  #restarts = 0;
  #running = false;

  constructor(opts: CrashRestartOptions) {
    this.#o = opts;
  }

  /** Successful restarts so far. */
  get restarts(): number {
    return this.#restarts;
  }

  /** Restarts the page unless a restart is already running. */
  async restart(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    const { page, metrics, logger, closed } = this.#o;
    const backoff = this.#o.backoffMs ?? ((n: number) => 500 * n);
    let lastErr: unknown;
    try {
      for (let attempt = 1; attempt <= ATTEMPTS && !closed(); attempt++) {
        try {
          await page.restart();
          this.#restarts++;
          metrics.browserRestarts.inc();
          this.#o.restarted();
          logger.info(
            { attempt, restarts: this.#restarts },
            'browser restarted; publishing resumes on the same tracks',
          );
          return;
        } catch (e) {
          lastErr = e;
          logger.error({ err: errMsg(e), attempt }, 'browser restart failed');
          await new Promise((r) => setTimeout(r, backoff(attempt)));
        }
      }
      if (!closed()) this.#o.fatal(new Error(`browser restart failed ${ATTEMPTS} times: ${errMsg(lastErr)}`));
    } finally {
      this.#running = false;
    }
  }
}
