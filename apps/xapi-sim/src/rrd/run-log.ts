import type { Database, Row } from '../db/database.ts';

/** A span in which a VM ran, in Unix milliseconds; `to` is Infinity while it runs. */
interface Run {
  from: number;
  to: number;
}

const YEAR_MS = 366 * 86_400_000;
/** How long a domain was down around the boot the pool knows of (the RRD has no value then). */
const BOOT_GAP_MS = 10_000;
/** Runs kept per VM: a VM restarted more often than this in a year loses its oldest runs (they read as gaps). */
const MAX_RUNS = 500;

const isUp = (row: Row): boolean => row.power_state === 'Running' || row.power_state === 'Paused';
const keepsRrd = (row: Row): boolean => !row.is_a_template && !row.is_a_snapshot;
const millis = (value: unknown): number => (value instanceof Date ? value.getTime() : 0);

/**
 * When each VM ran, which is when its RRD has values: xapi records nothing while a VM is down. What happened before
 * the log was made is read from the VM's metrics (it ran from its install, or a year ago, until it halted or until
 * its current boot); later starts and stops are seen as the database changes.
 */
export class RunLog {
  readonly #runs = new Map<string, Run[]>();
  #cursor: number;
  #scheduled = false;

  constructor(private readonly db: Database) {
    const now = Date.now();
    for (const [ref, row] of db.rows('VM')) if (keepsRrd(row)) this.#runs.set(ref, this.#history(row, now));
    this.#cursor = db.generation;
    db.onChange(() => {
      if (this.#scheduled) return;
      this.#scheduled = true;
      // One scan per burst of writes, after the operation that made them.
      queueMicrotask(() => this.update());
    });
  }

  /** Whether the VM has an RRD at all (it ran at some point in the past year). */
  has(vm: string): boolean {
    return (this.#runs.get(vm)?.length ?? 0) > 0;
  }

  /** Until when the VM's RRD has values (ms): Infinity while it runs. */
  lastRecorded(vm: string): number {
    return this.#runs.get(vm)?.at(-1)?.to ?? 0;
  }

  /** The share of [from, to) (ms) in which the VM ran. */
  coverage(vm: string, from: number, to: number): number {
    let covered = 0;
    for (const run of this.#runs.get(vm) ?? []) covered += Math.max(0, Math.min(to, run.to) - Math.max(from, run.from));
    return covered / (to - from);
  }

  #history(row: Row, now: number): Run[] {
    const metrics = this.db.get('VM_metrics', row.metrics as string);
    const from = Math.max(millis(metrics?.install_time), now - YEAR_MS);
    if (!isUp(row)) {
      const to = Math.min(now, millis(metrics?.last_updated));
      return to > from ? [{ from, to }] : [];
    }
    const boot = Math.min(now, millis(metrics?.start_time));
    if (boot - BOOT_GAP_MS <= from) return [{ from: Math.max(from, boot), to: Infinity }];
    return [
      { from, to: boot - BOOT_GAP_MS },
      { from: boot, to: Infinity },
    ];
  }

  /** Takes in the starts and stops since the last look (also done after every burst of writes). */
  update(): void {
    this.#scheduled = false;
    if (this.db.generation === this.#cursor) return;
    const changes = this.db.changesSince(this.#cursor, (table) => table === 'VM');
    this.#cursor = this.db.generation;
    const now = Date.now();
    for (const { ref } of changes.dels) this.#runs.delete(ref);
    for (const { ref } of [...changes.adds, ...changes.mods]) {
      const row = this.db.get('VM', ref);
      if (!row || !keepsRrd(row)) {
        this.#runs.delete(ref);
        continue;
      }
      const runs = this.#runs.get(ref) ?? [];
      const last = runs.at(-1);
      const running = last?.to === Infinity;
      if (isUp(row) && !running) runs.push({ from: now, to: Infinity });
      else if (!isUp(row) && running) last.to = now;
      while (runs.length > MAX_RUNS || (runs[0] && runs[0].to < now - YEAR_MS)) runs.shift();
      this.#runs.set(ref, runs);
    }
  }
}
