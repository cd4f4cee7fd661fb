// Which room participant a viewer or client treats as the browser (the runtime). Anyone in the room can publish a
// track named `browser-video` and answer RPCs, so a participant is believed to be the browser only if its
// server-attested attributes (minted into its join token by the operator or the runtime's API key) carry
// `lkbrowser.dev/role=browser`, only if it is the expected identity when one is configured, and only if it is the
// identity pinned by the first adoption: a client never switches to another identity (the same identity
// rejoining after a runtime restart is adopted again). Pure; the callers send input, RPCs and focus requests only
// to the pinned identity.

/** Participant attribute every runtime token carries (operator/src/livekit/room-token.ts, runtime/src/token.ts). */
export const BROWSER_ROLE_ATTRIBUTE = 'lkbrowser.dev/role';
export const BROWSER_ROLE = 'browser';

export interface BrowserCandidate {
  identity: string;
  /** The participant's attributes as the room server reports them. */
  attributes: Readonly<Record<string, string>> | undefined;
  /** It publishes a track named `browser-video`. */
  publishesVideo: boolean;
}

export interface PinState {
  /** The identity the client was told to follow (the session's `status.participantIdentity`), if any. */
  expected: string | undefined;
  /** The identity adopted first; never changes once set. */
  pinned: string | null;
}

export type PinDecision =
  | { adopt: true }
  | { adopt: false; reason: 'no-video' | 'not-expected' | 'pinned-other' | 'no-role' };

/** Whether `c` may be adopted as the browser, given what is configured and pinned. */
export function decideBrowser(state: PinState, c: BrowserCandidate): PinDecision {
  if (state.pinned !== null && c.identity !== state.pinned) return { adopt: false, reason: 'pinned-other' };
  if (state.expected !== undefined && state.expected !== '' && c.identity !== state.expected)
    return { adopt: false, reason: 'not-expected' };
  if (c.attributes?.[BROWSER_ROLE_ATTRIBUTE] !== BROWSER_ROLE) return { adopt: false, reason: 'no-role' };
  if (!c.publishesVideo) return { adopt: false, reason: 'no-video' };
  return { adopt: true };
}
