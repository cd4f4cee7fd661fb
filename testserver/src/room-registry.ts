// All rooms of one server, created on first join and dropped when empty.
import type { Logger } from 'pino';
import { Room } from './room.ts';

export class RoomRegistry {
  private readonly rooms = new Map<string, Room>();
  private readonly log: Logger;

  constructor(log: Logger) {
    this.log = log;
  }

  getOrCreate(name: string): Room {
    let room = this.rooms.get(name);
    if (!room) {
      room = new Room(name, this.log);
      this.rooms.set(name, room);
      this.log.info({ room: name, sid: room.sid }, 'room created');
    }
    return room;
  }

  /** Drop the room if nobody is left in it. */
  release(room: Room): void {
    if (room.size === 0 && this.rooms.get(room.name) === room) {
      this.rooms.delete(room.name);
      this.log.info({ room: room.name }, 'room closed (empty)');
    }
  }

  all(): Room[] {
    return [...this.rooms.values()];
  }
}
