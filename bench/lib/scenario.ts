/** What every scenario module exports, and the rows it hands to the report. */

export interface Context {
  readonly quick: boolean;
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
  readonly pass: boolean;
}

export interface Row {
  /** Stable key in results.json, e.g. "throughput.s2c.bridge". */
  readonly id: string;
  readonly measure: string;
  readonly unit: string;
  readonly higherIsBetter: boolean;
  readonly ours: Measured;
  readonly peers?: Partial<Record<Peer, Measured>>;
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
