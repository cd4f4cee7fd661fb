// Read-your-writes over an informer cache. After a write, the API server returns the new object at once, but the
// informer shows it only when the watch event arrives. A reconcile in between would read the version we replaced,
// compute from stale data and get a 409 for writing with its resourceVersion. OwnWrites keeps, per key, the object
// our last write returned, and hands it out only while the cache still shows exactly the version that write
// replaced (resourceVersions are compared for equality only, never ordered). As soon as the cache moves on (our own
// event, or anyone else's change), the entry is dropped and the cache is the truth again: it is a cache of our
// own writes, never a second source of state, and it holds at most one object per live key.
import type { KubeObject } from './kube-types.ts';

interface Entry<T> {
  replacedRv: string;
  obj: T;
}

export class OwnWrites<T extends KubeObject> {
  private readonly entries = new Map<string, Entry<T>>();

  /** Records that our write replaced `replacedRv` with `written` (the object the API server returned). */
  remember(key: string, replacedRv: string | undefined, written: T | undefined): void {
    if (!replacedRv || !written?.metadata?.resourceVersion) return;
    this.entries.set(key, { replacedRv, obj: written });
  }

  /** The freshest known object for `key`: our own write while the cache lags behind it, else the cached one. */
  resolve(key: string, cached: T | undefined): T | undefined {
    const e = this.entries.get(key);
    if (!e) return cached;
    if (cached && cached.metadata.resourceVersion === e.replacedRv && cached.metadata.uid === e.obj.metadata.uid)
      return e.obj;
    this.entries.delete(key);
    return cached;
  }

  get size(): number {
    return this.entries.size;
  }
}
