import { randomInt } from 'node:crypto';

/**
 * Loopback addresses for hosts. Each process draws a random 127.A.B.0/24-ish prefix once, so parallel test
 * processes never collide; within a process, freed addresses are reused first, so later pools hit the
 * host-certificate cache.
 */
const prefix = { a: randomInt(1, 255), b: randomInt(0, 200) };
const inUse = new Set<number>();

const addressOf = (n: number): string => `127.${prefix.a}.${prefix.b + Math.floor(n / 254)}.${(n % 254) + 1}`;

export function allocateAddresses(count: number): string[] {
  const out: string[] = [];
  for (let n = 0; out.length < count; n++) {
    if (inUse.has(n)) continue;
    inUse.add(n);
    out.push(addressOf(n));
  }
  return out;
}

export function releaseAddresses(addresses: readonly string[]): void {
  for (const address of addresses) {
    const [, , b, x] = address.split('.').map(Number) as [number, number, number, number];
    inUse.delete((b - prefix.b) * 254 + (x - 1));
  }
}

/** Consecutive addresses from `first` (the CLI's 127.0.0.11, .12, …). */
export function consecutiveAddresses(first: string, count: number): string[] {
  const parts = first.split('.').map(Number);
  if (parts.length !== 4 || parts[0] !== 127 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`not a loopback IPv4 address: ${first}`);
  }
  const base = ((parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  return Array.from({ length: count }, (_, i) => {
    const n = base + i;
    return `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  });
}
