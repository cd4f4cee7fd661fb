// Prometheus metrics of one runtime (own registry so several sessions can live in one test process).
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** How often the event-loop lag histogram samples (ms). */
export const EVENT_LOOP_SAMPLE_MS = 100;

export class RuntimeMetrics {
  readonly registry: Registry;
  readonly framesPublished: Counter;
  readonly framesRefreshed: Counter;
  readonly framesSkipped: Counter;
  readonly fps: Gauge;
  readonly paintToPublish: Histogram;
  readonly captureDuration: Histogram;
  readonly focusChanges: Counter<'reason'>;
  readonly inputPackets: Counter<'result'>;
  readonly inputEvents: Counter<'result'>;
  readonly inputErrors: Counter;
  readonly rpcCalls: Counter<'method' | 'result'>;
  readonly browserRestarts: Counter;
  readonly dataPacketsDropped: Counter<'reason'>;
  readonly dataPacketsSent: Counter<'topic'>;
  readonly audioFrames: Counter<'result'>;
  readonly audioRecreated: Counter;
  readonly publishing: Gauge;
  readonly startupStep: Gauge<'step'>;
  readonly chromiumSandbox: Gauge;
  readonly participants: Gauge;
  readonly screenshotEncode: Histogram;
  readonly actions: Counter<'type' | 'result'>;
  readonly egressRefused: Counter<'reason'>;
  readonly egressConnections: Counter<'kind'>;
  readonly automationConnections: Counter<'result'>;
  readonly automationRefused: Counter<'kind'>;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const r = new Registry();
    this.registry = r;
    // Event-loop lag sampled every 100 ms, not prom-client's 10 ms: its timer woke the main thread 100 times a second
    // (bench/cpu-mem.ts static, Node's main thread: 1.0 → 0.5 % of a core on a loaded machine, 0.5 → 0.4 on a quiet one).
    if (opts.defaultMetrics)
      collectDefaultMetrics({
        register: r,
        prefix: 'lkb_runtime_',
        eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS,
      });
    this.framesPublished = new Counter({
      name: 'lkb_frames_published_total',
      help: 'Video frames handed to the LiveKit video source (paint-driven and refresh)',
      registers: [r],
    });
    this.framesRefreshed = new Counter({
      name: 'lkb_frames_refreshed_total',
      help: 'Frames re-sent without a new paint (low-rate keep-alive of static pages)',
      registers: [r],
    });
    this.framesSkipped = new Counter({
      name: 'lkb_frames_coalesced_total',
      help: 'Paints replaced by a newer paint before they were published (rate limit = fps)',
      registers: [r],
    });
    this.fps = new Gauge({
      name: 'lkb_video_fps',
      help: 'Frames published per second over the last second',
      registers: [r],
    });
    this.paintToPublish = new Histogram({
      name: 'lkb_paint_to_publish_seconds',
      help: 'Time from engine paint capture to captureFrame() returning',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.2, 0.5, 1],
      registers: [r],
    });
    this.screenshotEncode = new Histogram({
      name: 'lkb_screenshot_encode_seconds',
      help: 'browser/screenshot: region copy + PNG encode of the last frame',
      buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2],
      registers: [r],
    });
    this.actions = new Counter({
      name: 'lkb_actions_total',
      help: 'browser/actions actions by type and result (ok, or the error code)',
      labelNames: ['type', 'result'],
      registers: [r],
    });
    this.captureDuration = new Histogram({
      name: 'lkb_capture_frame_seconds',
      help: 'Duration of the synchronous VideoSource.captureFrame (BGRA→I420 conversion on the event loop)',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1],
      registers: [r],
    });
    this.focusChanges = new Counter({
      name: 'lkb_focus_changes_total',
      help: 'Focus holder changes',
      labelNames: ['reason'],
      registers: [r],
    });
    this.inputPackets = new Counter({
      name: 'lkb_input_packets_total',
      help: 'browser-input packets by result (accepted, or the drop reason)',
      labelNames: ['result'],
      registers: [r],
    });
    this.inputEvents = new Counter({
      name: 'lkb_input_events_total',
      help: 'Input events by result (accepted, or the drop reason)',
      labelNames: ['result'],
      registers: [r],
    });
    this.inputErrors = new Counter({
      name: 'lkb_input_dispatch_errors_total',
      help: 'Engine calls for input that failed',
      registers: [r],
    });
    this.rpcCalls = new Counter({
      name: 'lkb_rpc_calls_total',
      help: 'RPC invocations by method and result (ok or error code)',
      labelNames: ['method', 'result'],
      registers: [r],
    });
    this.browserRestarts = new Counter({
      name: 'lkb_browser_restarts_total',
      help: 'Browser restarts after a crash',
      registers: [r],
    });
    this.dataPacketsDropped = new Counter({
      name: 'lkb_data_packets_dropped_total',
      help: 'Outgoing/incoming data packets dropped (send failure, queue full, unknown topic)',
      labelNames: ['reason'],
      registers: [r],
    });
    this.dataPacketsSent = new Counter({
      name: 'lkb_data_packets_sent_total',
      help: 'Outgoing data packets by topic',
      labelNames: ['topic'],
      registers: [r],
    });
    this.audioFrames = new Counter({
      name: 'lkb_audio_frames_total',
      help: 'Audio frames by result (published, dropped_queue_full, error)',
      labelNames: ['result'],
      registers: [r],
    });
    this.audioRecreated = new Counter({
      name: 'lkb_audio_source_recreated_total',
      help: 'Audio source/track re-created after capture errors',
      registers: [r],
    });
    this.startupStep = new Gauge({
      name: 'lkb_startup_step_timestamp_seconds',
      help: 'Unix time (ms resolution) at which each start-up step of the first start ended (startup-timeline.ts)',
      labelNames: ['step'],
      registers: [r],
    });
    this.publishing = new Gauge({
      name: 'lkb_publishing',
      help: '1 while the video track is published',
      registers: [r],
    });
    this.chromiumSandbox = new Gauge({
      name: 'lkb_chromium_sandbox',
      help: '1 while Chromium runs in its own sandbox, 0 with --no-sandbox (the reason is in /status and the log)',
      registers: [r],
    });
    this.participants = new Gauge({
      name: 'lkb_remote_participants',
      help: 'Other participants in the room',
      registers: [r],
    });
    this.egressRefused = new Counter({
      name: 'lkb_egress_refused_total',
      help: 'Connections from Chromium refused by the egress proxy, by reason (address class, dns, bad-request, upgrade)',
      labelNames: ['reason'],
      registers: [r],
    });
    this.egressConnections = new Counter({
      name: 'lkb_egress_connections_total',
      help: 'Upstream connections opened by the egress proxy (connect = CONNECT tunnel, http = absolute-URI request)',
      labelNames: ['kind'],
      registers: [r],
    });
    this.automationConnections = new Counter({
      name: 'lkb_automation_connections_total',
      help: 'CDP automation connection attempts, by result (accepted, unauthorized, busy, no-page, upstream-failed)',
      labelNames: ['result'],
      registers: [r],
    });
    this.automationRefused = new Counter({
      name: 'lkb_automation_refused_total',
      help: 'CDP messages of automation clients refused by the scope (method, navigation, malformed)',
      labelNames: ['kind'],
      registers: [r],
    });
  }

  async value(name: string, labels: Record<string, string> = {}): Promise<number> {
    const m = this.registry.getSingleMetric(name);
    if (!m) return 0;
    const got = await m.get();
    let sum = 0;
    for (const v of got.values) {
      const l = v.labels as Record<string, string | number>;
      if (Object.entries(labels).every(([k, want]) => String(l[k]) === want)) {
        if (!('metricName' in v) || v.metricName === undefined || v.metricName === name) sum += v.value;
      }
    }
    return sum;
  }
}
