import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConsoleCloseKind, WallConsoleKey, WallTileState } from '@xwc/contracts';
import type { UserSession } from '../src/auth/sessions.ts';
import type { ConsoleTap } from '../src/console/engine/console-tap.ts';
import type { SharedConsole } from '../src/console/engine/shared-console.ts';
import { createLogger } from '../src/log.ts';

/** Each thumbnail made costs COST_MS on the injected clock, and is a buffer holding its serial number. */
const COST_MS = 20;
let clock = 0;
let made = 0;
vi.mock('../src/console/wall/thumbnail.ts', () => ({
  thumbnail: () => {
    made++;
    clock += COST_MS;
    return Buffer.from([made]);
  },
}));
const { MIN_INTERVAL_MS, Thumbnails } = await import('../src/console/wall/thumbnails.ts');

/** A shared console as the wall sees it: taps, holds, a screen that changes when told. */
class FakeConsole {
  readonly taps = new Set<ConsoleTap>();
  holds = 0;
  closed = false;
  readonly framebuffer = {};
  constructor(private live: boolean) {}
  addTap(tap: ConsoleTap): () => void {
    this.taps.add(tap);
    if (this.live) tap.attached?.(this.framebuffer as never, '');
    return () => this.taps.delete(tap);
  }
  hold(): () => void {
    this.holds++;
    return () => this.holds--;
  }
  connect(): void {
    this.live = true;
    for (const tap of this.taps) tap.attached?.(this.framebuffer as never, '');
  }
  change(): void {
    for (const tap of this.taps) tap.updated?.(this.framebuffer as never);
  }
  close(why: ConsoleCloseKind): void {
    this.closed = true;
    for (const tap of [...this.taps]) tap.closed?.(why);
  }
}

/** A page watching consoles: what it was told. */
function page() {
  const states: { key: string; state: WallTileState; stopped?: { code: number; reason: string } }[] = [];
  const pictures: { key: string; png: Buffer }[] = [];
  return {
    session: { id: 's', user: 'u', role: 'vm-operator' } as unknown as UserSession,
    states,
    pictures,
    state: (key: WallConsoleKey, state: WallTileState, stopped?: { code: number; reason: string }) =>
      void states.push({ key, state, ...(stopped ? { stopped } : {}) }),
    thumbnail: (key: WallConsoleKey, png: Buffer) => void pictures.push({ key, png }),
  };
}

const key = (n: number): WallConsoleKey => `vm/00000000-0000-0000-0000-${String(n).padStart(12, '0')}`;
const log = createLogger(process.stderr, 'error');

let consoles: Map<string, FakeConsole>;
let thumbnails: InstanceType<typeof Thumbnails>;

function setup(live = true, cpuPercent = 10): void {
  consoles = new Map();
  const open = (k: WallConsoleKey): SharedConsole => {
    const console = consoles.get(k) ?? new FakeConsole(live);
    consoles.set(k, console);
    return console as unknown as SharedConsole;
  };
  thumbnails = new Thumbnails(open, { cpuPercent }, log, () => clock);
}

beforeEach(() => {
  vi.useFakeTimers();
  made = 0;
});
afterEach(() => {
  thumbnails.close();
  vi.useRealTimers();
});

describe('wall thumbnails', () => {
  it('makes one thumbnail per change of a console, for every page that watches it', () => {
    setup();
    const [a, b] = [page(), page()];
    thumbnails.watch(key(1), a);
    thumbnails.watch(key(1), b);
    vi.advanceTimersByTime(MIN_INTERVAL_MS);
    expect(made).toBe(1);
    expect(a.pictures).toHaveLength(1);
    expect(b.pictures[0]!.png).toBe(a.pictures[0]!.png);
    // An unchanged screen is not made again, however long the pages watch.
    vi.advanceTimersByTime(5 * MIN_INTERVAL_MS);
    expect(made).toBe(1);
    consoles.get(key(1))!.change();
    vi.advanceTimersByTime(MIN_INTERVAL_MS);
    expect(made).toBe(2);
    expect(b.pictures).toHaveLength(2);
  });

  it('waits for a fresh connection’s first screen update, and hands a late page the last thumbnail at once', () => {
    setup(false);
    const a = page();
    thumbnails.watch(key(1), a);
    const console = consoles.get(key(1))!;
    console.connect();
    vi.advanceTimersByTime(2 * MIN_INTERVAL_MS);
    expect(made).toBe(0);
    expect(a.states.at(-1)).toMatchObject({ state: 'live' });
    console.change();
    vi.advanceTimersByTime(MIN_INTERVAL_MS);
    expect(made).toBe(1);
    const late = page();
    thumbnails.watch(key(1), late);
    expect(late.pictures).toHaveLength(1);
    expect(made).toBe(1);
  });

  it('holds the console for each page and lets it go with the last one', () => {
    setup();
    const stopA = thumbnails.watch(key(1), page());
    const stopB = thumbnails.watch(key(1), page());
    const console = consoles.get(key(1))!;
    expect(console.holds).toBe(2);
    stopA();
    expect(console.holds).toBe(1);
    stopB();
    expect(console.holds).toBe(0);
    expect(console.taps.size).toBe(0);
  });

  it('tells pages why a console stopped, and opens it again on retry', () => {
    setup();
    const a = page();
    thumbnails.watch(key(1), a);
    consoles.get(key(1))!.close('poolIdle');
    expect(a.states.at(-1)).toEqual({
      key: key(1),
      state: 'stopped',
      stopped: { code: 4019, reason: expect.stringContaining('idle timeout') as string },
    });
    consoles.delete(key(1));
    thumbnails.retry(key(1));
    expect(consoles.get(key(1))!.holds).toBe(1);
    expect(a.states.at(-1)).toMatchObject({ state: 'live' });
  });

  it('stretches the refresh interval to keep within the CPU share, and says so', () => {
    setup(true, 10);
    const rates: number[] = [];
    thumbnails.onRate((ms) => rates.push(ms));
    for (let n = 0; n < 10; n++) thumbnails.watch(key(n), page());
    // Every screen keeps changing; each thumbnail costs 20 ms: 10 consoles × 20 ms ÷ 10 % = one round per 2 s.
    for (let round = 0; round < 200; round++) {
      for (const console of consoles.values()) console.change();
      vi.advanceTimersByTime(250);
    }
    expect(thumbnails.intervalMs).toBeGreaterThanOrEqual(1750);
    expect(thumbnails.intervalMs).toBeLessThanOrEqual(2250);
    expect(rates.at(-1)).toBe(thumbnails.intervalMs);
  });
});
