/** What every scenario module exports, and the rows it hands to the report. */

export interface Context {
  readonly quick: boolean;
  /** Only these cases of a scenario (`--cases`, e.g. to profile one screen), when given. */
  readonly cases?: readonly string[];
  /** Progress lines on stderr. */
  log(message: string): void;
  /** The production build of the UI, built once per benchmark run from the current sources. */
  uiDir(): Promise<string>;
  /**
   * Whether another run taking about `runMs` still fits in the scenario's share of the time budget (the first run
   * always happens; on a busy machine later ones are dropped, and the report shows how many ran).
   */
  allows(runMs: number): boolean;
}

/** One measured quantity: the median of the runs, and every run's value. */
export interface Measured {
  readonly value: number;
  readonly samples: readonly number[];
  /** Set when the value is only a bound (e.g. a latency whose echo never came back in the window). */
  readonly bound?: '≥' | '≤';
  readonly detail?: string;
}

export type Peer = 'websockify' | 'raw TCP';

export interface Target {
  /** How the table prints the target, e.g. "≥ 0.6× raw TCP, ≥ 1.2× websockify". */
  readonly text: string;
  /** Absent when the run does not judge it (a quick run measures smaller sizes than the target is set for). */
  readonly pass?: boolean;
}

/**
 * A figure beside another path measured in the same run: the runs were made in pairs, in alternating order (ours
 * then theirs, theirs then ours, …), so slow minutes on a shared machine weigh on both sides of each ratio.
 */
export interface Paired {
  /** The other path, e.g. "pass-through". */
  readonly name: string;
  readonly theirs: Measured;
  /** Ours ÷ theirs within each pair: the median, and every pair's ratio. */
  readonly ratio: Measured;
}

export interface Row {
  /** Stable key in results.json, e.g. "throughput.s2c.bridge". */
  readonly id: string;
  readonly measure: string;
  readonly unit: string;
  readonly higherIsBetter: boolean;
  readonly ours: Measured;
  readonly peers?: Partial<Record<Peer, Measured>>;
  readonly paired?: Paired;
  /** For figures with no peer: the target value itself, so the ratio to it is reported. */
  readonly budget?: number;
  readonly target?: Target;
  readonly notes?: readonly string[];
}

export interface Scenario {
  readonly name: string;
  readonly title: string;
  /** How it is measured, for the report. */
  readonly method: string;
  /** The scenario's share of the run's time budget, in seconds: full and quick. */
  readonly allotment: { readonly full: number; readonly quick: number };
  run(ctx: Context): Promise<Row[]>;
}

export function measured(samples: readonly number[], extra: Partial<Measured> = {}): Measured {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const value = sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { value, samples: [...samples], ...extra };
}

/** Ours ÷ theirs for each pair of runs (the lists in run order, one entry per pair). */
export function pairedRatio(ours: readonly number[], theirs: readonly number[]): Measured {
  const n = Math.min(ours.length, theirs.length);
  return measured(Array.from({ length: n }, (_, i) => ours[i]! / theirs[i]!));
}

/** One pair of runs in its place in the alternation: `a` then `b` for even pairs, `b` then `a` for odd ones. */
export async function runPair<T>(pair: number, a: () => Promise<T>, b: () => Promise<T>): Promise<[T, T]> {
  if (pair % 2 === 0) {
    const first = await a();
    return [first, await b()];
  }
  const second = await b();
  return [await a(), second];
}

/**
 * Runs `a` and `b` in pairs of alternating order (a then b, b then a, …): `pairs` of them, or fewer when the
 * scenario's time share runs out (the first pair always runs; the report shows how many did).
 */
export async function alternate<T>(
  ctx: Context,
  pairs: number,
  a: (pair: number) => Promise<T>,
  b: (pair: number) => Promise<T>,
): Promise<{ a: T[]; b: T[] }> {
  const out = { a: [] as T[], b: [] as T[] };
  let pairStarted = performance.now();
  for (let i = 0; i < pairs; i++) {
    if (i > 0 && !ctx.allows(performance.now() - pairStarted)) break;
    pairStarted = performance.now();
    const [ra, rb] = await runPair(
      i,
      () => a(i),
      () => b(i),
    );
    out.a.push(ra);
    out.b.push(rb);
  }
  return out;
}

/** The cases of a scenario the run asked for (all of them unless `--cases` named some). */
export function selected<T extends { readonly key: string }>(ctx: Context, cases: readonly T[]): T[] {
  return cases.filter((c) => !ctx.cases || ctx.cases.includes(c.key));
}
