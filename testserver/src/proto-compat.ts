// Fields newer than the pinned @livekit/protocol 2.0.0.
//
// ParticipantInfo.client_protocol (field 20, int32) is not in 2.0.0's generated code, but the SDKs read
// it: rtc-node's perform_rpc uses data-stream RPC (v2) when the remote's value is >= 1 and DataPacket
// RPC (v1) otherwise; livekit-client does the same. The server echoes what the client sent on `/rtc`
// (`client_protocol=`). It is written as an unknown field, which protobuf-es keeps on re-serialisation.
import { ParticipantInfo } from '@livekit/protocol';

const CLIENT_PROTOCOL_FIELD = 20;

function varint(n: number): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, BigInt(n)); // int32 negatives are 10-byte varints
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

export function withClientProtocol(info: ParticipantInfo, clientProtocol: number): ParticipantInfo {
  if (!clientProtocol) return info;
  const base = info.toBinary();
  const extra = Uint8Array.from([...varint((CLIENT_PROTOCOL_FIELD << 3) | 0), ...varint(clientProtocol)]);
  const bytes = new Uint8Array(base.length + extra.length);
  bytes.set(base);
  bytes.set(extra, base.length);
  return ParticipantInfo.fromBinary(bytes);
}
