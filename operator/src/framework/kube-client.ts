// The operator's narrow port to the Kubernetes API, and its implementation on @kubernetes/client-node 2.x.
//
// client-node provides the configuration (kubeconfig / in-cluster service account, TLS, exec/OIDC auth plugins)
// through KubeConfig.applySecurityAuthentication. Requests go through the same undici fetch and per-request
// dispatcher client-node uses internally (its Watch class is built the same way),
// carrying plain JSON: every PATCH states its Content-Type (merge-patch, never strategic-merge, which custom
// resources answer with 415), nothing passes through the typed model (de)serializer (which turns MicroTime into
// Date and drops unknown fields), and all errors become one ApiError with the HTTP code.
//
// One connection pool for the client's life: client-node builds a new undici Agent in every
// applySecurityAuthentication call, so used per request it costs a TCP+TLS handshake per request (both sides' CPU)
// and leaves each socket open until its keep-alive timeout (measured in bench/operator-scale.ts: thousands of
// sockets and most of the operator's CPU at 1000 sessions). The first call's Agent is kept; the auth headers are
// refreshed every AUTH_TTL_MS (exec plugins and token files rotate on a scale of minutes).
import { HttpMethod, type KubeConfig, RequestContext } from '@kubernetes/client-node';
import { type Dispatcher, fetch } from 'undici';
import type { KubeObject } from './kube-types.ts';

export interface ResourceRef {
  /** '' for the core group */
  group: string;
  version: string;
  plural: string;
  kind: string;
}

export const PODS: ResourceRef = { group: '', version: 'v1', plural: 'pods', kind: 'Pod' };
export const SECRETS: ResourceRef = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret' };
export const NETWORK_POLICIES: ResourceRef = {
  group: 'networking.k8s.io',
  version: 'v1',
  plural: 'networkpolicies',
  kind: 'NetworkPolicy',
};
export const LEASES: ResourceRef = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease' };
export const EVENTS: ResourceRef = { group: 'events.k8s.io', version: 'v1', plural: 'events', kind: 'Event' };

export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  /** The API server's own message (Status.message), e.g. what admission refused and why. */
  readonly apiMessage: string;
  constructor(code: number, reason: string, message: string) {
    super(`${code} ${reason}: ${message}`);
    this.name = 'ApiError';
    this.code = code;
    this.reason = reason;
    this.apiMessage = message;
  }
}

export function isNotFound(e: unknown): boolean {
  return e instanceof ApiError && e.code === 404;
}
export function isConflict(e: unknown): boolean {
  return e instanceof ApiError && e.code === 409;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchOptions {
  resourceVersion?: string;
  labelSelector?: string;
  /** Server-side timeout: the apiserver ends the stream after this many seconds. */
  timeoutSeconds?: number;
  /** Client-side inactivity limit (watchdog): abort when no bytes arrive for this long. */
  inactivityMs: number;
}

export interface WatchHandle {
  stop(): void;
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

/** Everything the operator does to the API server. */
export interface KubeClient {
  get<T extends KubeObject>(res: ResourceRef, namespace: string, name: string): Promise<T | undefined>;
  list<T extends KubeObject>(
    res: ResourceRef,
    namespace: string | undefined,
    opts?: { labelSelector?: string },
  ): Promise<ListResult<T>>;
  create<T extends KubeObject>(res: ResourceRef, namespace: string, obj: T): Promise<T>;
  /** PUT with the object's metadata.resourceVersion as precondition (409 when stale). */
  replace<T extends KubeObject>(res: ResourceRef, namespace: string, name: string, obj: T): Promise<T>;
  /** JSON merge patch (RFC 7386) of the main resource. */
  mergePatch<T extends KubeObject>(res: ResourceRef, namespace: string, name: string, patch: unknown): Promise<T>;
  /** JSON merge patch of the status subresource. */
  patchStatus<T extends KubeObject>(res: ResourceRef, namespace: string, name: string, patch: unknown): Promise<T>;
  /** Returns false when the object was already gone. `uid` is a precondition (409 if it names another object). */
  delete(res: ResourceRef, namespace: string, name: string, opts?: { uid?: string }): Promise<boolean>;
  watch(
    res: ResourceRef,
    namespace: string | undefined,
    opts: WatchOptions,
    onEvent: (type: WatchEventType, obj: unknown) => void,
    onDone: (err: unknown) => void,
  ): Promise<WatchHandle>;
}

export function resourcePath(res: ResourceRef, namespace: string | undefined, name?: string, sub?: string): string {
  const base = res.group === '' ? `/api/${res.version}` : `/apis/${res.group}/${res.version}`;
  let p = namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${res.plural}` : `${base}/${res.plural}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (sub !== undefined) p += `/${sub}`;
  return p;
}

interface StatusBody {
  reason?: string;
  message?: string;
}

const AUTH_TTL_MS = 10_000;

interface Auth {
  headers: Record<string, string>;
  /** undefined: undici's global dispatcher (plain http without TLS options). */
  dispatcher: Dispatcher | undefined;
  at: number;
}

export class ClientNodeKube implements KubeClient {
  readonly kc: KubeConfig;
  readonly fieldManager: string;
  readonly requestTimeoutMs: number;
  private auth: Auth | undefined;
  private authing: Promise<Auth> | undefined;

  constructor(kc: KubeConfig, opts: { fieldManager?: string; requestTimeoutMs?: number } = {}) {
    this.kc = kc;
    this.fieldManager = opts.fieldManager ?? 'lkbrowser-operator';
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
  }

  /** Auth headers (cached AUTH_TTL_MS) and the one dispatcher every request and watch shares. */
  private async authFor(): Promise<Auth> {
    const cur = this.auth;
    if (cur && performance.now() - cur.at < AUTH_TTL_MS) return cur;
    this.authing ??= (async () => {
      const ctx = new RequestContext(this.server(), HttpMethod.GET);
      await this.kc.applySecurityAuthentication(ctx);
      // Keep the first Agent (its connections); later calls' Agents were never used and have no sockets.
      const dispatcher = cur ? cur.dispatcher : (ctx.getDispatcher() as Dispatcher | undefined);
      const next = { headers: { ...ctx.getHeaders() }, dispatcher, at: performance.now() };
      this.auth = next;
      return next;
    })().finally(() => {
      this.authing = undefined;
    });
    return this.authing;
  }

  /** Closes the connection pool (in-flight requests finish first). */
  async close(): Promise<void> {
    const d = this.auth?.dispatcher;
    this.auth = undefined;
    await d?.close();
  }

  private server(): string {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    return cluster.server.replace(/\/+$/, '');
  }

  private async request<T>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    query: Record<string, string | undefined>,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<T> {
    const url = new URL(this.server() + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
    const auth = await this.authFor();
    const headers: Record<string, string> = { ...auth.headers, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = contentType;
    const res = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      dispatcher: auth.dispatcher,
      signal: AbortSignal.timeout(this.requestTimeoutMs),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch (e) {
      if (res.ok) throw new Error(`${method} ${path}: response is not JSON (${(e as Error).message})`);
      parsed = undefined; // error bodies need not be JSON (proxies); the status code is what matters
    }
    if (!res.ok) {
      const st = (parsed ?? {}) as StatusBody;
      throw new ApiError(res.status, st.reason ?? (res.statusText || 'Error'), st.message ?? text.slice(0, 500));
    }
    return parsed as T;
  }

  async get<T extends KubeObject>(res: ResourceRef, namespace: string, name: string): Promise<T | undefined> {
    try {
      return await this.request<T>('GET', resourcePath(res, namespace, name), {});
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async list<T extends KubeObject>(
    res: ResourceRef,
    namespace: string | undefined,
    opts: { labelSelector?: string } = {},
  ): Promise<ListResult<T>> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.request<{ items?: T[]; metadata?: { resourceVersion?: string; continue?: string } }>(
        'GET',
        resourcePath(res, namespace),
        {
          labelSelector: opts.labelSelector,
          limit: '500',
          continue: cont,
        },
      );
      const apiVersion = res.group === '' ? res.version : `${res.group}/${res.version}`;
      // List items carry no apiVersion/kind: restore them so cached objects look like watched ones.
      for (const it of page.items ?? []) items.push({ ...it, apiVersion, kind: res.kind });
      rv = page.metadata?.resourceVersion ?? rv;
      cont = page.metadata?.continue || undefined;
    } while (cont);
    return { items, resourceVersion: rv };
  }

  create<T extends KubeObject>(res: ResourceRef, namespace: string, obj: T): Promise<T> {
    return this.request<T>('POST', resourcePath(res, namespace), { fieldManager: this.fieldManager }, obj);
  }

  replace<T extends KubeObject>(res: ResourceRef, namespace: string, name: string, obj: T): Promise<T> {
    return this.request<T>('PUT', resourcePath(res, namespace, name), { fieldManager: this.fieldManager }, obj);
  }

  mergePatch<T extends KubeObject>(res: ResourceRef, namespace: string, name: string, patch: unknown): Promise<T> {
    return this.request<T>(
      'PATCH',
      resourcePath(res, namespace, name),
      { fieldManager: this.fieldManager },
      patch,
      'application/merge-patch+json',
    );
  }

  patchStatus<T extends KubeObject>(res: ResourceRef, namespace: string, name: string, patch: unknown): Promise<T> {
    return this.request<T>(
      'PATCH',
      resourcePath(res, namespace, name, 'status'),
      { fieldManager: this.fieldManager },
      patch,
      'application/merge-patch+json',
    );
  }

  async delete(res: ResourceRef, namespace: string, name: string, opts: { uid?: string } = {}): Promise<boolean> {
    const body: Record<string, unknown> = { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' };
    if (opts.uid) body.preconditions = { uid: opts.uid };
    try {
      await this.request('DELETE', resourcePath(res, namespace, name), {}, body);
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  /**
   * Streams a watch (newline-delimited JSON). Like client-node's Watch (same request building, same undici
   * fetch) but with a configurable inactivity watchdog: Watch's is a private, fixed 30 s, shorter than the gap
   * between apiserver bookmarks on a quiet resource. onDone gets null on a clean end of stream, an Error with
   * `statusCode` for a non-200 answer, or an Error named TimeoutError when the watchdog fired.
   */
  async watch(
    res: ResourceRef,
    namespace: string | undefined,
    opts: WatchOptions,
    onEvent: (type: WatchEventType, obj: unknown) => void,
    onDone: (err: unknown) => void,
  ): Promise<WatchHandle> {
    const url = new URL(this.server() + resourcePath(res, namespace));
    url.searchParams.set('watch', 'true');
    url.searchParams.set('allowWatchBookmarks', 'true');
    if (opts.resourceVersion) url.searchParams.set('resourceVersion', opts.resourceVersion);
    if (opts.labelSelector) url.searchParams.set('labelSelector', opts.labelSelector);
    if (opts.timeoutSeconds) url.searchParams.set('timeoutSeconds', String(opts.timeoutSeconds));
    const auth = await this.authFor();
    const ctrl = new AbortController();
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const finish = (err: unknown) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      ctrl.abort();
      if (timedOut) {
        const e = new Error(`watch inactive for ${opts.inactivityMs} ms`);
        e.name = 'TimeoutError';
        onDone(e);
      } else onDone(err);
    };
    const arm = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        finish(null);
      }, opts.inactivityMs);
      timer.unref();
    };
    arm(); // also bounds the time to response headers
    void (async () => {
      try {
        const resp = await fetch(url, {
          method: 'GET',
          headers: { ...auth.headers, Accept: 'application/json' },
          dispatcher: auth.dispatcher,
          signal: ctrl.signal,
        });
        if (resp.status !== 200) {
          const text = await resp.text().catch((e: unknown) => `(error body unreadable: ${String(e)})`);
          const err = new Error(`watch ${url.pathname}: HTTP ${resp.status} ${text.slice(0, 300)}`) as Error & {
            statusCode: number;
          };
          err.statusCode = resp.status;
          return finish(err);
        }
        if (!resp.body) return finish(null);
        const decoder = new TextDecoder();
        let buf = '';
        for await (const chunk of resp.body) {
          if (done) return;
          arm();
          buf += decoder.decode(chunk as Uint8Array, { stream: true });
          let nl = buf.indexOf('\n');
          while (nl >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            nl = buf.indexOf('\n');
            if (line === '') continue;
            let ev: { type?: string; object?: unknown };
            try {
              ev = JSON.parse(line) as { type?: string; object?: unknown };
            } catch (e) {
              return finish(new Error(`watch ${url.pathname}: unparseable event (${(e as Error).message})`));
            }
            if (!done) onEvent((ev.type ?? 'ERROR') as WatchEventType, ev.object);
          }
        }
        finish(null);
      } catch (e) {
        finish(e);
      }
    })();
    return { stop: () => finish(null) };
  }
}
