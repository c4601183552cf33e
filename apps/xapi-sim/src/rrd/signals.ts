/**
 * Deterministic, plausible load curves: the same object, data source, time and step always give the same value, so
 * every archive of every RRD can be computed when asked instead of being stored.
 */

/** FNV-1a of a text: a stable seed per object (its uuid) and data source. */
export function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** A value in [0, 1) for (seed, n), uniformly spread (a 32-bit integer mix). */
export function unit(seed: number, n: number): number {
  let x = (seed ^ Math.imul(n | 0, 0x9e3779b1) ^ Math.imul(Math.floor(n / 2 ** 32), 0x7feb352d)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return ((x ^ (x >>> 16)) >>> 0) / 2 ** 32;
}

const clamp = (value: number, low: number, high: number): number => Math.min(high, Math.max(low, value));
const wave = (t: number, period: number, phase: number): number =>
  0.5 + 0.5 * Math.sin(2 * Math.PI * (t / period + phase));

/**
 * How busy a guest is over the step ending at `t`, in [0, 1]: its own level, a daily rhythm, a slower swell within
 * the hour, and bursts whose size shrinks as steps get longer (averages over long steps are smoother).
 */
export function activity(seed: number, t: number, step: number): number {
  const level = 0.08 + 0.55 * unit(seed, 1);
  const rhythm = 0.35 + 0.45 * wave(t, 86_400, unit(seed, 2)) + 0.2 * wave(t, 2_400, unit(seed, 3));
  const burst = (unit(seed ^ step, Math.floor(t / step)) - 0.5) / Math.sqrt(step / 5);
  return clamp(level * rhythm + 0.6 * level * burst, 0, 1);
}

/** A small per-series wobble in [-1, 1] for the slot ending at `t`. */
export function jitter(seed: number, t: number, step: number): number {
  return (unit(seed, Math.floor(t / step)) * 2 - 1) / Math.sqrt(step / 5);
}

export { clamp };
