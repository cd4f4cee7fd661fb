// CSS cursor tracking. XFixes tells the host *when* the displayed cursor changes (one notification per
// change, also for CDP-synthesised pointer moves) but not its name (Chromium's X cursors are unnamed), so
// each notification triggers one CDP query of the CSS cursor at the last pointer position
// (PageDriver.cursorAt). Mouse moves only record the position (set BEFORE the move is sent, so a
// notification caused by the move queries the new position). Queries are coalesced: one in flight, one queued.
import type { Logger } from 'pino';

export interface CursorSource {
  cursorAt(x: number, y: number): Promise<string>;
}

export class CursorTracker {
  private current = 'default';
  private pos = { x: 0, y: 0 };
  private inFlight = false;
  private again = false;
  private source: CursorSource | undefined;
  private readonly emitChange: (name: string) => void;
  private readonly log: Logger;

  constructor(emitChange: (name: string) => void, log: Logger) {
    this.emitChange = emitChange;
    this.log = log;
  }

  get cursor(): string {
    return this.current;
  }

  setSource(source: CursorSource | undefined): void {
    this.source = source;
  }

  /** The pointer is about to move to (x, y). */
  moved(x: number, y: number): void {
    this.pos = { x, y };
  }

  left(): void {
    this.set('default');
  }

  /** The host saw an XFixes cursor change. */
  changed(): void {
    this.check();
  }

  private set(name: string): void {
    if (name === this.current) return;
    this.current = name;
    this.emitChange(name);
  }

  private check(): void {
    if (!this.source) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = true;
    const src = this.source;
    src
      .cursorAt(this.pos.x, this.pos.y)
      .then((name) => {
        if (src === this.source) this.set(name);
      })
      .catch((err: unknown) => this.log.debug({ err }, 'cursor query failed'))
      .finally(() => {
        this.inFlight = false;
        if (this.again) {
          this.again = false;
          this.check();
        }
      });
  }
}
