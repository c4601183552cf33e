/** One key's login attempts: how many, and when the last one started (ms since the epoch). */
export interface AttemptCount {
  count: number;
  last: number;
}

/**
 * Where login attempts are counted: this process's memory, or Redis so that every gateway instance counts the
 * same attempts (see redis-login-counters.ts). Each operation is atomic per key, so parallel attempts see
 * successive counts. A key is forgotten `windowMs` after its last attempt. The policy lives in login-limits.ts.
 */
export interface LoginCounters {
  /** Counts one attempt on each key, started at `now`, and returns each key as it was before. */
  add(keys: readonly string[], now: number, windowMs: number): Promise<AttemptCount[]>;
  /** Puts keys back as `add` found them: the attempt was refused, so it was no guess. */
  restore(keys: readonly string[], before: readonly AttemptCount[], windowMs: number): Promise<void>;
  /** Takes one attempt off each key: the login succeeded, or never reached the pool. */
  takeBack(keys: readonly string[]): Promise<void>;
  clear(keys: readonly string[]): Promise<void>;
}

const EMPTY: AttemptCount = { count: 0, last: 0 };

/** Counters for a single instance. Bounded: past `maxKeys` the least recently counted key is forgotten. */
export class MemoryLoginCounters implements LoginCounters {
  private readonly counts = new Map<string, AttemptCount & { expires: number }>();

  constructor(
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  async add(keys: readonly string[], now: number, windowMs: number): Promise<AttemptCount[]> {
    return keys.map((key) => {
      const before = this.read(key);
      this.write(key, { count: before.count + 1, last: now }, windowMs);
      return before;
    });
  }

  async restore(keys: readonly string[], before: readonly AttemptCount[], windowMs: number): Promise<void> {
    keys.forEach((key, i) => {
      const count = before[i] ?? EMPTY;
      if (count.count === 0) this.counts.delete(key);
      else this.write(key, count, windowMs);
    });
  }

  async takeBack(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      const entry = this.counts.get(key);
      if (!entry) continue;
      entry.count -= 1;
      if (entry.count <= 0) this.counts.delete(key);
    }
  }

  async clear(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.counts.delete(key);
  }

  private read(key: string): AttemptCount {
    const entry = this.counts.get(key);
    if (!entry) return EMPTY;
    if (entry.expires <= this.now()) {
      this.counts.delete(key);
      return EMPTY;
    }
    return { count: entry.count, last: entry.last };
  }

  private write(key: string, count: AttemptCount, windowMs: number): void {
    // Re-inserted, so the Map's order is least recently counted first.
    this.counts.delete(key);
    this.counts.set(key, { ...count, expires: count.last + windowMs });
    if (this.counts.size > this.maxKeys) {
      const oldest = this.counts.keys().next().value;
      if (oldest !== undefined) this.counts.delete(oldest);
    }
  }
}
