import { describe, expect, it } from 'vitest';
import { backoffDelay, CONSOLE_BACKOFF } from '../src/console/backoff.ts';
import { closeMeaning, CONSOLE_CLOSE } from '../src/shared/contracts.ts';
import {
  availability,
  followChange,
  needsReattach,
  reattachedMessage,
  type VmConsoleSnapshot,
} from '../src/console/follow.ts';
import { framebufferUpdateRequest, median } from '../src/console/latency-probe.ts';

describe('close codes', () => {
  it('explains every documented code', () => {
    for (const { code } of Object.values(CONSOLE_CLOSE)) {
      const meaning = closeMeaning(code);
      expect(meaning.message).not.toMatch(/\(\d{4}\)/);
      expect(meaning.message.length).toBeGreaterThan(10);
    }
  });

  it('decides how to recover', () => {
    expect(closeMeaning(4010).policy).toBe('reattach');
    expect(closeMeaning(4001).policy).toBe('session');
    expect(closeMeaning(4005).policy).toBe('wait-running');
    expect(closeMeaning(4006).policy).toBe('wait-console');
    expect(closeMeaning(4003).policy).toBe('final');
    expect(closeMeaning(4013).policy).toBe('final');
    expect(closeMeaning(4014).policy).toBe('manual');
    expect(closeMeaning(4009).policy).toBe('manual');
    expect(closeMeaning(1006).policy).toBe('retry');
    expect(closeMeaning(4502).policy).toBe('retry');
    expect(closeMeaning(4020).policy).toBe('rejoin');
  });

  it('shows who holds a busy console when the gateway says so', () => {
    expect(closeMeaning(4009, 'In use by alice from another client.').message).toBe(
      'In use by alice from another client.',
    );
    expect(closeMeaning(4009, CONSOLE_CLOSE.busy.reason).message).toMatch(/another user holds it/);
  });

  it('falls back on the reason for unknown codes, without retrying application codes', () => {
    expect(closeMeaning(4321, 'Strange')).toEqual({
      message: 'The gateway closed the console (4321): Strange.',
      policy: 'manual',
    });
    expect(closeMeaning(1012).policy).toBe('retry');
  });
});

describe('following the VM', () => {
  const running: VmConsoleSnapshot = {
    powerState: 'Running',
    domid: 3,
    residentOn: 'OpaqueRef:h1',
    consoles: ['OpaqueRef:c1'],
  };

  it('recognises reboots, migrations, starts, resumes and replaced consoles', () => {
    expect(followChange(running, { ...running, domid: 4, consoles: ['OpaqueRef:c2'] })).toEqual({ kind: 'rebooted' });
    expect(followChange(running, { ...running, residentOn: 'OpaqueRef:h2', domid: 9 })).toEqual({
      kind: 'migrated',
      toHost: 'OpaqueRef:h2',
    });
    expect(followChange({ ...running, powerState: 'Halted', consoles: [] }, running)).toEqual({ kind: 'started' });
    expect(followChange({ ...running, powerState: 'Suspended' }, running)).toEqual({ kind: 'resumed' });
    expect(followChange(running, { ...running, consoles: ['OpaqueRef:c9'] })).toEqual({ kind: 'console-replaced' });
    expect(followChange({ ...running, consoles: [] }, running)).toEqual({ kind: 'console-appeared' });
    expect(followChange(running, { ...running, powerState: 'Halted' })).toEqual({
      kind: 'stopped',
      powerState: 'Halted',
    });
    expect(followChange(running, { ...running })).toEqual({ kind: 'none' });
  });

  it('re-attaches for changes that replace the console, and says what happened', () => {
    expect(needsReattach({ kind: 'rebooted' })).toBe(true);
    expect(needsReattach({ kind: 'stopped', powerState: 'Halted' })).toBe(false);
    expect(needsReattach({ kind: 'none' })).toBe(false);
    expect(reattachedMessage({ kind: 'rebooted' }, () => undefined)).toBe('VM rebooted — console re-attached');
    expect(reattachedMessage({ kind: 'migrated', toHost: 'OpaqueRef:h2' }, () => 'host-2')).toBe(
      'Migrated to host host-2 — console re-attached',
    );
  });

  it('knows when connecting cannot work', () => {
    expect(availability({ power_state: 'Halted', other_config: {} }, 0)).toEqual({
      state: 'not-running',
      powerState: 'Halted',
    });
    expect(availability({ power_state: 'Running', other_config: { disable_pv_vnc: '1' } }, 0)).toEqual({
      state: 'disabled',
    });
    expect(availability({ power_state: 'Running', other_config: {} }, 0)).toEqual({ state: 'no-console' });
    expect(availability({ power_state: 'Running', other_config: { disable_pv_vnc: '1' } }, 1)).toEqual({
      state: 'ready',
    });
  });
});

describe('reconnect backoff', () => {
  it('starts quickly, doubles, and stays under the cap with jitter', () => {
    const mid = () => 0.5;
    expect(backoffDelay(0, CONSOLE_BACKOFF, mid)).toBe(500);
    expect(backoffDelay(1, CONSOLE_BACKOFF, mid)).toBe(1000);
    expect(backoffDelay(30, CONSOLE_BACKOFF, mid)).toBe(CONSOLE_BACKOFF.capMs);
    for (const r of [0, 0.999]) {
      const d = backoffDelay(3, CONSOLE_BACKOFF, () => r);
      expect(d).toBeGreaterThanOrEqual(4000 * 0.8 - 1);
      expect(d).toBeLessThanOrEqual(4000 * 1.2 + 1);
    }
  });
});

describe('the latency probe', () => {
  it('builds a non-incremental one-pixel FramebufferUpdateRequest', () => {
    expect([...framebufferUpdateRequest(false, 0, 0, 1, 1)]).toEqual([3, 0, 0, 0, 0, 0, 0, 1, 0, 1]);
    expect([...framebufferUpdateRequest(true, 258, 1, 1024, 768)]).toEqual([3, 1, 1, 2, 0, 1, 4, 0, 3, 0]);
  });

  it('reports the median', () => {
    expect(median([])).toBeUndefined();
    expect(median([9, 1, 5])).toBe(5);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
