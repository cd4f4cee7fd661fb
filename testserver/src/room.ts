// A room: its participants, and fan-out of participant updates. Rooms are isolated from each other.
import type { Logger } from 'pino';
import { Room as PbRoom, type ParticipantInfo, ParticipantUpdate } from '@livekit/protocol';
import { newSid } from './ids.ts';
import type { Participant } from './participant.ts';

export class Room {
  readonly sid = newSid('RM_');
  readonly name: string;
  readonly createdAtMs = Date.now();
  readonly log: Logger;
  private readonly members = new Map<string, Participant>(); // by participant sid

  constructor(name: string, log: Logger) {
    this.name = name;
    this.log = log.child({ room: name });
  }

  get participants(): Participant[] {
    return [...this.members.values()];
  }

  get size(): number {
    return this.members.size;
  }

  byIdentity(identity: string): Participant | undefined {
    return this.participants.find((p) => p.identity === identity);
  }

  add(p: Participant): void {
    this.members.set(p.sid, p);
  }

  /** Returns true if the participant was a member. */
  remove(p: Participant): boolean {
    return this.members.delete(p.sid);
  }

  others(p: Participant): Participant[] {
    return this.participants.filter((o) => o !== p);
  }

  /** Send a ParticipantUpdate carrying `info` to every member except `except`. */
  broadcastUpdate(info: ParticipantInfo, except?: Participant): void {
    const update = new ParticipantUpdate({ participants: [info] });
    for (const o of this.members.values()) {
      if (o !== except) o.send({ case: 'update', value: update });
    }
  }

  toProto(): PbRoom {
    return new PbRoom({
      sid: this.sid,
      name: this.name,
      creationTime: BigInt(Math.floor(this.createdAtMs / 1000)),
      creationTimeMs: BigInt(this.createdAtMs),
      numParticipants: this.members.size,
      emptyTimeout: 300,
      departureTimeout: 20,
    });
  }
}
