// FocusArbiter (who may drive the page): a pure state machine with an injected clock. The viewer's ViewerFocus is
// only a client's view of its decisions.
// Every operation returns a decision; `broadcast` is set when the holder changed and the new
// `browser-focus` payload must be sent to everyone.
//
// Rules:
// - request: granted if nobody holds, if the caller already holds, if the holder has been idle for
//   idleMs (idleMs > 0), or if the caller is a priority identity and the holder is not (handoff,
//   e.g. a human taking over from an agent or the reverse, depending on LKB_FOCUS_PRIORITY_IDENTITIES), or if the
//   holder is an agent identity (LKB_FOCUS_AGENT_IDENTITIES) and the caller is not (agents rank below humans).
// - release: only by the holder.
// - disconnect of the holder: released.
// - tick: releases a holder idle for idleMs (idleMs > 0). Activity = grant time or last accepted input.

export interface FocusOptions {
  /** Release after this many ms without input from the holder; 0 = never. */
  idleMs: number;
  /** Identities that may take focus from a holder not in this list. */
  priority: readonly string[];
  /** Agent identities: exact names, or prefixes ending in `*` ("agent-*"). Others may take focus from them. */
  agents?: readonly string[];
}

/** Whether `identity` matches one of the agent patterns (exact, or `prefix*`). Pure. */
export function isAgentIdentity(identity: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith('*') ? identity.startsWith(p.slice(0, -1)) : identity === p));
}

export interface FocusBroadcast {
  identity: string | null;
}

export type RequestDecision =
  | { granted: true; previous: string | null; reason: 'free' | 'already-holder' | 'idle-takeover' | 'priority-takeover' | 'human-takeover'; broadcast?: FocusBroadcast }
  | { granted: false; holder: string };

export interface ChangeDecision {
  changed: boolean;
  previous: string | null;
  broadcast?: FocusBroadcast;
}

export class FocusArbiter {
  #holder: string | null = null;
  #lastActivityMs = 0;
  readonly #idleMs: number;
  readonly #priority: ReadonlySet<string>;
  readonly #agents: readonly string[];

  constructor(opts: FocusOptions) {
    if (!(opts.idleMs >= 0)) throw new RangeError('idleMs must be >= 0');
    this.#idleMs = opts.idleMs;
    this.#priority = new Set(opts.priority);
    this.#agents = opts.agents ?? [];
  }

  get holder(): string | null {
    return this.#holder;
  }

  isHolder(identity: string | undefined): boolean {
    return identity !== undefined && this.#holder !== null && identity === this.#holder;
  }

  isAgent(identity: string): boolean {
    return isAgentIdentity(identity, this.#agents);
  }

  isPriority(identity: string): boolean {
    return this.#priority.has(identity);
  }

  #idle(nowMs: number): boolean {
    return this.#idleMs > 0 && this.#holder !== null && nowMs - this.#lastActivityMs >= this.#idleMs;
  }

  request(identity: string, nowMs: number): RequestDecision {
    const previous = this.#holder;
    if (previous === null || previous === identity) {
      this.#holder = identity;
      this.#lastActivityMs = nowMs;
      if (previous === identity) return { granted: true, previous, reason: 'already-holder' };
      return { granted: true, previous, reason: 'free', broadcast: { identity } };
    }
    let reason: 'idle-takeover' | 'priority-takeover' | 'human-takeover' | undefined;
    if (this.#idle(nowMs)) reason = 'idle-takeover';
    else if (this.#priority.has(identity) && !this.#priority.has(previous)) reason = 'priority-takeover';
    else if (this.isAgent(previous) && !this.isAgent(identity)) reason = 'human-takeover';
    if (!reason) return { granted: false, holder: previous };
    this.#holder = identity;
    this.#lastActivityMs = nowMs;
    return { granted: true, previous, reason, broadcast: { identity } };
  }

  release(identity: string): ChangeDecision {
    if (this.#holder === null || this.#holder !== identity) return { changed: false, previous: this.#holder };
    this.#holder = null;
    return { changed: true, previous: identity, broadcast: { identity: null } };
  }

  disconnect(identity: string): ChangeDecision {
    return this.release(identity);
  }

  /** Records input activity from `identity`; returns false (and records nothing) if it is not the holder. */
  activity(identity: string, nowMs: number): boolean {
    if (!this.isHolder(identity)) return false;
    this.#lastActivityMs = nowMs;
    return true;
  }

  /** Releases an idle holder. Call periodically (e.g. every second). */
  tick(nowMs: number): ChangeDecision {
    if (!this.#idle(nowMs)) return { changed: false, previous: this.#holder };
    const previous = this.#holder;
    this.#holder = null;
    return { changed: true, previous, broadcast: { identity: null } };
  }

  /** Forcibly clears the holder (e.g. on session close). */
  clear(): ChangeDecision {
    const previous = this.#holder;
    if (previous === null) return { changed: false, previous };
    this.#holder = null;
    return { changed: true, previous, broadcast: { identity: null } };
  }
}
