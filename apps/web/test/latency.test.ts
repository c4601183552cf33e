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
  message(data: string | ArrayBuffer = new ArrayBuffer(4)): void {
    this.dispatchEvent(Object.assign(new Event('message'), { data }));
  }
}

/** A probe on a fresh socket, with fixed jitter, and the samples it reports. */
function probed() {
  const socket = new Socket();
  const samples: number[] = [];
  const probe = new LatencyProbe(
    socket as unknown as WebSocket,
    (ms) => samples.push(ms),
    () => 0.5,
  );
  return { socket, samples, probe };
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
      const { socket, samples, probe } = probed();
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
    const { socket, probe } = probed();
    probe.start();
    await vi.advanceTimersByTimeAsync(8000);
    expect(socket.sent).toHaveLength(1);
    socket.message();
    await vi.advanceTimersByTimeAsync(2100);
    expect(socket.sent).toHaveLength(2);
    probe.dispose();
  });

  it('takes no text frame (the gateway’s presence notices) for the answer', async () => {
    const { socket, samples, probe } = probed();
    probe.start();
    await vi.advanceTimersByTimeAsync(400);
    expect(socket.sent).toHaveLength(1);
    socket.message('{"type":"presence","viewers":[],"requests":[]}');
    await vi.advanceTimersByTimeAsync(30);
    expect(samples).toEqual([]);
    socket.message();
    expect(samples).toHaveLength(1);
    probe.dispose();
  });
});
