// BrowserClient: one lkbrowser runtime (a participant of the room) seen from an agent or a page. Speaks
// docs/room-protocol.md over either LiveKit SDK (room-adapter.ts): focus, the actions API, screenshots, and the
// state the runtime broadcasts (focus holder, URL, cursor). The caller names the runtime's identity: calls go only to
// it, and its packets are believed only when they come from that identity with the role attribute of a runtime
// token (`decideBrowser`, protocol/src/browser-pin.ts; anyone in the room can publish on any topic).
import {
  ACTION_DEFAULTS,
  AGENT_STATUSES,
  type AgentStatus,
  type AgentStatusPayload,
  type BrowserStatus,
  decideBrowser,
  type Rect,
  RPC,
  type ScreenshotRequest,
  TOPIC,
} from '@lkbrowser/protocol';
import {
  type Action,
  type ActionOptions,
  type BatchResult,
  batchWaitMs,
  type Button,
  type ScrollDirection,
  type XY,
} from './actions.ts';
import { Emitter } from './emitter.ts';
import { ActionError, BrowserError, fromRpcError, kindOf } from './errors.ts';
import {
  type DataListener,
  localOf,
  type ParticipantLike,
  type ParticipantListener,
  type RoomLike,
} from './room-adapter.ts';
import { acquireStreams, releaseStreams, type StreamDispatcher } from './screenshot-streams.ts';

export { AGENT_STATUSES, type AgentStatus, type BrowserStatus };

export interface FocusChange {
  holder: string | null;
  previous: string | null;
  /** The runtime's reason: free, priority-takeover, human-takeover, idle-takeover, release, idle, disconnect, … */
  reason: string | undefined;
}

export interface BrowserEvents extends Record<string, unknown[]> {
  focus: [FocusChange];
  /** This participant held focus and someone else took it (pre-emption), or it was released for it. */
  'focus-lost': [{ by: string | null; reason: string | undefined }];
  'focus-gained': [];
  url: [string];
  cursor: [string];
  'agent-status': [{ identity: string; status: AgentStatus }];
  /** The runtime left the room. */
  gone: [];
}

export interface ScreenshotOptions extends Pick<ScreenshotRequest, 'region' | 'scale'> {
  timeoutMs?: number;
}

export interface Screenshot {
  png: Uint8Array;
  mimeType: string;
  width: number;
  height: number;
  region: Rect;
  scale: number;
  url: string;
  title: string;
  viewport: { width: number; height: number };
  devicePixelRatio: number;
  seq: number;
  captureTimeUs: string;
  encodeMs: number;
}

export interface ConnectOptions {
  /** Default timeout of calls (ms). Default 10 s. */
  timeoutMs?: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function parseJson(payload: Uint8Array | string): unknown {
  try {
    return JSON.parse(typeof payload === 'string' ? payload : dec.decode(payload));
  } catch {
    // Not JSON: the callers treat undefined as "not a protocol message".
    return undefined;
  }
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Whether `p` is the runtime `browserIdentity`: that identity, with the role attribute its token carries. */
function isBrowser(p: ParticipantLike, browserIdentity: string): boolean {
  return decideBrowser(
    { expected: browserIdentity, pinned: browserIdentity },
    { identity: p.identity, attributes: p.attributes, publishesVideo: true },
  ).adopt;
}

/**
 * Connects to the runtime `browserIdentity` in `room` (already connected): reads its status, then follows it.
 * Refuses (`not_browser`) a participant of that identity whose token lacks `lkbrowser.dev/role=browser`.
 */
export async function connect(
  room: RoomLike,
  browserIdentity: string,
  opts: ConnectOptions = {},
): Promise<BrowserClient> {
  const p = room.remoteParticipants?.get(browserIdentity);
  if (p && !isBrowser(p, browserIdentity))
    throw new BrowserError('not_browser', `${browserIdentity} is not an lkbrowser runtime (no lkbrowser.dev/role)`);
  const c = new BrowserClient(room, browserIdentity, opts);
  try {
    const st = await c.status();
    c.applyStatus(st);
  } catch (e) {
    c.close();
    throw e;
  }
  return c;
}

export class BrowserClient extends Emitter<BrowserEvents> {
  readonly room: RoomLike;
  readonly browserIdentity: string;
  readonly #timeoutMs: number;
  readonly #streams: StreamDispatcher;
  readonly #onData: DataListener;
  readonly #onLeft: ParticipantListener;
  #focusHolder: string | null = null;
  #url = '';
  #cursor = 'default';
  #viewport = { width: 0, height: 0 };
  #closed = false;

  constructor(room: RoomLike, browserIdentity: string, opts: ConnectOptions = {}) {
    super();
    this.room = room;
    this.browserIdentity = browserIdentity;
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#streams = acquireStreams(room, TOPIC.screenshot);
    this.#onData = (payload, participant, _kind, topic) => this.#data(payload, participant, topic);
    this.#onLeft = (p) => {
      if (p.identity === this.browserIdentity) this.emit('gone');
    };
    room.on('dataReceived', this.#onData);
    room.on('participantDisconnected', this.#onLeft);
  }

  get identity(): string {
    return localOf(this.room).identity;
  }
  get focusHolder(): string | null {
    return this.#focusHolder;
  }
  get hasFocus(): boolean {
    return this.#focusHolder !== null && this.#focusHolder === this.room.localParticipant?.identity;
  }
  get url(): string {
    return this.#url;
  }
  get cursor(): string {
    return this.#cursor;
  }
  /** Page size in pixels: action coordinates are in this space. */
  get viewport(): { width: number; height: number } {
    return { ...this.#viewport };
  }

  /** @internal */
  applyStatus(st: BrowserStatus): void {
    this.#url = st.url;
    this.#viewport = { width: st.width, height: st.height };
    this.#setHolder(st.focusHolder, undefined);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.room.off('dataReceived', this.#onData);
    this.room.off('participantDisconnected', this.#onLeft);
    releaseStreams(this.room);
  }

  async #rpc(method: string, payload: unknown = '', timeoutMs = this.#timeoutMs): Promise<unknown> {
    if (this.#closed) throw new BrowserError('closed', 'client is closed');
    const lp = localOf(this.room);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const res = await Promise.race([
        lp.performRpc({
          destinationIdentity: this.browserIdentity,
          method,
          payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
          responseTimeout: timeoutMs,
        }),
        new Promise<never>((_, rej) => {
          // The SDKs time out themselves; this guards against a call that never settles.
          timer = setTimeout(
            () => rej(new BrowserError('timeout', `${method}: no answer within ${timeoutMs + 2000} ms`)),
            timeoutMs + 2000,
          );
        }),
      ]);
      return parseJson(res);
    } catch (e) {
      throw fromRpcError(e, method);
    } finally {
      clearTimeout(timer);
    }
  }

  async status(): Promise<BrowserStatus> {
    const st = obj(await this.#rpc(RPC.status));
    if (!st || typeof st.url !== 'string') throw new BrowserError('rpc_error', 'browser/status: unexpected answer');
    const s = st as unknown as BrowserStatus;
    this.#viewport = { width: s.width, height: s.height };
    return s;
  }

  /** Asks for focus. Granted: this participant drives the page until it releases or is pre-empted. */
  async requestFocus(): Promise<{ granted: boolean; holder: string | null }> {
    const r = obj(await this.#rpc(RPC.requestFocus));
    const granted = r?.granted === true;
    if (granted) this.#setHolder(this.identity, undefined);
    return { granted, holder: granted ? this.identity : typeof r?.holder === 'string' ? r.holder : null };
  }

  async releaseFocus(): Promise<boolean> {
    const r = obj(await this.#rpc(RPC.releaseFocus));
    return r?.released === true;
  }

  /** Resolves when this participant holds focus (requesting it whenever it is free), or rejects after timeoutMs. */
  async acquireFocus(timeoutMs = 60_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if ((await this.requestFocus()).granted) return;
      const left = end - Date.now();
      if (left <= 0)
        throw new BrowserError('timeout', `focus not acquired within ${timeoutMs} ms (holder: ${this.#focusHolder})`);
      // Wait for the holder to change (released, left) before asking again.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.once('focus', (f) => f.holder === null),
        new Promise((r) => {
          timer = setTimeout(r, Math.min(left, 5000));
        }),
      ]);
      clearTimeout(timer);
    }
  }

  /** Runs a batch; returns every action's result (failures included). Throws for a refused batch. */
  async actions(actions: readonly Action[], opts: ActionOptions = {}): Promise<BatchResult> {
    const body: Record<string, unknown> = { actions };
    if (opts.waitFrame) body.waitFrame = true;
    if (opts.frameTimeoutMs !== undefined) body.frameTimeoutMs = opts.frameTimeoutMs;
    const timeout =
      opts.timeoutMs ??
      this.#timeoutMs +
        batchWaitMs(actions) +
        (opts.waitFrame ? (opts.frameTimeoutMs ?? ACTION_DEFAULTS.frameTimeoutMs) : 0);
    const r = obj(await this.#rpc(RPC.actions, body, timeout));
    if (!r || !Array.isArray(r.results)) throw new BrowserError('rpc_error', 'browser/actions: unexpected answer');
    const res = r as unknown as BatchResult;
    if (typeof res.url === 'string') this.#url = res.url;
    return res;
  }

  /** Runs a batch and throws an ActionError for the first action that failed. */
  async run(actions: readonly Action[], opts: ActionOptions = {}): Promise<BatchResult> {
    const res = await this.actions(actions, opts);
    const i = res.results.findIndex((x) => !x.ok);
    const bad = res.results[i];
    if (bad && !bad.ok)
      throw new ActionError(kindOf(bad.code), `actions[${i}] (${actions[i]?.type}): ${bad.error}`, bad.code, i);
    return res;
  }

  click(
    x: number,
    y: number,
    opts: { button?: Button; count?: 1 | 2 | 3; modifiers?: string } = {},
  ): Promise<BatchResult> {
    return this.run([{ type: 'click', x, y, ...opts }]);
  }
  move(x: number, y: number): Promise<BatchResult> {
    return this.run([{ type: 'mouse_move', x, y }]);
  }
  drag(path: XY[], button: Button = 'left'): Promise<BatchResult> {
    return this.run([{ type: 'drag', path, button }]);
  }
  scroll(x: number, y: number, direction: ScrollDirection = 'down', amount = 3): Promise<BatchResult> {
    return this.run([{ type: 'scroll', x, y, direction, amount }]);
  }
  type(text: string): Promise<BatchResult> {
    return this.run([{ type: 'type', text }]);
  }
  key(keys: string): Promise<BatchResult> {
    return this.run([{ type: 'key', keys }]);
  }
  navigate(url: string): Promise<BatchResult> {
    return this.run([{ type: 'navigate', url }, { type: 'wait_for_load' }]);
  }
  back(): Promise<BatchResult> {
    return this.run([{ type: 'back' }]);
  }
  forward(): Promise<BatchResult> {
    return this.run([{ type: 'forward' }]);
  }
  reload(): Promise<BatchResult> {
    return this.run([{ type: 'reload' }]);
  }
  waitForSettle(
    quietMs: number = ACTION_DEFAULTS.settleQuietMs,
    timeoutMs: number = ACTION_DEFAULTS.settleTimeoutMs,
  ): Promise<BatchResult> {
    return this.run([{ type: 'wait_for_settle', quietMs, timeoutMs }]);
  }

  /** A lossless PNG of the page as the runtime last captured it, with the page's metadata. */
  async screenshot(opts: ScreenshotOptions = {}): Promise<Screenshot> {
    const timeoutMs = opts.timeoutMs ?? this.#timeoutMs;
    const req: ScreenshotRequest = {};
    if (opts.region) req.region = opts.region;
    if (opts.scale !== undefined) req.scale = opts.scale;
    const meta = obj(await this.#rpc(RPC.screenshot, req, timeoutMs));
    if (!meta || typeof meta.streamId !== 'string')
      throw new BrowserError('rpc_error', 'browser/screenshot: unexpected answer');
    const png = await this.#streams.claim(meta.streamId, this.browserIdentity, timeoutMs);
    if (typeof meta.bytes === 'number' && png.byteLength !== meta.bytes) {
      throw new BrowserError('stream_lost', `screenshot: ${png.byteLength} bytes received, ${meta.bytes} sent`);
    }
    const { streamId: _id, bytes: _n, ...rest } = meta;
    return { png, ...(rest as Omit<Screenshot, 'png'>) };
  }

  /** Broadcasts this agent's state on browser-agent-status (viewers show it; other agents may follow it). */
  async setAgentStatus(status: AgentStatus): Promise<void> {
    const payload: AgentStatusPayload = { status };
    await localOf(this.room).publishData(enc.encode(JSON.stringify(payload)), {
      reliable: true,
      topic: TOPIC.agentStatus,
    });
  }

  #setHolder(holder: string | null, reason: string | undefined, previous: string | null = this.#focusHolder): void {
    const me = this.room.localParticipant?.identity;
    const changed = holder !== this.#focusHolder;
    this.#focusHolder = holder;
    if (!changed) return;
    this.emit('focus', { holder, previous, reason });
    if (me !== undefined && previous === me && holder !== me) this.emit('focus-lost', { by: holder, reason });
    if (me !== undefined && holder === me) this.emit('focus-gained');
  }

  #data(payload: Uint8Array, participant: ParticipantLike | undefined, topic: string | undefined): void {
    const from = participant?.identity;
    if (topic === TOPIC.agentStatus) {
      const st = obj(parseJson(payload))?.status;
      if (from && typeof st === 'string' && (AGENT_STATUSES as readonly string[]).includes(st)) {
        this.emit('agent-status', { identity: from, status: st as AgentStatus });
      }
      return;
    }
    if (!participant || !isBrowser(participant, this.browserIdentity)) return;
    const m = obj(parseJson(payload));
    if (!m) return;
    if (topic === TOPIC.focus) {
      const holder = typeof m.identity === 'string' ? m.identity : null;
      const prev = typeof m.previous === 'string' ? m.previous : m.previous === null ? null : this.#focusHolder;
      this.#setHolder(holder, typeof m.reason === 'string' ? m.reason : undefined, prev);
    } else if (topic === TOPIC.url && typeof m.url === 'string') {
      if (m.url !== this.#url) {
        this.#url = m.url;
        this.emit('url', m.url);
      }
    } else if (topic === TOPIC.cursor && typeof m.cursor === 'string') {
      this.#cursor = m.cursor;
      this.emit('cursor', m.cursor);
    }
  }
}
