import fs from 'node:fs';

/** Resident memory and CPU time of processes, read from /proc (Linux). */

const PAGE = 4096;
const TICKS_PER_SECOND = 100;

/** Resident set size in bytes, or 0 if the process is gone. */
export function rssOf(pid: number): number {
  try {
    const statm = fs.readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ');
    return Number(statm[1]) * PAGE;
  } catch {
    return 0;
  }
}

/**
 * Proportional set size in bytes: shared pages divided among the processes sharing them, so summing it over
 * forked processes (websockify's per-connection children) does not count the parent's pages once per child.
 */
export function pssOf(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

interface Stat {
  ppid: number;
  cpuSeconds: number;
}

function statOf(pid: number): Stat | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // utime + stime, plus cutime + cstime: the children it has reaped (websockify's finished connections).
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    return { ppid: Number(fields[1]), cpuSeconds: ticks / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/** `pid` and all its descendants (websockify forks one process per connection). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = statOf(Number(entry));
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(entry));
    children.set(stat.ppid, list);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const next = queue.shift()!;
    out.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return out;
}

export function treeRss(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + rssOf(p), 0);
}

export function treePss(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + pssOf(p), 0);
}

/** User + system CPU seconds used so far by the process and the children it has reaped. */
export function cpuSecondsOf(pid: number): number {
  return statOf(pid)?.cpuSeconds ?? 0;
}

export function treeCpuSeconds(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + cpuSecondsOf(p), 0);
}

/** Samples a value every `everyMs` until stopped; keeps every sample with its time. */
export class Sampler {
  readonly samples: { t: number; value: number }[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly started = performance.now();

  constructor(
    private readonly read: () => number,
    everyMs: number,
  ) {
    this.take();
    this.timer = setInterval(() => this.take(), everyMs);
  }

  take(): number {
    const value = this.read();
    this.samples.push({ t: performance.now() - this.started, value });
    return value;
  }

  stop(): void {
    clearInterval(this.timer);
    this.take();
  }

  get max(): number {
    return Math.max(...this.samples.map((s) => s.value));
  }

  get last(): number {
    return this.samples.at(-1)!.value;
  }
}
