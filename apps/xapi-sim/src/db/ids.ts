import { randomUUID } from 'node:crypto';

/** Where object uuids come from: random in a live pool, a seeded sequence when a seed must be reproducible. */
export interface IdSource {
  uuid(): string;
}

export const randomIds: IdSource = { uuid: () => randomUUID() };

/** A deterministic uuid v4 sequence (mulberry32), so `--seed scale` builds the same pool every time. */
export function seededIds(seed: number): IdSource {
  const next = seededRandom(seed);
  const bytes = new Uint8Array(16);
  const words = new Uint32Array(bytes.buffer);
  return {
    uuid() {
      for (let i = 0; i < 4; i++) words[i] = next.u32();
      bytes[6] = (bytes[6]! & 0x0f) | 0x40;
      bytes[8] = (bytes[8]! & 0x3f) | 0x80;
      let out = '';
      for (let i = 0; i < 16; i++) {
        if (i === 4 || i === 6 || i === 8 || i === 10) out += '-';
        out += HEX[bytes[i]!];
      }
      return out;
    },
  };
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

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
