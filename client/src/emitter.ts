// A minimal typed event emitter that runs in browsers and Node alike (node:events is not in browsers).
/** Stored without its event's argument types (one map for every event). */
type Handler = (...args: unknown[]) => void;

export class Emitter<E extends Record<string, unknown[]>> {
  readonly #handlers = new Map<keyof E, Set<Handler>>();

  on<K extends keyof E>(event: K, fn: (...args: E[K]) => void): () => void {
    let s = this.#handlers.get(event);
    if (!s) {
      s = new Set();
      this.#handlers.set(event, s);
    }
    s.add(fn as unknown as Handler);
    return () => this.off(event, fn);
  }

  off<K extends keyof E>(event: K, fn: (...args: E[K]) => void): void {
    this.#handlers.get(event)?.delete(fn as unknown as Handler);
  }

  /** Resolves with the next emission of `event` that passes `filter`. */
  once<K extends keyof E>(event: K, filter: (...args: E[K]) => boolean = () => true): Promise<E[K]> {
    return new Promise((resolve) => {
      const off = this.on(event, (...args) => {
        if (!filter(...args)) return;
        off();
        resolve(args);
      });
    });
  }

  protected emit<K extends keyof E>(event: K, ...args: E[K]): void {
    for (const fn of [...(this.#handlers.get(event) ?? [])]) (fn as unknown as (...a: E[K]) => void)(...args);
  }
}
