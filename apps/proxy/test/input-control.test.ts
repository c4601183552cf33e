import { describe, expect, it } from 'vitest';
import { InputControl, isRefusal } from '../src/console/engine/input-control.ts';

const operator = (id: string) => ({ id, canControl: true, canTake: false });
const admin = (id: string) => ({ id, canControl: true, canTake: true });
const watcher = (id: string) => ({ id, canControl: false, canTake: false });

function setup(idleReleaseMs = 0) {
  let now = 1_000;
  const control = new InputControl({ idleReleaseMs, now: () => now });
  return { control, advance: (ms: number) => (now += ms) };
}

describe('input control', () => {
  it('gives the keyboard to the first viewer who can type, and drops everyone else’s input', () => {
    const { control } = setup();
    expect(control.join(watcher('w'))).toEqual([]);
    expect(control.join(operator('a'))).toEqual([{ kind: 'granted', viewer: 'a', how: 'first' }]);
    expect(control.join(operator('b'))).toEqual([]);
    expect(control.controller).toBe('a');
    expect(control.input('a').allowed).toBe(true);
    expect(control.input('b').allowed).toBe(false);
    expect(control.input('w').allowed).toBe(false);
  });

  it('queues requests while someone types; the controller hands over or denies', () => {
    const { control } = setup();
    control.join(operator('a'));
    control.join(operator('b'));
    control.join(operator('c'));
    expect(control.request('b')).toEqual([{ kind: 'requested', viewer: 'b' }]);
    expect(control.request('c')).toEqual([{ kind: 'requested', viewer: 'c' }]);
    expect(control.requests).toEqual(['b', 'c']);
    control.withdraw('c');
    expect(control.requests).toEqual(['b']);
    control.request('c');
    expect(control.deny('a', 'c')).toEqual([{ kind: 'denied', viewer: 'c', by: 'a' }]);
    expect(control.handOver('a', 'b')).toEqual([{ kind: 'granted', viewer: 'b', how: 'hand-over', from: 'a' }]);
    expect(control.requests).toEqual([]);
    expect(control.input('a').allowed).toBe(false);
    expect(control.input('b').allowed).toBe(true);
  });

  it('refuses hand-overs and answers from anyone but the controller', () => {
    const { control } = setup();
    control.join(operator('a'));
    control.join(operator('b'));
    control.join(watcher('w'));
    expect(isRefusal(control.handOver('b', 'b'))).toBe(true);
    expect(isRefusal(control.deny('b', 'a'))).toBe(true);
    expect(isRefusal(control.handOver('a', 'w'))).toBe(true);
    expect(isRefusal(control.request('w'))).toBe(true);
    expect(control.controller).toBe('a');
  });

  it('lets only a pool admin take the keyboard, telling whom it was taken from', () => {
    const { control } = setup();
    control.join(operator('a'));
    control.join(operator('b'));
    control.join(admin('root'));
    expect(isRefusal(control.take('b'))).toBe(true);
    expect(control.take('root')).toEqual([{ kind: 'granted', viewer: 'root', how: 'take', from: 'a' }]);
    expect(control.input('a').allowed).toBe(false);
  });

  it('passes the keyboard to the oldest request when the controller leaves or releases', () => {
    const { control } = setup();
    control.join(operator('a'));
    control.join(operator('b'));
    control.join(operator('c'));
    control.request('c');
    control.request('b');
    expect(control.leave('a')).toEqual([{ kind: 'granted', viewer: 'c', how: 'request', from: 'a' }]);
    expect(control.release('c')).toEqual([{ kind: 'granted', viewer: 'b', how: 'request', from: 'c' }]);
    expect(control.release('b')).toEqual([{ kind: 'released', viewer: 'b', why: 'released' }]);
    expect(control.controller).toBeNull();
  });

  it('while nobody has the keyboard, the first follower to type takes it', () => {
    const { control } = setup();
    control.join(operator('a'));
    control.join(operator('b'));
    control.release('a');
    expect(control.input('b')).toEqual({
      allowed: true,
      changes: [{ kind: 'granted', viewer: 'b', how: 'typed' }],
    });
    expect(control.input('a').allowed).toBe(false);
  });

  it('a pointer merely passing over the screen does not take a free keyboard', () => {
    const { control } = setup();
    control.join(operator('a'));
    control.join(operator('b'));
    control.release('a');
    expect(control.input('b', false)).toEqual({ allowed: false, changes: [] });
    expect(control.controller).toBeNull();
  });

  it('releases an idle controller, and keeps an active one', () => {
    const { control, advance } = setup(60_000);
    control.join(operator('a'));
    control.join(operator('b'));
    control.request('b');
    advance(59_000);
    control.input('a');
    advance(59_000);
    expect(control.tick()).toEqual([]);
    advance(2_000);
    expect(control.tick()).toEqual([{ kind: 'granted', viewer: 'b', how: 'request', from: 'a' }]);
    advance(61_000);
    expect(control.tick()).toEqual([{ kind: 'released', viewer: 'b', why: 'idle' }]);
  });

  it('a viewer watching only never gets the keyboard and gives it up when switching', () => {
    const { control } = setup();
    control.join(operator('v'), true);
    expect(control.controller).toBeNull();
    expect(control.input('v').allowed).toBe(false);
    control.join(operator('a'));
    expect(control.controller).toBe('a');
    expect(control.setViewOnly('a', true)).toEqual([{ kind: 'released', viewer: 'a', why: 'view-only' }]);
    expect(control.setViewOnly('v', false)).toEqual([{ kind: 'granted', viewer: 'v', how: 'request' }]);
  });

  it('keeps the keyboard free for a returning holder, then offers it to the longest present', () => {
    const { control } = setup();
    expect(control.join(operator('b'), false, true)).toEqual([]);
    expect(control.join(operator('c'), false, true)).toEqual([]);
    expect(control.controller).toBeNull();
    expect(control.offerFirst()).toEqual([{ kind: 'granted', viewer: 'b', how: 'first' }]);
    expect(control.offerFirst()).toEqual([]);
  });
});
