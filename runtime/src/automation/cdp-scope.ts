// What an automation client (Playwright connectOverCDP, puppeteer.connect, browser-use, Stagehand) may say to
// Chromium over the runtime's CDP proxy (docs/automation.md), and what it may hear. Pure: the proxy
// (cdp-proxy.ts) does the I/O; this decides, one message at a time, and keeps the per-connection state that the
// decisions need (which sessions and targets belong to the session's one page).
//
// Scope: the one page target of the session and the targets attached under it (out-of-process iframes, its
// workers). Everything else Chromium has (other pages and popups, service workers, the browser target itself) is
// invisible: not listed, not announced, not attachable.
// Refused: closing or crashing the browser or the page, new targets and browser contexts, the browser target,
// local files (DOM.setFileInputFiles, Network.loadNetworkResource), writing downloads to disk (download behaviour
// is forced to deny), navigation the room's navigation policy refuses (Page.navigate is checked like
// browser/navigate; every connection still goes through the egress proxy), and every domain not listed below.

export type CdpParams = Record<string, unknown>;

/** A client request as the proxy parsed it. */
export interface CdpRequest {
  id: number;
  method: string;
  params: CdpParams;
  sessionId?: string;
}

/** A message from Chromium (a reply or an event). */
export interface CdpUpstreamMessage {
  id?: number;
  method?: string;
  params?: CdpParams;
  result?: CdpParams;
  error?: unknown;
  sessionId?: string;
}

export type ClientVerdict =
  | { kind: 'forward'; request: CdpRequest }
  /** Forward only if the navigation policy allows `url` (the proxy checks it, async: DNS). */
  | { kind: 'navigate'; request: CdpRequest; url: string }
  | { kind: 'refuse'; reason: string };

export type UpstreamVerdict =
  | { kind: 'forward'; message: CdpUpstreamMessage }
  | { kind: 'drop' }
  /** Chromium attached this connection to a target outside the scope: let it run and detach, tell the client nothing. */
  | { kind: 'release'; sessionId: string };

/** Domains an attached page session may use (Chromium's own per-target domains). */
const SESSION_DOMAINS = new Set([
  'Accessibility',
  'Animation',
  'Audits',
  'Autofill',
  'CSS',
  'CacheStorage',
  'Console',
  'DOM',
  'DOMDebugger',
  'DOMSnapshot',
  'DOMStorage',
  'Debugger',
  'DeviceOrientation',
  'Emulation',
  'EventBreakpoints',
  'Fetch',
  'HeapProfiler',
  'IO',
  'IndexedDB',
  'Input',
  'Inspector',
  'LayerTree',
  'Log',
  'Media',
  'Network',
  'Overlay',
  'Page',
  'Performance',
  'PerformanceTimeline',
  'Preload',
  'Profiler',
  'Runtime',
  'Schema',
  'Security',
  'ServiceWorker',
  'Storage',
  'WebAudio',
  'WebAuthn',
]);

/** Methods of allowed domains that are refused anyway, with the reason the client is told. */
const REFUSED: Readonly<Record<string, string>> = {
  'Page.close': 'the session has one page; it cannot be closed',
  'Page.crash': 'the page cannot be crashed',
  'Page.handleFileChooser': 'local files are not reachable',
  'DOM.setFileInputFiles': 'local files are not reachable',
  'Network.loadNetworkResource': 'loads file: URLs outside the page',
  'Storage.clearDataForStorageKey': 'not in scope',
};

/** Target.* on a page session: attach/detach of its own children, and its own info. */
const SESSION_TARGET_METHODS = new Set([
  'Target.setAutoAttach',
  'Target.detachFromTarget',
  'Target.getTargetInfo',
  'Target.attachToTarget',
  'Target.getTargets',
  'Target.setDiscoverTargets',
]);

/** Methods on the browser connection itself (no sessionId). */
const BROWSER_METHODS = new Set([
  'Browser.getVersion',
  'Browser.getWindowForTarget',
  'Browser.setDownloadBehavior',
  'Browser.cancelDownload',
  'Browser.grantPermissions',
  'Browser.resetPermissions',
  'Browser.setPermission',
  'Target.getTargets',
  'Target.getTargetInfo',
  'Target.setDiscoverTargets',
  'Target.setAutoAttach',
  'Target.attachToTarget',
  'Target.detachFromTarget',
  'Target.activateTarget',
  'Target.getBrowserContexts',
  'Storage.getCookies',
  'Storage.setCookies',
  'Storage.clearCookies',
]);

/** Parses one client frame. Returns the request, or why it is not one (the proxy refuses and, without an id, closes). */
export function parseClientFrame(
  text: string,
): { ok: true; request: CdpRequest } | { ok: false; id?: number; error: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, error: 'not a JSON object' };
  const o = v as Record<string, unknown>;
  if (typeof o.id !== 'number' || !Number.isSafeInteger(o.id) || o.id < 0) return { ok: false, error: 'no valid id' };
  const id = o.id;
  if (typeof o.method !== 'string' || !/^[A-Za-z]+\.[A-Za-z]+$/.test(o.method)) {
    return { ok: false, id, error: 'no valid method' };
  }
  if (o.params !== undefined && (typeof o.params !== 'object' || o.params === null || Array.isArray(o.params))) {
    return { ok: false, id, error: 'params must be an object' };
  }
  if (o.sessionId !== undefined && typeof o.sessionId !== 'string') return { ok: false, id, error: 'bad sessionId' };
  const request: CdpRequest = { id, method: o.method, params: (o.params as CdpParams | undefined) ?? {} };
  if (o.sessionId !== undefined) request.sessionId = o.sessionId as string;
  return { ok: true, request };
}

interface TargetInfo {
  targetId: string;
  type?: string;
}

/** One client connection's view: the page target, the sessions and child targets it may use. */
export class CdpScope {
  readonly pageTargetId: string;
  /** sessionId → targetId, for every session of the scope this connection has. */
  readonly #sessions = new Map<string, string>();
  readonly #targets = new Set<string>();
  /** Requests in flight whose reply must be read or filtered: id → method. */
  readonly #pending = new Map<number, CdpRequest>();

  constructor(pageTargetId: string) {
    this.pageTargetId = pageTargetId;
    this.#targets.add(pageTargetId);
  }

  get sessions(): ReadonlyMap<string, string> {
    return this.#sessions;
  }

  /** What to do with a client request (ids are the client's; the proxy maps them). */
  fromClient(req: CdpRequest): ClientVerdict {
    const { method, params, sessionId } = req;
    const domain = method.slice(0, method.indexOf('.'));
    if (sessionId !== undefined && !this.#sessions.has(sessionId)) return refuse(`session ${sessionId} not in scope`);
    const refused = REFUSED[method];
    if (refused) return refuse(refused);
    if (sessionId === undefined) {
      if (!BROWSER_METHODS.has(method)) return refuse(`${method} is not allowed on the browser connection`);
    } else if (domain === 'Target') {
      if (!SESSION_TARGET_METHODS.has(method)) return refuse(`${method} is not allowed`);
    } else if (domain === 'Browser') {
      return refuse(`${method} is not allowed on a page session`);
    } else if (!SESSION_DOMAINS.has(domain)) {
      return refuse(`domain ${domain} is not available to automation clients`);
    }

    switch (method) {
      case 'Page.navigate': {
        const url = params.url;
        if (typeof url !== 'string') return refuse('Page.navigate: url must be a string');
        return this.#track({ kind: 'navigate', request: req, url });
      }
      case 'Browser.setDownloadBehavior':
      case 'Page.setDownloadBehavior': {
        // Downloads never reach the disk: whatever the client asks for, Chromium is told to deny them (a client
        // that asked for allow sees its download cancelled, not a refused connect).
        const p: CdpParams = { behavior: 'deny' };
        if (method === 'Browser.setDownloadBehavior') {
          if (params.browserContextId !== undefined) p.browserContextId = params.browserContextId;
          if (params.eventsEnabled !== undefined) p.eventsEnabled = params.eventsEnabled;
        }
        return this.#track({ kind: 'forward', request: { ...req, params: p } });
      }
      case 'Target.setAutoAttach':
        // Non-flat sessions would carry other targets' traffic inside Target.receivedMessageFromTarget.
        return this.#track({ kind: 'forward', request: { ...req, params: { ...params, flatten: true } } });
      case 'Target.attachToTarget':
      case 'Target.activateTarget':
      case 'Browser.getWindowForTarget':
      case 'Target.getTargetInfo': {
        const t = params.targetId;
        if (t === undefined && method !== 'Target.attachToTarget' && method !== 'Target.activateTarget') {
          // Without a target: this session's own, or on the browser connection the browser's (its id and type;
          // Playwright asks for it on connect). Attaching to it stays refused (Target.attachToBrowserTarget).
          return this.#track({ kind: 'forward', request: req });
        }
        if (typeof t !== 'string' || !this.#targets.has(t)) return refuse(`target ${String(t)} not in scope`);
        const fwd = method === 'Target.attachToTarget' ? { ...req, params: { ...params, flatten: true } } : req;
        return this.#track({ kind: 'forward', request: fwd });
      }
      case 'Target.detachFromTarget': {
        const s = params.sessionId;
        if (typeof s !== 'string' || !this.#sessions.has(s)) return refuse('detachFromTarget: session not in scope');
        return this.#track({ kind: 'forward', request: req });
      }
      default:
        return this.#track({ kind: 'forward', request: req });
    }
  }

  /** The client's request was not sent after all (navigation refused): forget it. */
  abandon(id: number): void {
    this.#pending.delete(id);
  }

  /**
   * What to do with a message from Chromium. `clientId` is the client's id for a reply (undefined: a reply to the
   * proxy's own request, or an event).
   */
  fromBrowser(msg: CdpUpstreamMessage, clientId: number | undefined): UpstreamVerdict {
    if (msg.id !== undefined) {
      if (clientId === undefined) return { kind: 'drop' };
      const req = this.#pending.get(clientId);
      this.#pending.delete(clientId);
      const out: CdpUpstreamMessage = { ...msg, id: clientId };
      if (req && msg.result) {
        if (req.method === 'Target.getTargets') {
          const infos = Array.isArray(msg.result.targetInfos) ? (msg.result.targetInfos as TargetInfo[]) : [];
          out.result = { ...msg.result, targetInfos: infos.filter((t) => this.#targets.has(t.targetId)) };
        } else if (req.method === 'Target.attachToTarget' && typeof msg.result.sessionId === 'string') {
          this.#sessions.set(msg.result.sessionId, String(req.params.targetId));
        }
      }
      return { kind: 'forward', message: out };
    }
    const method = msg.method ?? '';
    const params = msg.params ?? {};
    if (msg.sessionId !== undefined && !this.#sessions.has(msg.sessionId)) return { kind: 'drop' };
    switch (method) {
      case 'Target.attachedToTarget': {
        const info = params.targetInfo as TargetInfo | undefined;
        const child = params.sessionId;
        if (typeof child !== 'string' || !info || typeof info.targetId !== 'string') return { kind: 'drop' };
        // At the browser level only the page itself; under a session of the scope, its children.
        const inScope = msg.sessionId !== undefined || info.targetId === this.pageTargetId;
        if (!inScope) return { kind: 'release', sessionId: child };
        this.#sessions.set(child, info.targetId);
        this.#targets.add(info.targetId);
        return { kind: 'forward', message: msg };
      }
      case 'Target.detachedFromTarget': {
        const s = params.sessionId;
        if (typeof s !== 'string' || !this.#sessions.has(s)) return { kind: 'drop' };
        const t = this.#sessions.get(s);
        this.#sessions.delete(s);
        if (t !== undefined && t !== this.pageTargetId && ![...this.#sessions.values()].includes(t)) {
          this.#targets.delete(t);
        }
        return { kind: 'forward', message: msg };
      }
      case 'Target.targetCreated':
      case 'Target.targetInfoChanged': {
        const info = params.targetInfo as TargetInfo | undefined;
        return info && this.#targets.has(info.targetId) ? { kind: 'forward', message: msg } : { kind: 'drop' };
      }
      case 'Target.targetDestroyed':
      case 'Target.targetCrashed':
        return typeof params.targetId === 'string' && this.#targets.has(params.targetId)
          ? { kind: 'forward', message: msg }
          : { kind: 'drop' };
      case 'Target.receivedMessageFromTarget':
        return { kind: 'drop' };
      default:
        // Events of a session of the scope, and browser-level Browser.* events (download progress).
        if (msg.sessionId !== undefined || method.startsWith('Browser.')) return { kind: 'forward', message: msg };
        return { kind: 'drop' };
    }
  }

  #track(v: ClientVerdict): ClientVerdict {
    if (v.kind !== 'refuse') this.#pending.set(v.request.id, v.request);
    return v;
  }
}

function refuse(reason: string): ClientVerdict {
  return { kind: 'refuse', reason };
}
