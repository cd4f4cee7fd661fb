// Focus as one viewer sees it (ViewerFocus: the runtime's FocusArbiter decides, this follows its broadcasts and
// replies), and the words the viewer shows for it.

import type { RequestFocusReply } from '@lkbrowser/protocol';

export class ViewerFocus {
  holder: string | null = null;
  readonly self: string;
  constructor(self: string) {
    this.self = self;
  }
  get mine(): boolean {
    return this.holder !== null && this.holder === this.self;
  }
  /** Returns true when the holder changed. */
  set(holder: string | null): boolean {
    if (holder === this.holder) return false;
    this.holder = holder;
    return true;
  }
  /** Apply an RPC reply to request-focus. */
  applyRequest(r: RequestFocusReply): boolean {
    return this.set(r.granted ? this.self : r.holder);
  }
  /** A participant left: if it held focus, the runtime releases it (it will also broadcast). */
  participantLeft(identity: string): boolean {
    return this.holder === identity ? this.set(null) : false;
  }
}

/** The toolbar's focus label. */
export function focusLabel(
  ready: boolean,
  holder: string | null,
  mine: boolean,
  name: (identity: string) => string,
  asking = false,
): string {
  if (!ready) return 'waiting for the browser…';
  if (mine) return 'you have control';
  // The runtime answers a viewer that just joined only once the room has announced it (up to ~3 s): say so.
  if (asking) return 'asking for control…';
  if (holder === null) return 'nobody has control';
  return `${name(holder)} has control`;
}

/** Shown when a focus request is refused. */
export function focusRefusedText(holderName: string | null): string {
  return `${holderName ?? 'someone else'} has control — ask them to release it`;
}
