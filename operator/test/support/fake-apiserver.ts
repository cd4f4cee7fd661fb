// Kept ONLY for faults a real API server cannot be made to produce on demand (everything else runs against the real
// control plane in test/integration/): a 409 on exactly the next N writes, 500s on every Lease write, BOOKMARKs every
// few hundred ms on a quiet watch, a watch closed by the server with its history intact. Its callers are
// test/fake-faults.test.ts and test/framework/leader-election.test.ts. Where it stands in for the real server:
// - resourceVersion on every write (one global counter), 409 Conflict on a stale resourceVersion (PUT, merge
//   patch carrying metadata.resourceVersion, delete preconditions.uid), 409 AlreadyExists on create;
// - list returns the collection resourceVersion; watch streams newline-delimited JSON, replays history after the
//   requested resourceVersion, sends BOOKMARKs, and answers a compacted (too old) resourceVersion with an
//   ERROR event carrying a 410 Gone Status, like etcd compaction does;
// - custom resources with the status subresource: the main resource ignores status, /status ignores everything
//   but status; metadata.generation bumps on spec changes only;
// - 415 for strategic-merge-patch on custom resources; RFC 7386 merge patch everywhere;
// - garbage collection: deleting an owner deletes its dependents (ownerReferences uid), asynchronously;
// - Leases and events.k8s.io Events with MicroTime validation (400 unless 6 fractional digits);
// - BrowserSessions get the CRD's defaults on create and update (structural defaulting, test/support/crd.ts).
// Faults and kubelet behaviour are driven from tests through methods (setPodStatus, compact, stallWatches, ...).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { applyDefaults, crdSchema } from './crd.ts';

type Obj = {
  apiVersion?: string;
  kind?: string;
  metadata: Record<string, unknown> & {
    name?: string;
    generateName?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    ownerReferences?: { uid: string; [k: string]: unknown }[];
    creationTimestamp?: string;
    deletionTimestamp?: string;
  };
  spec?: unknown;
  status?: unknown;
  [k: string]: unknown;
};

interface ResourceDef {
  group: string;
  version: string;
  plural: string;
  kind: string;
  custom: boolean;
  statusSubresource: boolean;
  microTimeFields?: string[];
}

const RESOURCES: ResourceDef[] = [
  { group: '', version: 'v1', plural: 'pods', kind: 'Pod', custom: false, statusSubresource: true },
  // The per-session token Secrets (stored as sent: stringData is not folded into data here).
  { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', custom: false, statusSubresource: false },
  {
    group: 'coordination.k8s.io',
    version: 'v1',
    plural: 'leases',
    kind: 'Lease',
    custom: false,
    statusSubresource: false,
    microTimeFields: ['spec.acquireTime', 'spec.renewTime'],
  },
  {
    group: 'events.k8s.io',
    version: 'v1',
    plural: 'events',
    kind: 'Event',
    custom: false,
    statusSubresource: false,
    microTimeFields: ['eventTime'],
  },
  {
    group: 'lkbrowser.dev',
    version: 'v1alpha1',
    plural: 'browsersessions',
    kind: 'BrowserSession',
    custom: true,
    statusSubresource: true,
  },
];

interface HistoryEntry {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  obj: Obj;
}

interface WatchStream {
  res: ResourceDef;
  namespace?: string;
  selector?: Selector;
  bookmarks: boolean;
  resp: ServerResponse;
  stalled: boolean;
  timer?: NodeJS.Timeout;
}

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  auth?: string;
  status: number;
  body?: unknown;
}

type Selector = { key: string; op: '=' | '!=' | 'exists'; value?: string }[];

function parseSelector(s: string | null): Selector | undefined {
  if (!s) return undefined;
  return s.split(',').map((part) => {
    const ne = part.indexOf('!=');
    if (ne >= 0) return { key: part.slice(0, ne), op: '!=' as const, value: part.slice(ne + 2) };
    const eq = part.indexOf('=');
    if (eq >= 0) return { key: part.slice(0, eq), op: '=' as const, value: part.slice(eq + 1).replace(/^=/, '') };
    return { key: part, op: 'exists' as const };
  });
}

function matches(sel: Selector | undefined, o: Obj): boolean {
  if (!sel) return true;
  const labels = o.metadata.labels ?? {};
  return sel.every((r) =>
    r.op === 'exists' ? r.key in labels : r.op === '=' ? labels[r.key] === r.value : labels[r.key] !== r.value,
  );
}

const clone = <T>(v: T): T => structuredClone(v);

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return clone(patch);
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

const MICROTIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

class HttpError extends Error {
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: string, message: string) {
    super(message);
    this.code = code;
    this.reason = reason;
  }
}

export class FakeApiServer {
  private server: Server | undefined;
  private rv = 1;
  /** Watches from a resourceVersion below this get 410 Gone. */
  private compactedRv = 0;
  private readonly store = new Map<string, Map<string, Obj>>(); // plural → ns/name → object
  private readonly history: HistoryEntry[] = [];
  private readonly historyByRes = new Map<HistoryEntry, string>();
  private readonly watches = new Set<WatchStream>();
  readonly requests: RequestRecord[] = [];
  port = 0;
  /** BOOKMARK interval for watches that ask for them; 0 = never. */
  bookmarkIntervalMs: number;
  gcDelayMs: number;
  /** While true, new watch requests fail with 500 (the informer must back off and retry). */
  rejectWatches = false;
  /** Scripted failures: the next request matching method+path regex gets this status. */
  private readonly faults: { method: string; path: RegExp; code: number; times: number }[] = [];

  constructor(opts: { bookmarkIntervalMs?: number; gcDelayMs?: number } = {}) {
    this.bookmarkIntervalMs = opts.bookmarkIntervalMs ?? 0;
    this.gcDelayMs = opts.gcDelayMs ?? 20;
    for (const r of RESOURCES) this.store.set(r.plural, new Map());
  }

  async start(): Promise<number> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        console.error('fake-apiserver internal error', e);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    for (const w of this.watches) this.endWatch(w);
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  // ---------------------------------------------------------------- test controls

  currentRv(): string {
    return String(this.rv);
  }

  /** Forget history up to now: watches from any older resourceVersion get 410 Gone. */
  compact(): void {
    this.compactedRv = this.rv;
    this.history.length = 0;
  }

  /** Ends every open watch stream (a connection drop). */
  dropWatches(): void {
    for (const w of [...this.watches]) this.endWatch(w);
  }

  /** Open watch streams stop delivering anything (events or bookmarks) but stay connected. */
  stallWatches(): void {
    for (const w of this.watches) w.stalled = true;
  }

  openWatchCount(plural?: string): number {
    return [...this.watches].filter((w) => !plural || w.res.plural === plural).length;
  }

  injectFault(method: string, path: RegExp, code: number, times = 1): void {
    this.faults.push({ method, path, code, times });
  }

  objects(plural: string): Obj[] {
    return [...(this.store.get(plural)?.values() ?? [])].map(clone);
  }

  getObject(plural: string, namespace: string, name: string): Obj | undefined {
    const o = this.store.get(plural)?.get(`${namespace}/${name}`);
    return o ? clone(o) : undefined;
  }

  /** Creates an object as a user would (kubectl apply). */
  createObject(plural: string, obj: Obj): Obj {
    return clone(this.doCreate(this.def(plural), obj.metadata.namespace ?? 'default', clone(obj)));
  }

  /** Updates the spec like `kubectl edit` would (generation bumps). */
  updateSpec(plural: string, namespace: string, name: string, mutate: (spec: Record<string, unknown>) => void): Obj {
    const cur = this.mustGet(plural, namespace, name);
    const next = clone(cur);
    mutate(next.spec as Record<string, unknown>);
    return clone(this.doUpdate(this.def(plural), cur, next, 'main'));
  }

  /** The kubelet's part: replace a pod's status. */
  setPodStatus(namespace: string, name: string, status: Record<string, unknown>, nodeName = 'node-1'): Obj {
    const cur = this.mustGet('pods', namespace, name);
    const next = clone(cur);
    next.status = status;
    (next.spec as Record<string, unknown>).nodeName = nodeName;
    this.rv++;
    next.metadata.resourceVersion = String(this.rv);
    this.put('pods', next);
    this.record(this.def('pods'), 'MODIFIED', next);
    return clone(next);
  }

  deleteObject(plural: string, namespace: string, name: string): boolean {
    const cur = this.store.get(plural)?.get(`${namespace}/${name}`);
    if (!cur) return false;
    this.doDelete(this.def(plural), cur);
    return true;
  }

  // ---------------------------------------------------------------- internals

  private def(plural: string): ResourceDef {
    const d = RESOURCES.find((r) => r.plural === plural);
    if (!d) throw new Error(`unknown resource ${plural}`);
    return d;
  }

  private mustGet(plural: string, namespace: string, name: string): Obj {
    const o = this.store.get(plural)?.get(`${namespace}/${name}`);
    if (!o) throw new Error(`${plural} ${namespace}/${name} not found`);
    return o;
  }

  private put(plural: string, o: Obj): void {
    this.store.get(plural)?.set(`${o.metadata.namespace}/${o.metadata.name}`, o);
  }

  private apiVersion(d: ResourceDef): string {
    return d.group === '' ? d.version : `${d.group}/${d.version}`;
  }

  private record(d: ResourceDef, type: HistoryEntry['type'], obj: Obj): void {
    const e: HistoryEntry = { rv: this.rv, type, obj: clone(obj) };
    this.history.push(e);
    this.historyByRes.set(e, d.plural);
    if (this.history.length > 10_000) {
      const old = this.history.shift();
      if (old) {
        this.historyByRes.delete(old);
        this.compactedRv = old.rv;
      }
    }
    for (const w of this.watches) {
      if (w.res.plural !== d.plural || w.stalled) continue;
      if (w.namespace && w.namespace !== obj.metadata.namespace) continue;
      if (!matches(w.selector, obj)) continue;
      this.send(w, type, obj);
    }
  }

  private send(w: WatchStream, type: string, obj: unknown): void {
    if (w.resp.writableEnded) return;
    w.resp.write(`${JSON.stringify({ type, object: obj })}\n`);
  }

  private endWatch(w: WatchStream): void {
    if (w.timer) clearInterval(w.timer);
    this.watches.delete(w);
    if (!w.resp.writableEnded) w.resp.end();
  }

  private checkMicroTimes(d: ResourceDef, o: Obj): void {
    for (const f of d.microTimeFields ?? []) {
      let v: unknown = o;
      for (const part of f.split('.'))
        v = v === undefined || v === null ? undefined : (v as Record<string, unknown>)[part];
      if (v !== undefined && v !== null && (typeof v !== 'string' || !MICROTIME_RE.test(v))) {
        throw new HttpError(
          400,
          'BadRequest',
          `${d.kind} in version "v1" cannot be handled as a ${d.kind}: unable to parse ${f} ${JSON.stringify(v)} as MicroTime (RFC3339 with 6 fractional digits)`,
        );
      }
    }
  }

  private defaulted(d: ResourceDef, body: Obj): Obj {
    return d.plural === 'browsersessions' ? (applyDefaults(body, crdSchema) as Obj) : body;
  }

  private doCreate(d: ResourceDef, namespace: string, body: Obj): Obj {
    if (!body?.metadata) throw new HttpError(400, 'BadRequest', 'metadata is required');
    const name =
      body.metadata.name ??
      (body.metadata.generateName ? `${body.metadata.generateName}${randomUUID().slice(0, 5)}` : undefined);
    if (!name) throw new HttpError(422, 'Invalid', 'metadata.name or generateName is required');
    if (this.store.get(d.plural)?.has(`${namespace}/${name}`))
      throw new HttpError(409, 'AlreadyExists', `${d.plural} "${name}" already exists`);
    this.checkMicroTimes(d, body);
    this.rv++;
    const o: Obj = {
      ...this.defaulted(d, body),
      apiVersion: this.apiVersion(d),
      kind: d.kind,
      metadata: {
        ...body.metadata,
        name,
        namespace,
        uid: randomUUID(),
        resourceVersion: String(this.rv),
        creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      },
    };
    delete o.metadata.deletionTimestamp;
    if (d.custom) o.metadata.generation = 1;
    if (d.statusSubresource) delete o.status; // status is ignored on create
    if (d.plural === 'pods') o.status = { phase: 'Pending' };
    this.put(d.plural, o);
    this.record(d, 'ADDED', o);
    const owners = o.metadata.ownerReferences ?? [];
    if (owners.length > 0) {
      // Garbage collector: an object whose owners are all gone (created from a stale cache) is deleted.
      setTimeout(() => {
        const live = owners.some((ref) =>
          RESOURCES.some((r) =>
            [...(this.store.get(r.plural)?.values() ?? [])].some((x) => x.metadata.uid === ref.uid),
          ),
        );
        const cur = this.store.get(d.plural)?.get(`${namespace}/${name}`);
        if (!live && cur && cur.metadata.uid === o.metadata.uid) this.doDelete(d, cur);
      }, this.gcDelayMs).unref();
    }
    return o;
  }

  /** part: 'main' ignores status changes, 'status' ignores everything else (status subresource semantics). */
  private doUpdate(d: ResourceDef, cur: Obj, body: Obj, part: 'main' | 'status'): Obj {
    const wantRv = body.metadata?.resourceVersion;
    if (wantRv !== undefined && wantRv !== '' && wantRv !== cur.metadata.resourceVersion) {
      throw new HttpError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${d.plural} "${cur.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    this.checkMicroTimes(d, body);
    let next: Obj;
    if (d.statusSubresource && part === 'status') {
      next = { ...clone(cur), status: clone(body.status) };
    } else {
      next = { ...clone(this.defaulted(d, body)), apiVersion: cur.apiVersion, kind: cur.kind };
      next.metadata = {
        ...clone(body.metadata ?? {}),
        name: cur.metadata.name,
        namespace: cur.metadata.namespace,
        uid: cur.metadata.uid,
        creationTimestamp: cur.metadata.creationTimestamp,
      };
      if (cur.metadata.generation !== undefined) next.metadata.generation = cur.metadata.generation;
      if (d.statusSubresource) {
        if (cur.status === undefined) delete next.status;
        else next.status = clone(cur.status);
      }
    }
    if (d.custom && JSON.stringify(next.spec) !== JSON.stringify(cur.spec))
      next.metadata.generation = (cur.metadata.generation ?? 0) + 1;
    if (
      JSON.stringify({ ...next, metadata: { ...next.metadata, resourceVersion: '' } }) ===
      JSON.stringify({ ...cur, metadata: { ...cur.metadata, resourceVersion: '' } })
    ) {
      return cur; // no-op writes do not bump resourceVersion (like the real apiserver)
    }
    this.rv++;
    next.metadata.resourceVersion = String(this.rv);
    this.put(d.plural, next);
    this.record(d, 'MODIFIED', next);
    return next;
  }

  private doDelete(d: ResourceDef, cur: Obj): void {
    this.store.get(d.plural)?.delete(`${cur.metadata.namespace}/${cur.metadata.name}`);
    this.rv++;
    const gone = { ...clone(cur), metadata: { ...clone(cur.metadata), resourceVersion: String(this.rv) } };
    this.record(d, 'DELETED', gone);
    const uid = cur.metadata.uid;
    // Garbage collector: background deletion of dependents.
    setTimeout(() => {
      for (const r of RESOURCES) {
        for (const o of [...(this.store.get(r.plural)?.values() ?? [])]) {
          if (o.metadata.ownerReferences?.some((ref) => ref.uid === uid)) this.doDelete(r, o);
        }
      }
    }, this.gcDelayMs).unref();
  }

  private async readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (chunks.length === 0) return undefined;
    const s = Buffer.concat(chunks).toString('utf8');
    if (s === '') return undefined;
    try {
      return JSON.parse(s);
    } catch {
      throw new HttpError(400, 'BadRequest', 'request body is not valid JSON');
    }
  }

  private route(path: string): { d: ResourceDef; namespace?: string; name?: string; sub?: string } | undefined {
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    let group: string;
    let version: string;
    let rest: string[];
    if (parts[0] === 'api') {
      group = '';
      version = parts[1] ?? '';
      rest = parts.slice(2);
    } else if (parts[0] === 'apis') {
      group = parts[1] ?? '';
      version = parts[2] ?? '';
      rest = parts.slice(3);
    } else return undefined;
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const d = RESOURCES.find((r) => r.group === group && r.version === version && r.plural === rest[0]);
    if (!d) return undefined;
    return { d, namespace, name: rest[1], sub: rest[2] };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const rec: RequestRecord = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType: req.headers['content-type'],
      auth: req.headers.authorization,
      status: 200,
    };
    this.requests.push(rec);
    const reply = (code: number, body: unknown) => {
      rec.status = code;
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const fail = (e: HttpError) =>
      reply(e.code, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: e.message,
        reason: e.reason,
        code: e.code,
      });
    try {
      const fault = this.faults.find((f) => f.method === rec.method && f.path.test(url.pathname));
      if (fault) {
        if (--fault.times <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
        throw new HttpError(fault.code, fault.code === 409 ? 'Conflict' : 'InternalError', 'injected fault');
      }
      const r = this.route(url.pathname);
      if (!r)
        throw new HttpError(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
      const { d, namespace, name, sub } = r;
      const body = req.method === 'GET' ? undefined : await this.readBody(req);
      rec.body = body;
      if (sub !== undefined && !(sub === 'status' && d.statusSubresource))
        throw new HttpError(404, 'NotFound', `no subresource ${sub}`);
      const coll = this.store.get(d.plural) as Map<string, Obj>;

      if (req.method === 'GET' && name === undefined) {
        const sel = parseSelector(url.searchParams.get('labelSelector'));
        if (url.searchParams.get('watch') === 'true') return this.startWatch(d, namespace, sel, url, req, res, rec);
        const items = [...coll.values()].filter(
          (o) => (!namespace || o.metadata.namespace === namespace) && matches(sel, o),
        );
        return reply(200, {
          apiVersion: this.apiVersion(d),
          kind: `${d.kind}List`,
          metadata: { resourceVersion: String(this.rv) },
          items,
        });
      }
      if (!namespace) throw new HttpError(405, 'MethodNotAllowed', 'namespace required');
      const key = `${namespace}/${name}`;
      switch (req.method) {
        case 'GET': {
          const o = coll.get(key);
          if (!o) throw new HttpError(404, 'NotFound', `${d.plural} "${name}" not found`);
          return reply(200, o);
        }
        case 'POST': {
          if (name !== undefined) throw new HttpError(405, 'MethodNotAllowed', 'POST to a named resource');
          return reply(201, this.doCreate(d, namespace, body as Obj));
        }
        case 'PUT': {
          const cur = coll.get(key);
          if (!cur) throw new HttpError(404, 'NotFound', `${d.plural} "${name}" not found`);
          return reply(200, this.doUpdate(d, cur, body as Obj, sub === 'status' ? 'status' : 'main'));
        }
        case 'PATCH': {
          const ct = (req.headers['content-type'] ?? '').split(';')[0]?.trim();
          if (ct === 'application/strategic-merge-patch+json' && d.custom) {
            throw new HttpError(
              415,
              'UnsupportedMediaType',
              'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
            );
          }
          if (ct !== 'application/merge-patch+json' && ct !== 'application/strategic-merge-patch+json') {
            throw new HttpError(415, 'UnsupportedMediaType', `fake apiserver supports merge-patch only, got ${ct}`);
          }
          const cur = coll.get(key);
          if (!cur) throw new HttpError(404, 'NotFound', `${d.plural} "${name}" not found`);
          const patched = mergePatch(clone(cur), body) as Obj;
          const wantRv = (body as Obj | undefined)?.metadata?.resourceVersion;
          patched.metadata.resourceVersion = wantRv ?? cur.metadata.resourceVersion;
          return reply(200, this.doUpdate(d, cur, patched, sub === 'status' ? 'status' : 'main'));
        }
        case 'DELETE': {
          const cur = coll.get(key);
          if (!cur) throw new HttpError(404, 'NotFound', `${d.plural} "${name}" not found`);
          const pre = (body as { preconditions?: { uid?: string; resourceVersion?: string } } | undefined)
            ?.preconditions;
          if (pre?.uid && pre.uid !== cur.metadata.uid)
            throw new HttpError(
              409,
              'Conflict',
              `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${cur.metadata.uid}`,
            );
          if (pre?.resourceVersion && pre.resourceVersion !== cur.metadata.resourceVersion)
            throw new HttpError(409, 'Conflict', 'Precondition failed: resourceVersion');
          this.doDelete(d, cur);
          return reply(200, {
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Success',
            details: { name, kind: d.plural, uid: cur.metadata.uid },
          });
        }
        default:
          throw new HttpError(405, 'MethodNotAllowed', `method ${req.method}`);
      }
    } catch (e) {
      if (e instanceof HttpError) return fail(e);
      throw e;
    }
  }

  private startWatch(
    d: ResourceDef,
    namespace: string | undefined,
    sel: Selector | undefined,
    url: URL,
    req: IncomingMessage,
    res: ServerResponse,
    rec: RequestRecord,
  ): void {
    if (this.rejectWatches) throw new HttpError(500, 'InternalError', 'watches are rejected (test fault)');
    const rvParam = url.searchParams.get('resourceVersion');
    const fromRv = rvParam === null || rvParam === '' ? undefined : Number(rvParam);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const w: WatchStream = {
      res: d,
      namespace,
      selector: sel,
      bookmarks: url.searchParams.get('allowWatchBookmarks') === 'true',
      resp: res,
      stalled: false,
    };
    const inScope = (o: Obj) => (!namespace || o.metadata.namespace === namespace) && matches(sel, o);
    if (fromRv !== undefined && fromRv !== 0 && fromRv < this.compactedRv) {
      rec.status = 410;
      this.send(w, 'ERROR', {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `too old resource version: ${fromRv} (${this.compactedRv})`,
        reason: 'Expired',
        code: 410,
      });
      res.end();
      return;
    }
    if (fromRv === undefined || fromRv === 0) {
      // "Get state and start at most recent": synthetic ADDED for everything in scope.
      for (const o of this.store.get(d.plural)?.values() ?? []) if (inScope(o)) this.send(w, 'ADDED', o);
    } else {
      for (const e of this.history)
        if (e.rv > fromRv && this.historyByRes.get(e) === d.plural && inScope(e.obj)) this.send(w, e.type, e.obj);
    }
    this.watches.add(w);
    if (w.bookmarks && this.bookmarkIntervalMs > 0) {
      w.timer = setInterval(() => {
        if (!w.stalled)
          this.send(w, 'BOOKMARK', {
            kind: d.kind,
            apiVersion: this.apiVersion(d),
            metadata: { resourceVersion: String(this.rv) },
          });
      }, this.bookmarkIntervalMs);
    }
    const timeout = Number(url.searchParams.get('timeoutSeconds') ?? 0);
    if (timeout > 0) setTimeout(() => this.endWatch(w), timeout * 1000).unref();
    req.on('close', () => this.endWatch(w));
  }
}
