// The part of a LiveKit Room the client uses, typed structurally so both SDKs fit without importing either:
// `@livekit/rtc-node` (agents, Node) and `livekit-client` (browsers). test/room-adapter.test.ts checks at
// type level that both Room classes are assignable. Where the two differ (byte stream ids, data options) the
// adapter below reads both spellings.

export interface RpcParams {
  destinationIdentity: string;
  method: string;
  payload: string;
  responseTimeout?: number;
}

export interface LocalParticipantLike {
  readonly identity: string;
  performRpc(params: RpcParams): Promise<string>;
  publishData(data: Uint8Array, options: { reliable?: boolean; topic?: string }): Promise<void>;
}

export interface ByteStreamReaderLike {
  /** livekit-client names the stream id `id`, rtc-node `streamId`. */
  readonly info: {
    id?: string;
    streamId?: string;
    mimeType: string;
    topic: string;
    attributes?: Record<string, string>;
  };
  readAll(): Promise<Array<Uint8Array>>;
}

/** A remote participant as both SDKs report it: `attributes` come from its token (or its own metadata updates). */
export interface ParticipantLike {
  readonly identity: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

export type DataListener = (payload: Uint8Array, participant?: ParticipantLike, kind?: unknown, topic?: string) => void;
export type ParticipantListener = (participant: { identity: string }) => void;

export interface RoomLike {
  readonly localParticipant?: LocalParticipantLike;
  /** Optional so hand-made rooms fit; both SDKs have it. */
  readonly remoteParticipants?: ReadonlyMap<string, ParticipantLike>;
  on(event: 'dataReceived', listener: DataListener): unknown;
  on(event: 'participantDisconnected', listener: ParticipantListener): unknown;
  off(event: 'dataReceived', listener: DataListener): unknown;
  off(event: 'participantDisconnected', listener: ParticipantListener): unknown;
  registerByteStreamHandler(
    topic: string,
    callback: (reader: ByteStreamReaderLike, participantInfo: { identity: string }) => void,
  ): void;
  unregisterByteStreamHandler(topic: string): void;
}

export function streamIdOf(reader: ByteStreamReaderLike): string {
  return reader.info.id ?? reader.info.streamId ?? '';
}

export function localOf(room: RoomLike): LocalParticipantLike {
  const lp = room.localParticipant;
  if (!lp) throw new Error('room is not connected');
  return lp;
}
