/**
 * Values kept for a while and fetched once however many ask at the same time: concurrent misses share one fetch,
 * and a value is reused until it expires. A failed fetch is not kept. The oldest entries are dropped past
 * `maxEntries`, so keys chosen by clients cannot grow it without bound.
 */
export class SharedCache<T> {
  readonly #entries = new Map<string, { value: T; expires: number; at: number }>();
  readonly #pending = new Map<string, Promise<T>>();

  constructor(private readonly maxEntries: number) {}

  /** The value under `key`: kept, being fetched, or fetched now with `fetch` (kept for `ttlMs` once it arrives). */
  get(key: string, ttlMs: number, fetch: () => Promise<T>): Promise<T> {
    const kept = this.#entries.get(key);
    if (kept && kept.expires > Date.now()) return Promise.resolve(kept.value);
    const pending = this.#pending.get(key);
    if (pending) return pending;
    const fetched = fetch().then(
      (value) => {
        this.#pending.delete(key);
        this.#entries.delete(key);
        this.#entries.set(key, { value, expires: Date.now() + ttlMs, at: Date.now() });
        for (const oldest of this.#entries.keys()) {
          if (this.#entries.size <= this.maxEntries) break;
          this.#entries.delete(oldest);
        }
        return value;
      },
      (error: unknown) => {
        this.#pending.delete(key);
        throw error;
      },
    );
    this.#pending.set(key, fetched);
    return fetched;
  }

  /** Forgets `key` if it was fetched at least `minAgeMs` ago (its next `get` fetches); says whether it did. */
  drop(key: string, minAgeMs: number): boolean {
    const entry = this.#entries.get(key);
    if (!entry || Date.now() - entry.at < minAgeMs) return false;
    return this.#entries.delete(key);
  }
}
