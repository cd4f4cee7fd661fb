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
// - tick: releases a holder idle for idleMs (idleMs > 0), and one that has held focus for maxHoldMs
//   (maxHoldMs > 0) however busy it is. Activity = grant time or last accepted input. Re-requesting does not
//   restart the hold clock.
// - revoke: an admin identity (server-attested: it comes from the caller's join token) clears the holder.
// - after a max-hold release or a revoke, that identity cannot take focus again for a cool-down, so someone else
//   can (max hold: MAX_HOLD_COOLDOWN_MS; revoke: REVOKE_COOLDOWN_MS).

export interface FocusOptions {
  /** Release after this many ms without input from the holder; 0 = never. */
  idleMs: number;
  /** Identities that may take focus from a holder not in this list. */
  priority: readonly string[];
  /** Release after this many ms of holding, input or not; 0 = never. */
  maxHoldMs?: number;
  /** Identities that may revoke anyone's focus. */
  admins?: readonly string[];
  /** Agent identities: exact names, or prefixes ending in `*` ("agent-*"). Others may take focus from them. */
  agents?: readonly string[];
}

/** Whether `identity` matches one of the agent patterns (exact, or `prefix*`). Pure. */
export function isAgentIdentity(identity: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith('*') ? identity.startsWith(p.slice(0, -1)) : identity === p));
}

export const MAX_HOLD_COOLDOWN_MS = 10_000;
export const REVOKE_COOLDOWN_MS = 60_000;

export interface FocusBroadcast {
  identity: string | null;
}

export type RequestDecision =
  | {
      granted: true;
      previous: string | null;
      reason: 'free' | 'already-holder' | 'idle-takeover' | 'priority-takeover' | 'human-takeover';
      broadcast?: FocusBroadcast;
    }
  | { granted: false; holder: string }
  | { granted: false; holder: null; coolingDownMs: number };

export interface ChangeDecision {
  changed: boolean;
  previous: string | null;
  broadcast?: FocusBroadcast;
  /** Why tick() released the holder. */
  reason?: 'idle' | 'max-hold';
}

export type RevokeDecision = ({ allowed: true } & ChangeDecision) | { allowed: false };

export class FocusArbiter {
  #holder: string | null = null;
  #lastActivityMs = 0;
  #grantedAtMs = 0;
  readonly #idleMs: number;
  readonly #maxHoldMs: number;
  readonly #priority: ReadonlySet<string>;
  readonly #agents: readonly string[];
  readonly #admins: ReadonlySet<string>;
  /** identity → time until which it may not take focus (after max hold or revoke). Holds at most one entry per release. */
  readonly #barredUntil = new Map<string, number>();

  constructor(opts: FocusOptions) {
    if (!(opts.idleMs >= 0)) throw new RangeError('idleMs must be >= 0');
    const maxHold = opts.maxHoldMs ?? 0;
    if (!(maxHold >= 0)) throw new RangeError('maxHoldMs must be >= 0');
    this.#idleMs = opts.idleMs;
    this.#maxHoldMs = maxHold;
    this.#priority = new Set(opts.priority);
    this.#agents = opts.agents ?? [];
    this.#admins = new Set(opts.admins ?? []);
  }

  isAdmin(identity: string): boolean {
    return this.#admins.has(identity);
  }

  #overHeld(nowMs: number): boolean {
    return this.#maxHoldMs > 0 && this.#holder !== null && nowMs - this.#grantedAtMs >= this.#maxHoldMs;
  }

  #grant(identity: string, nowMs: number): void {
    this.#holder = identity;
    this.#lastActivityMs = nowMs;
    this.#grantedAtMs = nowMs;
  }

  #bar(identity: string, nowMs: number, ms: number): void {
    for (const [id, until] of this.#barredUntil) if (until <= nowMs) this.#barredUntil.delete(id);
    this.#barredUntil.set(identity, nowMs + ms);
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
    if (previous === identity) {
      this.#lastActivityMs = nowMs; // the hold clock (#grantedAtMs) keeps running
      return { granted: true, previous, reason: 'already-holder' };
    }
    const barred = this.#barredUntil.get(identity);
    if (barred !== undefined && barred > nowMs) {
      return previous === null
        ? { granted: false, holder: null, coolingDownMs: barred - nowMs }
        : { granted: false, holder: previous };
    }
    if (previous === null) {
      this.#grant(identity, nowMs);
      return { granted: true, previous, reason: 'free', broadcast: { identity } };
    }
    let reason: 'idle-takeover' | 'priority-takeover' | 'human-takeover' | undefined;
    if (this.#idle(nowMs) || this.#overHeld(nowMs)) reason = 'idle-takeover';
    else if (this.#priority.has(identity) && !this.#priority.has(previous)) reason = 'priority-takeover';
    else if (this.isAgent(previous) && !this.isAgent(identity)) reason = 'human-takeover';
    if (!reason) return { granted: false, holder: previous };
    this.#grant(identity, nowMs);
    return { granted: true, previous, reason, broadcast: { identity } };
  }

  /** An admin clears the current holder (who is then barred for REVOKE_COOLDOWN_MS). */
  revoke(by: string, nowMs: number): RevokeDecision {
    if (!this.#admins.has(by)) return { allowed: false };
    const previous = this.#holder;
    if (previous === null) return { allowed: true, changed: false, previous };
    this.#holder = null;
    this.#bar(previous, nowMs, REVOKE_COOLDOWN_MS);
    return { allowed: true, changed: true, previous, broadcast: { identity: null } };
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

  /** Releases an idle holder, or one past the maximum hold time. Call periodically (e.g. every second). */
  tick(nowMs: number): ChangeDecision {
    const previous = this.#holder;
    if (previous !== null && this.#overHeld(nowMs)) {
      this.#holder = null;
      this.#bar(previous, nowMs, MAX_HOLD_COOLDOWN_MS);
      return { changed: true, previous, broadcast: { identity: null }, reason: 'max-hold' };
    }
    if (!this.#idle(nowMs)) return { changed: false, previous };
    this.#holder = null;
    return { changed: true, previous, broadcast: { identity: null }, reason: 'idle' };
  }

  /** Forcibly clears the holder (e.g. on session close). */
  clear(): ChangeDecision {
    const previous = this.#holder;
    if (previous === null) return { changed: false, previous };
    this.#holder = null;
    return { changed: true, previous, broadcast: { identity: null } };
  }
}
