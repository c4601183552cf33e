import { randomUUID } from 'node:crypto';

/** Where object uuids come from: random in a live pool, a seeded sequence when a seed must be reproducible. */
export interface IdSource {
  uuid(): string;
}

export const randomIds: IdSource = { uuid: () => randomUUID() };

/** A deterministic uuid v4 sequence (mulberry32), so `--seed scale` builds the same pool every time. */
export function seededIds(seed: number): IdSource {
  const next = seededRandom(seed);
  return {
    uuid() {
      let hex = '';
      for (let i = 0; i < 4; i++) hex += (next.u32() >>> 0).toString(16).padStart(8, '0');
      const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    },
  };
}

export interface SeededRandom {
  u32(): number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  below(n: number): number;
  pick<T>(items: readonly T[]): T;
}

export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const u32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const next = (): number => u32() / 0x1_0000_0000;
  return {
    u32,
    next,
    below: (n) => Math.floor(next() * n),
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}

export const refOf = (uuid: string): string => `OpaqueRef:${uuid}`;
