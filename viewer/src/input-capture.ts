// Input capture: mouse, wheel, keyboard, IME/dead-key text and paste on the video and the keyboard sink, turned into
// room protocol input events in page coordinates. Only while `active()` (this viewer holds focus); moves are
// throttled to one per animation frame; keys still held are released when the sink loses keyboard focus.

import { mapToPage, type Size } from './coords.ts';
import { keyModifiers, translateKey } from './keys.ts';
import { buttonEvent, MoveThrottle, moveEvent, wheelEvent } from './mouse.ts';
import type { InputEvent } from '@lkbrowser/protocol';

export interface InputCaptureOptions {
  video: HTMLVideoElement;
  /** invisible textarea that has the keyboard focus: keys, paste, IME composition, dead keys, insertText */
  keySink: HTMLTextAreaElement;
  /** true while this viewer holds focus */
  active: () => boolean;
  send: (events: InputEvent[]) => void;
  /** the page size the runtime reported, if any */
  reportedPageSize: () => Size | null;
}

export class InputCapture {
  readonly #o: InputCaptureOptions;
  readonly #throttle = new MoveThrottle();
  readonly #heldKeys = new Map<string, InputEvent>();
  readonly #cleanups: Array<() => void> = [];
  #rafId = 0;
  #inside = false;

  constructor(opts: InputCaptureOptions) {
    this.#o = opts;
    this.#wire();
  }

  /** The page's size: the reported one wins (the stream may be scaled), unless it is stale: another viewer resized
   *  the page and the picture's shape changed before our status refresh came back. */
  page(): Size | null {
    const v = this.#o.video;
    const vw = v.videoWidth;
    const vh = v.videoHeight;
    const video = vw > 0 && vh > 0 ? { width: vw, height: vh } : null;
    const ps = this.#o.reportedPageSize();
    if (ps && (!video || Math.abs(ps.width / ps.height - vw / vh) < 0.02)) return ps;
    return video;
  }

  /** Sends the pending (throttled) move now. */
  flushMove(): void {
    const m = this.#throttle.take();
    if (m) this.#o.send([m]);
  }

  /** Focus went elsewhere: a pending move is not ours to send any more. */
  dropPendingMove(): void {
    this.#throttle.take();
  }

  releaseHeldKeys(): void {
    const ups = [...this.#heldKeys.values()];
    this.#heldKeys.clear();
    this.#o.send(ups);
  }

  dispose(): void {
    if (this.#rafId) cancelAnimationFrame(this.#rafId);
    for (const c of this.#cleanups.splice(0)) c();
  }

  #toPage(ev: MouseEvent, clamp: boolean): { x: number; y: number } | null {
    const page = this.page();
    const v = this.#o.video;
    const vw = v.videoWidth;
    const vh = v.videoHeight;
    if (!page || !vw || !vh) return null;
    const r = v.getBoundingClientRect();
    const el = { width: r.width, height: r.height };
    let ox = ev.clientX - r.left;
    let oy = ev.clientY - r.top;
    if (clamp) {
      // While a button is held (drag/selection), keep tracking at the picture's edge.
      const scale = Math.min(r.width / vw, r.height / vh);
      const w = vw * scale;
      const h = vh * scale;
      const left = (r.width - w) / 2;
      const top = (r.height - h) / 2;
      ox = Math.min(Math.max(ox, left), left + w - 0.001);
      oy = Math.min(Math.max(oy, top), top + h - 0.001);
    }
    return mapToPage(ox, oy, el, { width: vw, height: vh }, page);
  }

  #listen<K extends keyof HTMLElementEventMap>(
    target: HTMLElement,
    type: K,
    fn: (ev: HTMLElementEventMap[K]) => void,
    opts?: AddEventListenerOptions,
  ): void {
    target.addEventListener(type, fn, opts);
    this.#cleanups.push(() => target.removeEventListener(type, fn, opts));
  }

  #wire(): void {
    const { video: v, keySink: sink, active, send } = this.#o;
    this.#listen(v, 'pointerdown', (ev) => {
      if (active()) v.setPointerCapture(ev.pointerId);
    });
    this.#listen(v, 'mousemove', (ev) => {
      if (!active()) return;
      const p = this.#toPage(ev, ev.buttons !== 0);
      if (!p) {
        if (this.#inside) {
          this.#inside = false;
          this.#throttle.take();
          send([{ type: 'mouseleave' }]);
        }
        return;
      }
      this.#inside = true;
      if (this.#throttle.push(moveEvent(p, ev.buttons, keyModifiers(ev)))) {
        this.#rafId = requestAnimationFrame(() => {
          this.#rafId = 0;
          this.flushMove();
        });
      }
    });
    this.#listen(v, 'mouseleave', (ev) => {
      if (!active() || ev.buttons !== 0) return;
      this.flushMove();
      if (this.#inside) send([{ type: 'mouseleave' }]);
      this.#inside = false;
    });
    const button = (type: 'mousedown' | 'mouseup') => (ev: MouseEvent) => {
      if (!active()) return;
      const p = this.#toPage(ev, type === 'mouseup');
      if (!p) return;
      ev.preventDefault(); // no native text selection / drag of the <video>
      if (type === 'mousedown') sink.focus();
      this.flushMove();
      const e = buttonEvent(type, p, ev.button, ev.detail, ev.buttons, keyModifiers(ev));
      if (!e) return;
      // Press the button where it happens: a move first, as a native mouse would have reported it.
      send(type === 'mousedown' ? [moveEvent(p, 0, keyModifiers(ev)), e] : [e]);
    };
    this.#listen(v, 'mousedown', button('mousedown'));
    this.#listen(v, 'mouseup', button('mouseup'));
    this.#listen(v, 'contextmenu', (ev) => {
      if (active()) ev.preventDefault();
    });
    this.#listen(
      v,
      'wheel',
      (ev) => {
        if (!active()) return;
        const p = this.#toPage(ev, false);
        const page = this.page();
        if (!p || !page) return;
        ev.preventDefault();
        this.flushMove();
        const w = wheelEvent(p, ev.deltaX, ev.deltaY, ev.deltaMode, page);
        if (w) send([w]);
      },
      { passive: false },
    );
    const key = (ev: KeyboardEvent) => {
      if (!active()) return;
      const t = translateKey(ev);
      if (t.preventDefault) ev.preventDefault();
      this.flushMove();
      for (const e of t.events) {
        if (e.type === 'keydown') this.#heldKeys.set(`${e.code}|${e.keyCode}`, { ...e, type: 'keyup' });
        else if (e.type === 'keyup') this.#heldKeys.delete(`${e.code}|${e.keyCode}`);
      }
      send(t.events);
    };
    this.#listen(sink, 'keydown', key);
    this.#listen(sink, 'keyup', key);
    // Keys still down when the sink loses keyboard focus (URL bar, another window) would stay stuck remotely.
    this.#listen(sink, 'blur', () => this.releaseHeldKeys());
    // Text that arrives without a forwarded keydown (IME commit, dead-key result, emoji picker, dictation,
    // insertText) lands in the sink: send it as {"type":"text"} and empty the sink.
    const flushText = () => {
      const text = sink.value;
      sink.value = '';
      if (text && active()) {
        this.flushMove();
        send([{ type: 'text', text }]);
      }
    };
    this.#listen(sink, 'compositionend', flushText);
    this.#listen(sink, 'input', (ev) => {
      if (!(ev as Event & { isComposing?: boolean }).isComposing) flushText();
    });
    this.#listen(sink, 'paste', (ev) => {
      if (!active()) return;
      const text = ev.clipboardData?.getData('text/plain') ?? '';
      ev.preventDefault();
      if (text) send([{ type: 'text', text: text.replace(/\r\n/g, '\n') }]);
    });
  }
}
