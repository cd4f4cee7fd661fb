// The join token from a file (LKB_TOKEN_FILE): the operator mounts a per-session Secret holding a short-lived,
// room-scoped token and rotates it; the runtime re-reads the file when it changes and uses the newest token for
// every connect. Kubernetes updates Secret volumes by swapping a symlink, which inotify (fs.watch) does not report
// reliably, and a stat-based watch (fs.watchFile) misses a change made before its first poll; the file is tiny, so
// it is simply read again every interval and compared.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';

export const MAX_TOKEN_BYTES = 16 * 1024;

/** Checks the file's text: one JWT (three base64url parts), nothing else. Pure. */
export function parseTokenFile(text: string): { ok: true; token: string } | { ok: false; reason: string } {
  const t = text.trim();
  if (t.length === 0) return { ok: false, reason: 'token file is empty' };
  if (t.length > MAX_TOKEN_BYTES) return { ok: false, reason: `token file larger than ${MAX_TOKEN_BYTES} bytes` };
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(t))
    return { ok: false, reason: 'token file does not hold one JWT' };
  return { ok: true, token: t };
}

export class TokenFile {
  readonly path: string;
  #token: string;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #lastError = '';

  /** Reads the file now; throws if it is missing or does not hold a token. */
  constructor(path: string, log: Logger) {
    this.path = path;
    this.#log = log.child({ component: 'token-file' });
    this.#token = this.#read();
  }

  #read(): string {
    const p = parseTokenFile(readFileSync(this.path, { encoding: 'utf8', flag: 'r' }).slice(0, MAX_TOKEN_BYTES + 1));
    if (!p.ok) throw new Error(`${this.path}: ${p.reason}`);
    return p.token;
  }

  /** The newest valid token read from the file. */
  current(): string {
    return this.#token;
  }

  /** Re-reads the file every intervalMs; a bad new content keeps the previous token (and is logged once). */
  watch(intervalMs = 2000): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      try {
        const t = this.#read();
        this.#lastError = '';
        if (t !== this.#token) {
          this.#token = t;
          this.#log.info('token file changed: new token read');
        }
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        if (msg !== this.#lastError) this.#log.warn({ err }, 'token file is not usable; keeping the previous token');
        this.#lastError = msg;
      }
    }, intervalMs);
    this.#timer.unref();
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
