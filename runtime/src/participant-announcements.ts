// Which remote participants the room has announced to this runtime, and a bounded wait for one that it has not yet.
//
// Why: rtc-node names the sender of a data packet by looking it up among the participants the server has announced
// (ParticipantConnected). livekit-server announces a participant that publishes no track (every viewer, until it
// publishes) in a batch every 3 s (pkg/rtc/room.go subscriberUpdateInterval), while its data packets and RPCs flow at
// once. rtc-node 1.1 then delivers the packet with no participant and an empty identity: the sender cannot be named,
// so its input is refused. RPCs carry their caller (stamped by the server), so `browser/request-focus` can wait here
// until the caller is announced before it grants: the holder's input is attributable from the first packet on.
export interface AnnouncementsOptions {
  /** Whether the room has announced this identity now (the runtime room's remoteParticipants). */
  has: (identity: string) => boolean;
  /** How long a wait lasts at most (longer than the server's batch interval, shorter than clients' RPC timeouts). */
  timeoutMs: number;
}

export class ParticipantAnnouncements {
  readonly #o: AnnouncementsOptions;
  readonly #waiters = new Map<string, Set<(announced: boolean) => void>>();

  constructor(opts: AnnouncementsOptions) {
    this.#o = opts;
  }

  /** The room announced `identity` (ParticipantConnected): its waits end. */
  announced(identity: string): void {
    const ws = this.#waiters.get(identity);
    if (!ws) return;
    this.#waiters.delete(identity);
    for (const w of [...ws]) w(true);
  }

  /** True once `identity` is announced; false if it is not within the timeout, or on close. */
  whenAnnounced(identity: string): Promise<boolean> {
    if (this.#o.has(identity)) return Promise.resolve(true);
    return new Promise((resolve) => {
      let ws = this.#waiters.get(identity);
      if (!ws) {
        ws = new Set();
        this.#waiters.set(identity, ws);
      }
      const set = ws;
      const done = (announced: boolean) => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.#waiters.get(identity) === set) this.#waiters.delete(identity);
        resolve(announced);
      };
      const timer = setTimeout(() => done(this.#o.has(identity)), this.#o.timeoutMs);
      set.add(done);
    });
  }

  /** Ends every wait (false): the session is closing. */
  close(): void {
    const all = [...this.#waiters.values()].flatMap((s) => [...s]);
    this.#waiters.clear();
    for (const w of all) w(false);
  }

  /** Waits in progress (tests, metrics). */
  get pending(): number {
    let n = 0;
    for (const s of this.#waiters.values()) n += s.size;
    return n;
  }
}
