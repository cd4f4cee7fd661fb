// A small typed event emitter for browser code (listener errors are logged, never thrown into the emitter).
export class Emitter<E extends object> {
  readonly #listeners = new Map<keyof E, Set<(e: never) => void>>();

  on<K extends keyof E>(event: K, fn: (e: E[K]) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(fn);
    return () => set.delete(fn);
  }

  emit<K extends keyof E>(event: K, e: E[K]): void {
    for (const fn of this.#listeners.get(event) ?? []) {
      try {
        (fn as (e: E[K]) => void)(e);
      } catch (err) {
        console.error(`lkbrowser viewer: ${String(event)} listener threw`, err);
      }
    }
  }
}
