// The runtime's side of docs/room-protocol.md, scripted with @livekit/rtc-node: publishes `browser-video` (four
// coloured quadrants), answers the focus/status/navigate RPCs and records every `browser-input` packet and RPC it
// receives. Like the runtime, it grants focus only once the room has announced the caller (livekit-server announces
// a viewer, which publishes nothing, in a batch every 3 s; until then rtc-node names no sender for its packets).
// Its token carries `lkbrowser.dev/role=browser` like a real runtime's, unless told otherwise: the pinning test also
// uses it as an impostor (no attribute, or one set by itself through canUpdateOwnMetadata).
import {
  LocalVideoTrack,
  type RemoteParticipant,
  Room,
  RoomEvent,
  RpcError,
  type RpcInvocationData,
  TrackPublishOptions,
  TrackSource,
  VideoBufferType,
  VideoFrame,
  VideoSource,
} from '@livekit/rtc-node';
import { BROWSER_ROLE, BROWSER_ROLE_ATTRIBUTE, type InputEvent, RpcCode } from '@lkbrowser/protocol';
import { ParticipantAnnouncements } from '@lkbrowser/runtime';
import type { Sfu } from '@lkbrowser/testkit';
import { AccessToken } from 'livekit-server-sdk';
import type { Rgb } from './support.ts';

export const W = 640;
export const H = 360;
export const COLOURS: Rgb[] = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
  [255, 255, 255],
];

export interface ScriptedBrowserOptions {
  room: string;
  /** default `browser` */
  identity?: string;
  /** Attributes minted into the token (server-attested); default the runtime's role attribute. */
  tokenAttributes?: Record<string, string>;
  /** Attributes the participant sets on itself after joining (its token then grants canUpdateOwnMetadata). */
  selfAttributes?: Record<string, string>;
}

export class ScriptedBrowser {
  room = new Room();
  holder: string | null = null;
  url = 'https://example.com/start';
  input: Array<{ from: string; events: InputEvent[] }> = [];
  /** `browser-input` packets that arrived with no sender (not yet announced): the runtime drops them too. */
  unattributed = 0;
  /** `announced`: the room had announced the caller to this peer when the call arrived. */
  rpcCalls: Array<{ from: string; method: string; announced: boolean }> = [];
  navigations: string[] = [];
  readonly identity: string;
  readonly #opts: ScriptedBrowserOptions;
  /** The runtime's own wait for the room's announcement of a caller (8 s, as the runtime's default). */
  readonly #announcements = new ParticipantAnnouncements({ has: (id) => this.#announced(id), timeoutMs: 8000 });
  private running = true;

  constructor(opts: ScriptedBrowserOptions) {
    this.#opts = opts;
    this.identity = opts.identity ?? 'browser';
  }

  async start(server: Sfu): Promise<void> {
    const at = new AccessToken(server.apiKey, server.apiSecret, {
      identity: this.identity,
      ttl: '10m',
      attributes: this.#opts.tokenAttributes ?? { [BROWSER_ROLE_ATTRIBUTE]: BROWSER_ROLE },
    });
    at.addGrant({
      room: this.#opts.room,
      roomJoin: true,
      canPublish: true,
      canSubscribe: false,
      canPublishData: true,
      canUpdateOwnMetadata: this.#opts.selfAttributes !== undefined,
    });
    await this.room.connect(server.url, await at.toJwt());
    const lp = this.room.localParticipant;
    if (!lp) throw new Error('no local participant');
    this.#wire();
    if (this.#opts.selfAttributes) await lp.setAttributes(this.#opts.selfAttributes);
    const src = new VideoSource(W, H);
    const track = LocalVideoTrack.createVideoTrack('browser-video', src);
    await lp.publishTrack(
      track,
      new TrackPublishOptions({
        source: TrackSource.SOURCE_SCREENSHARE,
        simulcast: false,
        videoEncoding: { maxBitrate: 2_000_000n, maxFramerate: 15 },
      }),
    );
    const rgba = new Uint8Array(W * H * 4);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const c = COLOURS[(y < H / 2 ? 0 : 2) + (x < W / 2 ? 0 : 1)] ?? [0, 0, 0];
        rgba.set([c[0], c[1], c[2], 255], (y * W + x) * 4);
      }
    }
    void (async () => {
      while (this.running) {
        src.captureFrame(new VideoFrame(rgba, W, H, VideoBufferType.RGBA), process.hrtime.bigint() / 1000n);
        await new Promise((r) => setTimeout(r, 66));
      }
    })();
  }

  /** RPC handlers and listeners, before the track is published (viewers call browser/status on adoption). */
  #wire(): void {
    const lp = this.room.localParticipant;
    if (!lp) throw new Error('no local participant');
    const broadcast = async (topic: string, obj: unknown) =>
      lp.publishData(new TextEncoder().encode(JSON.stringify(obj)), { reliable: true, topic });
    const rpc = (method: string, fn: (d: RpcInvocationData) => Promise<string>) =>
      lp.registerRpcMethod(method, async (d) => {
        this.rpcCalls.push({ from: d.callerIdentity, method, announced: this.#announced(d.callerIdentity) });
        return fn(d);
      });
    rpc('browser/request-focus', async (d) => {
      // Like the runtime (participant-announcements.ts): a holder whose packets have no sender could not click.
      if (!(await this.#announcements.whenAnnounced(d.callerIdentity)))
        throw new RpcError(RpcCode.Timeout, 'the room has not announced you to the browser yet; retry');
      if (this.holder === null || this.holder === d.callerIdentity) {
        this.holder = d.callerIdentity;
        await broadcast('browser-focus', { identity: this.holder });
        return JSON.stringify({ granted: true });
      }
      return JSON.stringify({ granted: false, holder: this.holder });
    });
    rpc('browser/release-focus', async (d) => {
      if (this.holder !== d.callerIdentity) return JSON.stringify({ released: false });
      this.holder = null;
      await broadcast('browser-focus', { identity: null });
      return JSON.stringify({ released: true });
    });
    rpc('browser/status', async () =>
      JSON.stringify({ url: this.url, focusHolder: this.holder, width: W, height: H, fps: 15, publishing: true }),
    );
    rpc('browser/navigate', async (d) => {
      if (d.callerIdentity !== this.holder) throw new RpcError(2001, 'not focused');
      const { url } = JSON.parse(d.payload) as { url: string };
      this.navigations.push(url);
      this.url = url;
      await broadcast('browser-url', { url });
      return JSON.stringify({ status: 'ok' });
    });
    // like the runtime: a focus holder that leaves loses focus
    this.room.on(RoomEvent.ParticipantDisconnected, (p: RemoteParticipant) => {
      if (p.identity === this.holder) {
        this.holder = null;
        void broadcast('browser-focus', { identity: null });
      }
    });
    this.room.on(RoomEvent.ParticipantConnected, (p: RemoteParticipant) => this.#announcements.announced(p.identity));
    this.room.on(RoomEvent.DataReceived, (payload: Uint8Array, p?: RemoteParticipant, _k?: unknown, topic?: string) => {
      if (topic !== 'browser-input') return;
      if (!p) {
        this.unattributed++;
        return;
      }
      this.input.push({ from: p.identity, events: JSON.parse(new TextDecoder().decode(payload)) as InputEvent[] });
    });
  }

  #announced(identity: string): boolean {
    return this.room.remoteParticipants.has(identity);
  }

  events(from: string): InputEvent[] {
    return this.input.filter((i) => i.from === from).flatMap((i) => i.events);
  }
  clear(): void {
    this.input = [];
  }
  async sendCursor(cursor: string): Promise<void> {
    await this.room.localParticipant?.publishData(new TextEncoder().encode(JSON.stringify({ cursor })), {
      reliable: true,
      topic: 'cursor_changed',
    });
  }
  async stop(): Promise<void> {
    this.running = false;
    this.#announcements.close();
    await this.room.disconnect();
  }
}
