// Data packets (user data, RPC request/ack/response, data streams, chat, ...) are plain DataPackets:
// the server stamps the sender, honours destination identities and forwards them on the receiver's
// subscriber-PC channel of the same label (`_reliable` / `_lossy`). No RPC or stream logic is needed.
import type { Logger } from 'pino';
import { DataPacket } from '@livekit/protocol';

export type DataLabel = '_reliable' | '_lossy';

export interface DataEndpoint {
  readonly identity: string;
  readonly sid: string;
  sendData(label: DataLabel, bytes: Uint8Array): void;
}

export interface RouteResult {
  kind: string;
  delivered: number;
}

/**
 * Decode a packet received from `from` on channel `label`, stamp the sender and forward it to the
 * matching `others`. Returns what was done, or undefined for packets that are not forwarded.
 */
export function routeDataPacket(
  from: DataEndpoint,
  label: string,
  raw: Uint8Array,
  others: Iterable<DataEndpoint>,
  log: Logger,
): RouteResult | undefined {
  if (label !== '_reliable' && label !== '_lossy') return undefined; // e.g. `_data_track`
  let pkt: DataPacket;
  try {
    pkt = DataPacket.fromBinary(raw);
  } catch (err) {
    log.warn({ err, from: from.identity, label }, 'undecodable data packet dropped');
    return undefined;
  }
  pkt.participantIdentity = from.identity;
  pkt.participantSid = from.sid;
  const destinations = new Set(pkt.destinationIdentities);
  if (pkt.value.case === 'user') {
    // legacy fields some SDK versions still read
    pkt.value.value.participantIdentity = from.identity;
    pkt.value.value.participantSid = from.sid;
    for (const d of pkt.value.value.destinationIdentities) destinations.add(d);
  }
  const outLabel: DataLabel = label;
  const bytes = pkt.toBinary();
  let delivered = 0;
  for (const o of others) {
    if (o.sid === from.sid) continue;
    if (destinations.size > 0 && !destinations.has(o.identity)) continue;
    o.sendData(outLabel, bytes);
    delivered++;
  }
  return { kind: pkt.value.case ?? 'unknown', delivered };
}
