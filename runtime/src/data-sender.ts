// Reliable data packets to the room (browser-focus, browser-url, cursor_changed): sends are serialised so state
// updates arrive in the order they happened, and the queue is bounded so a slow room cannot grow memory.
import type { Room } from '@livekit/rtc-node';
import type { Logger } from 'pino';
import { errMsg } from './errors.ts';
import type { RuntimeMetrics } from './metrics.ts';
import { checkDataPayload } from './room-limits.ts';

const SEND_QUEUE_MAX = 256;
const encoder = new TextEncoder();

export class DataSender {
  readonly #room: Room;
  readonly #metrics: RuntimeMetrics;
  readonly #log: Logger;
  #chain: Promise<void> = Promise.resolve();
  #pending = 0;

  constructor(room: Room, metrics: RuntimeMetrics, logger: Logger) {
    this.#room = room;
    this.#metrics = metrics;
    this.#log = logger;
  }

  /** Queues `obj` as JSON on `topic`, to everyone or to the identities in `to`. */
  send(topic: string, obj: unknown, to?: string[]): void {
    const m = this.#metrics;
    if (this.#pending >= SEND_QUEUE_MAX) {
      m.dataPacketsDropped.inc({ reason: 'send_queue_full' });
      this.#log.warn({ topic }, 'send queue full; data packet dropped');
      return;
    }
    const lp = this.#room.localParticipant;
    if (!lp) return;
    const bytes = encoder.encode(JSON.stringify(obj));
    const size = checkDataPayload(topic, bytes.length);
    if (!size.ok) {
      // The SDK would fail it for everyone; refused here, with the reason.
      m.dataPacketsDropped.inc({ reason: 'too_large' });
      this.#log.error({ topic, bytes: size.bytes }, `data packet refused: ${size.reason}`);
      return;
    }
    this.#pending++;
    this.#chain = this.#chain
      .then(() =>
        lp.publishData(bytes, to ? { reliable: true, topic, destination_identities: to } : { reliable: true, topic }),
      )
      .then(
        () => m.dataPacketsSent.inc({ topic }),
        (e: unknown) => {
          m.dataPacketsDropped.inc({ reason: 'send_failed' });
          this.#log.warn({ err: errMsg(e), topic }, 'publishData failed');
        },
      )
      .finally(() => {
        this.#pending--;
      });
  }
}
