// The toolbar DOM: back / forward / reload, the URL bar (not overwritten while the user edits it), the focus label
// and button, the audio button and a transient message line. It holds no state of the session: it calls its
// actions and shows what render() is given.

export interface ToolbarActions {
  back: () => Promise<unknown>;
  forward: () => Promise<unknown>;
  reload: () => Promise<unknown>;
  navigate: (input: string) => Promise<unknown>;
  toggleFocus: () => Promise<unknown>;
  enableAudio: () => Promise<unknown>;
  /** an action failed */
  fail: (message: string) => void;
}

export interface ToolbarState {
  /** the browser participant is in the room */
  ready: boolean;
  mine: boolean;
  /** a focus request is in flight: the button waits for its answer */
  asking: boolean;
  focusLabel: string;
  canPlayAudio: boolean;
}

const MESSAGE_MS = 5000;

export class Toolbar {
  readonly el: HTMLElement;
  readonly #url: HTMLInputElement;
  readonly #focusBtn: HTMLButtonElement;
  readonly #focusLabel: HTMLElement;
  readonly #audioBtn: HTMLButtonElement;
  readonly #nav: HTMLButtonElement[];
  readonly #message: HTMLElement;
  /** the user is editing the URL bar: do not overwrite it */
  #urlDirty = false;
  #currentUrl = '';

  constructor(doc: Document, actions: ToolbarActions) {
    const bar = doc.createElement('div');
    bar.className = 'lkb-toolbar';
    const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));
    const btn = (label: string, title: string, cls: string, fn: () => Promise<unknown>) => {
      const b = doc.createElement('button');
      b.type = 'button';
      b.textContent = label;
      b.title = title;
      b.className = cls;
      b.addEventListener('click', () => {
        fn().catch((err: unknown) => actions.fail(errText(err)));
      });
      bar.appendChild(b);
      return b;
    };
    this.#nav = [
      btn('←', 'Back', 'lkb-back', actions.back),
      btn('→', 'Forward', 'lkb-forward', actions.forward),
      btn('⟳', 'Reload', 'lkb-reload', actions.reload),
    ];
    const form = doc.createElement('form');
    form.className = 'lkb-urlform';
    const input = doc.createElement('input');
    input.className = 'lkb-url';
    input.type = 'text';
    input.spellcheck = false;
    input.autocomplete = 'off';
    input.placeholder = 'Enter a URL';
    input.setAttribute('aria-label', 'URL');
    form.appendChild(input);
    input.addEventListener('input', () => {
      this.#urlDirty = true;
    });
    input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') {
        this.#urlDirty = false;
        input.value = this.#currentUrl;
        input.blur();
      }
    });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.#urlDirty = false;
      actions.navigate(input.value).then(
        () => input.blur(),
        (err: unknown) => actions.fail(errText(err)),
      );
    });
    bar.appendChild(form);
    this.#url = input;
    this.#focusLabel = doc.createElement('span');
    this.#focusLabel.className = 'lkb-focus-label';
    bar.appendChild(this.#focusLabel);
    this.#focusBtn = btn('Take control', 'Take or release control of the browser', 'lkb-focus', actions.toggleFocus);
    this.#audioBtn = btn('Enable audio', 'Play the browser audio', 'lkb-audio-btn', actions.enableAudio);
    this.#message = doc.createElement('div');
    this.#message.className = 'lkb-message';
    this.#message.setAttribute('role', 'status');
    bar.appendChild(this.#message);
    this.el = bar;
  }

  /** The page's URL changed; shown unless the user is typing in the URL bar. */
  setUrl(url: string): void {
    this.#currentUrl = url;
    if (!this.#urlDirty) this.#url.value = url;
  }

  render(s: ToolbarState): void {
    this.#focusBtn.textContent = s.mine ? 'Release' : 'Take control';
    this.#focusBtn.disabled = !s.ready || s.asking;
    this.#focusLabel.textContent = s.focusLabel;
    for (const b of this.#nav) b.disabled = !s.mine;
    this.#url.readOnly = !s.mine;
    this.#audioBtn.hidden = s.canPlayAudio;
  }

  /** Shows a message for a few seconds. */
  showMessage(message: string): void {
    const m = this.#message;
    m.textContent = message;
    setTimeout(() => {
      if (m.textContent === message) m.textContent = '';
    }, MESSAGE_MS);
  }
}
