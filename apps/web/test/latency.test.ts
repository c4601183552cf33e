import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LatencyProbe } from '../src/console/latency-probe.ts';

class Socket extends EventTarget {
  readyState = 1;
  bufferedAmount = 0;
  sent: number[] = [];
  send(bytes: Uint8Array): void {
    this.sent.push(performance.now());
    expect(bytes[0]).toBe(3);
  }
  message(): void {
    this.dispatchEvent(new Event('message'));
  }
}

describe('the latency probe', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal('WebSocket', { OPEN: 1 });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('finds quiet moments between periodic screen updates, whatever their phase', async () => {
    for (const phase of [0, 70, 300, 900]) {
      const socket = new Socket();
      const samples: number[] = [];
      const probe = new LatencyProbe(
        socket as unknown as WebSocket,
        (ms) => samples.push(ms),
        () => 0.5,
      );
      // A clock repainting every second, as the simulated desktop does, starting at the given phase.
      await vi.advanceTimersByTimeAsync(phase);
      const clock = setInterval(() => socket.message(), 1000);
      socket.message();
      probe.start();
      await vi.advanceTimersByTimeAsync(6000);
      clearInterval(clock);
      probe.dispose();
      expect(socket.sent.length).toBeGreaterThan(0);
      expect(samples.length).toBeGreaterThan(0);
    }
  });

  it('waits for an answer before probing again', async () => {
    const socket = new Socket();
    const probe = new LatencyProbe(
      socket as unknown as WebSocket,
      () => {},
      () => 0.5,
    );
    probe.start();
    await vi.advanceTimersByTimeAsync(8000);
    expect(socket.sent).toHaveLength(1);
    socket.message();
    await vi.advanceTimersByTimeAsync(2100);
    expect(socket.sent).toHaveLength(2);
    probe.dispose();
  });
});
