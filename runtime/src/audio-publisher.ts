// browser-audio: the screen-share audio track. Engine audio (10 ms frames of 48 kHz stereo) goes through a short
// bounded queue into the AudioSource; after repeated capture errors the source and track are re-created.
import { AudioFrame, type AudioSource, type Room, TrackPublishOptions, TrackSource } from '@livekit/rtc-node';
import type { Logger } from 'pino';
import type { AudioEvent } from '@lkbrowser/native';
import { errMsg } from './errors.ts';
import { type PreparedAudio, prepareAudio } from './prepared-media.ts';
import type { RuntimeMetrics } from './metrics.ts';

const QUEUE_FRAMES = 20; // 200 ms of 10 ms frames
const ERRORS_BEFORE_RECREATE = 3;

export interface AudioPublisherOptions {
  room: Room;
  metrics: RuntimeMetrics;
  logger: Logger;
  /** A standby runtime's source and track, made before its claim (prepared-media.ts); publish() uses them. */
  prepared?: PreparedAudio;
}

export class AudioPublisher {
  readonly #o: AudioPublisherOptions;
  #source: AudioSource | undefined;
  #prepared: PreparedAudio | undefined;
  #sid: string | undefined;
  #queue: AudioEvent[] = [];
  #pumping = false;
  #errors = 0;
  #recreating = false;
  #closed = false;

  constructor(opts: AudioPublisherOptions) {
    this.#o = opts;
    this.#prepared = opts.prepared;
  }

  get sid(): string | undefined {
    return this.#sid;
  }

  async publish(): Promise<void> {
    const lp = this.#o.room.localParticipant;
    if (!lp) return;
    // The prepared objects once only: a re-creation after capture errors makes new ones.
    const a = this.#prepared ?? prepareAudio();
    this.#prepared = undefined;
    this.#source = a.source;
    const track = a.track;
    const pub = await lp.publishTrack(track, new TrackPublishOptions({ source: TrackSource.SOURCE_SCREENSHARE_AUDIO }));
    this.#sid = pub.sid;
  }

  onAudio(ev: AudioEvent): void {
    if (this.#closed) return;
    const m = this.#o.metrics;
    if (ev.sampleRate !== 48000 || ev.channels !== 2 || ev.samples.length !== ev.samplesPerChannel * ev.channels) {
      m.audioFrames.inc({ result: 'dropped_format' });
      return;
    }
    if (this.#queue.length >= QUEUE_FRAMES) {
      m.audioFrames.inc({ result: 'dropped_queue_full' });
      return;
    }
    this.#queue.push(ev);
    if (!this.#pumping) void this.#pump();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    const lp = this.#o.room.localParticipant;
    if (this.#sid && lp) {
      try {
        await lp.unpublishTrack(this.#sid);
      } catch (e) {
        this.#o.logger.warn({ err: errMsg(e), sid: this.#sid }, 'unpublishTrack failed');
      }
    }
    this.#sid = undefined;
    try {
      await this.#source?.close();
    } catch (e) {
      this.#o.logger.warn({ err: errMsg(e) }, 'closing the audio source failed');
    }
    this.#source = undefined;
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    const m = this.#o.metrics;
    try {
      while (!this.#closed && this.#queue.length > 0) {
        const ev = this.#queue.shift() as AudioEvent;
        const src = this.#source;
        if (!src || this.#recreating) {
          m.audioFrames.inc({ result: 'dropped_no_source' });
          continue;
        }
        try {
          await src.captureFrame(new AudioFrame(ev.samples, ev.sampleRate, ev.channels, ev.samplesPerChannel));
          m.audioFrames.inc({ result: 'published' });
          this.#errors = 0;
        } catch (e) {
          m.audioFrames.inc({ result: 'error' });
          this.#errors++;
          this.#o.logger.warn({ err: errMsg(e), consecutive: this.#errors }, 'audio captureFrame failed');
          if (this.#errors >= ERRORS_BEFORE_RECREATE) await this.#recreate();
        }
      }
    } finally {
      this.#pumping = false;
    }
  }

  async #recreate(): Promise<void> {
    if (this.#closed || this.#recreating) return;
    this.#recreating = true;
    const lp = this.#o.room.localParticipant;
    try {
      if (this.#sid && lp) await lp.unpublishTrack(this.#sid);
      await this.#source?.close();
      this.#sid = undefined;
      this.#source = undefined;
      if (!this.#closed) await this.publish();
      this.#errors = 0;
      this.#o.metrics.audioRecreated.inc();
      this.#o.logger.warn({ audioSid: this.#sid }, 'audio source re-created after capture errors');
    } catch (e) {
      this.#o.logger.error({ err: errMsg(e) }, 're-creating the audio source failed');
    } finally {
      this.#recreating = false;
    }
  }
}
