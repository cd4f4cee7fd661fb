// One participant's session (signalling v0, two peer connections):
// - publisher PC: the client offers, the server answers; media and the client's data channels arrive here.
// - subscriber PC: the server offers (forwarded tracks + the `_reliable`/`_lossy` data channels).
// Every signal request, and every change to this participant's PCs requested by others, runs through
// one promise queue, so e.g. trickled candidates are never applied in the middle of setRemoteDescription.
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import {
  type AddTrackRequest,
  Codec,
  type DisconnectReason,
  JoinResponse,
  LeaveRequest,
  LeaveRequest_Action,
  type MuteTrackRequest,
  ParticipantInfo,
  ParticipantInfo_Kind,
  ParticipantInfo_State,
  ParticipantPermission,
  ParticipantUpdate,
  Pong,
  RequestResponse,
  RequestResponse_Reason,
  ServerInfo,
  ServerInfo_Edition,
  SessionDescription,
  SignalRequest,
  SignalResponse,
  SignalTarget,
  TrackInfo,
  TrackPublishedResponse,
  TrackType,
  TrackUnpublishedResponse,
  TrickleRequest,
  type UpdateParticipantMetadata,
  type UpdateSubscription,
} from '@livekit/protocol';
import { type MediaStreamTrack, type RTCDataChannel, RTCPeerConnection, type RTCRtpTransceiver } from 'werift';
import { type DataEndpoint, type DataLabel, routeDataPacket } from './data-router.ts';
import { TrackForwarder } from './forwarder.ts';
import { newSid } from './ids.ts';
import { peerConfig } from './pc-config.ts';
import type { Room } from './room.ts';
import { acceptRemoteCandidate, candidateAddress, filterRemoteSdp, fixLocalSdp, parseMediaSections } from './sdp.ts';
import { pinTransceiverMids, unmatchedMids } from './werift-fixes.ts';

/** What the token and the join URL say about the participant. */
export interface JoinParams {
  identity: string;
  name: string;
  metadata: string;
  attributes: Record<string, string>;
  clientProtocol: number;
  autoSubscribe: boolean;
  canPublish: boolean;
  canSubscribe: boolean;
  canPublishData: boolean;
  hidden: boolean;
}

export interface ParticipantEnv {
  /** ICE host address offered to clients (loopback by default). */
  advertisedAddress: string;
  log: Logger;
  /** Called once the participant has left its room. */
  onClosed(p: Participant): void;
}

type SignalMessage = SignalResponse['message'];

interface Subscription {
  transceiver: RTCRtpTransceiver;
  detach: () => void;
}

const MAX_PENDING_DATA = 256;

export class Participant implements DataEndpoint {
  readonly sid = newSid('PA_');
  readonly identity: string;
  name: string;
  metadata: string;
  attributes: Record<string, string>;
  readonly joinedAtMs = Date.now();
  readonly params: JoinParams;
  readonly room: Room;
  private readonly ws: WebSocket;
  private readonly env: ParticipantEnv;
  private readonly log: Logger;
  private readonly pub: RTCPeerConnection;
  private readonly sub: RTCPeerConnection;
  private readonly subDc: Record<DataLabel, RTCDataChannel>;
  private readonly pendingData: Record<DataLabel, Uint8Array[]> = { _reliable: [], _lossy: [] };
  /** published tracks by track sid */
  readonly published = new Map<string, TrackForwarder>();
  /** AddTrack requests answered with TrackPublished, waiting for media */
  private readonly pendingAdds: Array<{ cid: string; info: TrackInfo }> = [];
  /** mid -> msid track id (= AddTrack cid) from the publisher offers */
  private readonly pubMidToCid = new Map<string, string>();
  /** forwarded tracks on the subscriber PC, by track sid */
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly unsubscribed = new Set<string>(); // track sids the client turned off
  private queue: Promise<void> = Promise.resolve();
  private subNeedsOffer = false;
  private subAwaitingAnswer = false;
  private subOfferId = 0;
  private version = 0;
  private closed = false;

  constructor(ws: WebSocket, room: Room, params: JoinParams, env: ParticipantEnv) {
    this.ws = ws;
    this.room = room;
    this.params = params;
    this.identity = params.identity;
    this.name = params.name;
    this.metadata = params.metadata;
    this.attributes = { ...params.attributes };
    this.env = env;
    this.log = room.log.child({ participant: params.identity, sid: this.sid });
    this.pub = new RTCPeerConnection(peerConfig(env.advertisedAddress));
    this.sub = new RTCPeerConnection(peerConfig(env.advertisedAddress));
    // werift would recycle answered-inactive transceivers for later m-lines and lose their mids
    pinTransceiverMids(this.pub, this.log);
    this.subDc = {
      _reliable: this.sub.createDataChannel('_reliable', { ordered: true }),
      _lossy: this.sub.createDataChannel('_lossy', { ordered: false, maxRetransmits: 0 }),
    };
    for (const label of ['_reliable', '_lossy'] as const) {
      this.subDc[label].stateChanged.subscribe((state) => {
        if (state === 'open') this.flushData(label);
      });
    }
    this.pub.onDataChannel.subscribe((dc) => {
      dc.onMessage.subscribe((msg) => {
        if (typeof msg === 'string') {
          this.log.warn({ label: dc.label }, 'text data message dropped (DataPackets are binary)');
          return;
        }
        this.onData(dc.label, msg);
      });
    });
    this.pub.onRemoteTransceiverAdded.subscribe((tr) => {
      tr.onTrack.subscribe((track) => this.onPublisherTrack(tr, track));
    });
    this.watchPc(this.pub, SignalTarget.PUBLISHER);
    this.watchPc(this.sub, SignalTarget.SUBSCRIBER);
    ws.on('message', (data, isBinary) => {
      let req: SignalRequest;
      try {
        req = isBinary
          ? SignalRequest.fromBinary(toBytes(data))
          : SignalRequest.fromJsonString(toBytes(data).toString());
      } catch (err) {
        this.log.warn({ err }, 'undecodable signal request');
        return;
      }
      this.enqueue(`signal ${req.message.case ?? 'empty'}`, () => this.onSignal(req));
    });
    ws.on('close', () => {
      this.close('signal connection closed');
    });
    ws.on('error', (err) => this.log.warn({ err }, 'signal socket error'));
  }

  private watchPc(pc: RTCPeerConnection, target: SignalTarget): void {
    const leg = target === SignalTarget.PUBLISHER ? 'publisher' : 'subscriber';
    pc.onIceCandidate.subscribe((c) => {
      if (!c?.candidate || candidateAddress(c.candidate) !== this.env.advertisedAddress) return;
      const candidateInit = JSON.stringify({
        candidate: c.candidate,
        sdpMid: c.sdpMid ?? '0',
        sdpMLineIndex: c.sdpMLineIndex ?? 0,
      });
      this.send({ case: 'trickle', value: new TrickleRequest({ target, candidateInit }) });
    });
    pc.connectionStateChange.subscribe((state) => {
      this.log.debug({ leg, state }, 'peer connection state');
      if (state === 'failed') this.log.warn({ leg }, 'peer connection failed');
    });
  }

  /** Run `task` after everything queued before it; errors are logged, never break the queue. */
  enqueue(what: string, task: () => Promise<void> | void): void {
    this.queue = this.queue
      .then(async () => {
        if (!this.closed) await task();
      })
      .catch((err: unknown) => this.log.error({ err, what }, 'signal handling failed'));
  }

  send(message: SignalMessage): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(new SignalResponse({ message }).toBinary());
  }

  info(state: ParticipantInfo_State = ParticipantInfo_State.ACTIVE): ParticipantInfo {
    return new ParticipantInfo({
      sid: this.sid,
      identity: this.identity,
      name: this.name,
      state,
      tracks: [...this.published.values()].map((f) => f.info),
      metadata: this.metadata,
      attributes: this.attributes,
      joinedAt: BigInt(Math.floor(this.joinedAtMs / 1000)),
      joinedAtMs: BigInt(this.joinedAtMs),
      version: this.version,
      permission: new ParticipantPermission({
        canSubscribe: this.params.canSubscribe,
        canPublish: this.params.canPublish,
        canPublishData: this.params.canPublishData,
        hidden: this.params.hidden,
      }),
      isPublisher: this.published.size > 0,
      kind: ParticipantInfo_Kind.STANDARD,
      // echoed as received: the SDKs pick data-stream RPC (v2) when the remote's value is >= 1
      clientProtocol: this.params.clientProtocol,
    });
  }

  /** Announce a change of this participant to the room (and to itself, as LiveKit does). */
  private announce(includeSelf = false): void {
    this.version++;
    const info = this.info();
    if (!this.params.hidden) this.room.broadcastUpdate(info, includeSelf ? undefined : this);
    else if (includeSelf) this.send({ case: 'update', value: new ParticipantUpdate({ participants: [info] }) });
  }

  /** First step after the WebSocket upgrade: JoinResponse, tell the others, subscribe to their tracks. */
  start(): void {
    const others = this.room.others(this);
    this.send({
      case: 'join',
      value: new JoinResponse({
        room: this.room.toProto(),
        participant: this.info(ParticipantInfo_State.JOINED),
        otherParticipants: others.filter((o) => !o.params.hidden).map((o) => o.info()),
        serverVersion: '1.9.0',
        serverInfo: new ServerInfo({
          edition: ServerInfo_Edition.Standard,
          version: '1.9.0',
          protocol: 16,
          nodeId: 'lkbrowser-testserver',
        }),
        // both must be positive: interval(0) panics in rtc-node, a zero timeout disconnects at once
        pingInterval: 5,
        pingTimeout: 15,
        subscriberPrimary: true,
        enabledPublishCodecs: [new Codec({ mime: 'video/VP8' }), new Codec({ mime: 'audio/opus' })],
      }),
    });
    this.log.info(
      { others: others.map((o) => o.identity), clientProtocol: this.params.clientProtocol },
      'participant joined',
    );
    if (!this.params.hidden) this.room.broadcastUpdate(this.info(), this);
    if (this.params.autoSubscribe && this.params.canSubscribe) {
      for (const o of others) for (const f of o.published.values()) this.subscribeTo(o, f);
    }
    // the subscriber PC carries the data channels, so it is negotiated even with nothing to forward
    this.requestSubscriberOffer();
  }

  // ---- signalling -----------------------------------------------------------------------------

  private async onSignal(req: SignalRequest): Promise<void> {
    const m = req.message;
    switch (m.case) {
      case 'offer':
        return this.onPublisherOffer(m.value.sdp, m.value.id);
      case 'answer':
        return this.onSubscriberAnswer(m.value.sdp);
      case 'trickle':
        return this.onTrickle(m.value);
      case 'addTrack':
        return this.onAddTrack(m.value);
      case 'mute':
        return this.onMute(m.value);
      case 'subscription':
        return this.onSubscription(m.value);
      case 'updateMetadata':
        return this.onUpdateMetadata(m.value);
      case 'pingReq':
        this.send({
          case: 'pongResp',
          value: new Pong({ lastPingTimestamp: m.value.timestamp, timestamp: BigInt(Date.now()) }),
        });
        return;
      case 'ping':
        this.send({ case: 'pong', value: BigInt(Date.now()) });
        return;
      case 'leave':
        this.log.info('participant sent leave');
        this.close('client leave');
        return;
      default:
        this.log.debug({ request: m.case }, 'signal request ignored');
    }
  }

  /** `offerId` is echoed in the answer: livekit-client waits for the answer to its offer id. */
  private async onPublisherOffer(sdp: string, offerId: number): Promise<void> {
    const sections = parseMediaSections(sdp);
    this.log.debug({ offerId, sections }, 'publisher offer');
    for (const s of sections) if (s.trackId && s.mid) this.pubMidToCid.set(s.mid, s.trackId);
    await this.pub.setRemoteDescription({ type: 'offer', sdp: filterRemoteSdp(sdp) });
    const lost = unmatchedMids(this.pub, sections);
    if (lost.length > 0) throw new Error(`publisher offer: no transceiver for mid(s) ${lost.join(', ')}`);
    const answer = await this.pub.createAnswer();
    await this.pub.setLocalDescription(answer);
    const local = this.pub.localDescription?.sdp ?? answer.sdp;
    this.send({
      case: 'answer',
      value: new SessionDescription({
        type: 'answer',
        sdp: fixLocalSdp(local, this.env.advertisedAddress),
        id: offerId,
      }),
    });
    // a published track whose m-line is no longer sending was unpublished (removeTrack + renegotiate)
    for (const f of [...this.published.values()]) {
      const s = sections.find((x) => x.mid === f.mid);
      if (!s || s.port === 0 || s.direction === 'recvonly' || s.direction === 'inactive') {
        this.unpublish(f.info.sid, 'publisher offer stopped sending');
      }
    }
  }

  private async onSubscriberAnswer(sdp: string): Promise<void> {
    await this.sub.setRemoteDescription({ type: 'answer', sdp: filterRemoteSdp(sdp) });
    this.subAwaitingAnswer = false;
    await this.maybeOfferSubscriber();
  }

  private async onTrickle(t: TrickleRequest): Promise<void> {
    let init: { candidate?: string; sdpMid?: string; sdpMLineIndex?: number };
    try {
      init = JSON.parse(t.candidateInit) as typeof init;
    } catch (err) {
      this.log.warn({ err, candidateInit: t.candidateInit }, 'bad trickle candidate');
      return;
    }
    if (!init.candidate) return; // end of candidates
    if (!acceptRemoteCandidate(init.candidate)) {
      this.log.debug({ candidate: init.candidate }, 'remote candidate skipped (peer-reflexive will be used)');
      return;
    }
    const pc = t.target === SignalTarget.SUBSCRIBER ? this.sub : this.pub;
    try {
      await pc.addIceCandidate({
        candidate: init.candidate,
        sdpMid: init.sdpMid ?? '0',
        sdpMLineIndex: init.sdpMLineIndex ?? 0,
      });
    } catch (err) {
      this.log.warn({ err, candidate: init.candidate }, 'addIceCandidate failed');
    }
  }

  private onAddTrack(req: AddTrackRequest): void {
    if (!this.params.canPublish) {
      this.log.warn({ cid: req.cid }, 'AddTrack refused: no canPublish grant');
      return;
    }
    const video = req.type === TrackType.VIDEO;
    const info = new TrackInfo({
      sid: newSid('TR_'),
      type: req.type,
      name: req.name,
      muted: req.muted,
      width: req.width,
      height: req.height,
      simulcast: req.layers.length > 1 || req.simulcastCodecs.length > 0,
      source: req.source,
      layers: req.layers,
      mimeType: video ? 'video/VP8' : 'audio/opus',
      stream: req.stream,
      disableDtx: req.disableDtx,
      encryption: req.encryption,
    });
    this.pendingAdds.push({ cid: req.cid, info });
    this.send({ case: 'trackPublished', value: new TrackPublishedResponse({ cid: req.cid, track: info }) });
  }

  private onMute(req: MuteTrackRequest): void {
    const f = this.published.get(req.sid);
    const pending = this.pendingAdds.find((p) => p.info.sid === req.sid);
    const info = f?.info ?? pending?.info;
    if (!info || info.muted === req.muted) return;
    info.muted = req.muted;
    this.log.info({ track: req.sid, muted: req.muted }, 'track mute changed');
    if (f) this.announce();
  }

  private onSubscription(req: UpdateSubscription): void {
    const sids = new Set(req.trackSids);
    for (const pt of req.participantTracks) for (const s of pt.trackSids) sids.add(s);
    for (const trackSid of sids) {
      if (req.subscribe) {
        this.unsubscribed.delete(trackSid);
        for (const o of this.room.others(this)) {
          const f = o.published.get(trackSid);
          if (f) this.subscribeTo(o, f);
        }
      } else {
        this.unsubscribed.add(trackSid);
        this.unsubscribeFrom(trackSid);
      }
    }
  }

  private onUpdateMetadata(req: UpdateParticipantMetadata): void {
    if (req.name) this.name = req.name;
    if (req.metadata) this.metadata = req.metadata;
    for (const [k, v] of Object.entries(req.attributes)) {
      if (v === '') delete this.attributes[k];
      else this.attributes[k] = v;
    }
    this.announce(true);
    if (req.requestId) {
      this.send({
        case: 'requestResponse',
        value: new RequestResponse({ requestId: req.requestId, reason: RequestResponse_Reason.OK }),
      });
    }
  }

  // ---- media --------------------------------------------------------------------------------------

  private onPublisherTrack(tr: RTCRtpTransceiver, track: MediaStreamTrack): void {
    if (this.closed) return;
    const mid = tr.mid ?? '';
    const existing = [...this.published.values()].find((f) => f.mid === mid);
    if (existing) {
      existing.addLayer(track); // another simulcast layer
      return;
    }
    const kind = track.kind === 'audio' ? 'audio' : 'video';
    const type = kind === 'audio' ? TrackType.AUDIO : TrackType.VIDEO;
    const cid = this.pubMidToCid.get(mid);
    let idx = this.pendingAdds.findIndex((p) => p.cid === cid && p.info.type === type);
    if (idx < 0) idx = this.pendingAdds.findIndex((p) => p.info.type === type); // msid missing: by kind, in order
    const pending = idx >= 0 ? this.pendingAdds.splice(idx, 1)[0] : undefined;
    if (!pending) {
      this.log.warn({ mid, kind }, 'media without a matching AddTrack request ignored');
      return;
    }
    pending.info.mid = mid;
    const forwarder = new TrackForwarder(pending.info, kind, mid, tr.receiver, this.log);
    forwarder.addLayer(track);
    this.published.set(pending.info.sid, forwarder);
    this.log.info(
      { track: pending.info.sid, kind, name: pending.info.name, source: pending.info.source, rid: track.rid ?? null },
      'track published',
    );
    this.announce();
    for (const o of this.room.others(this)) {
      if (o.params.autoSubscribe && o.params.canSubscribe) o.subscribeTo(this, forwarder);
    }
  }

  /** Forward `f` (published by `publisher`) to this participant. */
  subscribeTo(publisher: Participant, f: TrackForwarder): void {
    const trackSid = f.info.sid;
    if (this.closed || this.subscriptions.has(trackSid) || this.unsubscribed.has(trackSid)) return;
    const transceiver = this.sub.addTransceiver(f.kind, { direction: 'sendonly' });
    // msid `<PA_sid>|<TR_sid> <TR_sid>`: the v0 client takes the participant and track sid from it
    transceiver.sender.streamId = `${publisher.sid}|${trackSid}`;
    (transceiver.sender as { trackId: string }).trackId = trackSid;
    const detach = f.attach(transceiver.sender);
    this.subscriptions.set(trackSid, { transceiver, detach });
    this.log.info({ track: trackSid, from: publisher.identity, kind: f.kind }, 'subscribed');
    this.requestSubscriberOffer();
  }

  unsubscribeFrom(trackSid: string): void {
    const s = this.subscriptions.get(trackSid);
    if (!s) return;
    this.subscriptions.delete(trackSid);
    s.detach();
    if (this.closed) return;
    try {
      this.sub.removeTrack(s.transceiver.sender);
    } catch (err) {
      this.log.warn({ err, track: trackSid }, 'removeTrack failed');
    }
    this.requestSubscriberOffer();
  }

  private unpublish(trackSid: string, reason: string): void {
    const f = this.published.get(trackSid);
    if (!f) return;
    this.published.delete(trackSid);
    this.log.info({ track: trackSid, reason }, 'track unpublished');
    for (const o of this.room.others(this)) o.enqueue('unsubscribe', () => o.unsubscribeFrom(trackSid));
    f.close();
    this.send({ case: 'trackUnpublished', value: new TrackUnpublishedResponse({ trackSid }) });
    this.announce();
  }

  /** Ask for a (re)negotiation of the subscriber PC; coalesced, one offer in flight at a time. */
  private requestSubscriberOffer(): void {
    this.subNeedsOffer = true;
    this.enqueue('subscriber offer', () => this.maybeOfferSubscriber());
  }

  private async maybeOfferSubscriber(): Promise<void> {
    if (!this.subNeedsOffer || this.subAwaitingAnswer || this.closed) return;
    this.subNeedsOffer = false;
    this.subAwaitingAnswer = true;
    const offer = await this.sub.createOffer();
    await this.sub.setLocalDescription(offer);
    const local = this.sub.localDescription?.sdp ?? offer.sdp;
    if (this.log.isLevelEnabled('debug')) this.log.debug({ sections: parseMediaSections(local) }, 'subscriber offer');
    this.send({
      case: 'offer',
      value: new SessionDescription({
        type: 'offer',
        sdp: fixLocalSdp(local, this.env.advertisedAddress),
        id: ++this.subOfferId,
      }),
    });
  }

  // ---- data ---------------------------------------------------------------------------------------

  private onData(label: string, msg: Buffer): void {
    if (!this.params.canPublishData) {
      this.log.warn({ label }, 'data dropped: no canPublishData grant');
      return;
    }
    const r = routeDataPacket(this, label, msg, this.room.others(this), this.log);
    if (r) this.log.debug({ label, kind: r.kind, delivered: r.delivered }, 'data forwarded');
  }

  sendData(label: DataLabel, bytes: Uint8Array): void {
    const dc = this.subDc[label];
    if (dc.readyState === 'open') {
      dc.send(Buffer.from(bytes));
    } else if (dc.readyState === 'connecting') {
      const q = this.pendingData[label];
      if (q.length < MAX_PENDING_DATA) q.push(bytes);
      else this.log.warn({ label }, 'data dropped: subscriber channel not open yet');
    }
  }

  private flushData(label: DataLabel): void {
    const q = this.pendingData[label].splice(0);
    for (const b of q) this.subDc[label].send(Buffer.from(b));
  }

  // ---- teardown -----------------------------------------------------------------------------------

  /** Server-initiated disconnect (duplicate identity, shutdown): tell the client, then close. */
  kick(reason: DisconnectReason, why: string): void {
    this.send({
      case: 'leave',
      value: new LeaveRequest({ canReconnect: false, reason, action: LeaveRequest_Action.DISCONNECT }),
    });
    this.close(why);
  }

  /** Leave the room: tell the others, stop forwarding, close both PCs and the socket. Idempotent. */
  close(why: string): void {
    if (this.closed) return;
    this.closed = true;
    const wasMember = this.room.remove(this);
    this.log.info({ reason: why }, 'participant left');
    if (wasMember && !this.params.hidden) {
      this.version++;
      this.room.broadcastUpdate(this.info(ParticipantInfo_State.DISCONNECTED));
    }
    for (const [trackSid, f] of this.published) {
      for (const o of this.room.participants) o.enqueue('unsubscribe', () => o.unsubscribeFrom(trackSid));
      f.close();
    }
    this.published.clear();
    for (const s of this.subscriptions.values()) s.detach();
    this.subscriptions.clear();
    for (const pc of [this.pub, this.sub]) {
      pc.close().catch((err: unknown) => this.log.warn({ err }, 'peer connection close failed'));
    }
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(1000);
    this.env.onClosed(this);
  }

  /** Resolves when all queued signal work has run (used by shutdown). */
  idle(): Promise<void> {
    return this.queue;
  }
}

function toBytes(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data);
}
