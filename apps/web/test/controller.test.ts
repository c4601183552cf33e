import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type RFB from '@novnc/novnc';
import { ConsoleController } from '../src/console/controller.ts';
import type { Availability, VmConsoleSnapshot } from '../src/console/follow.ts';

/** Stand-ins for the browser's WebSocket and noVNC's RFB: just enough surface to drive the controller. */
class FakeSocket extends EventTarget {
  static readonly OPEN = 1;
  static instances: FakeSocket[] = [];
  readyState = 0;
  binaryType = 'blob';
  bufferedAmount = 0;
  sent: Uint8Array[] = [];
  constructor(readonly url: string) {
    super();
    FakeSocket.instances.push(this);
  }
  send(data: Uint8Array): void {
    this.sent.push(data);
  }
  close(): void {
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.dispatchEvent(new Event('open'));
  }
  serverClose(code: number, reason = ''): void {
    this.readyState = 3;
    const event = Object.assign(new Event('close'), { code, reason });
    this.dispatchEvent(event);
  }
}

class FakeRfb extends EventTarget {
  static instances: FakeRfb[] = [];
  scaleViewport = false;
  viewOnly = false;
  focusOnClick = false;
  showDotCursor = false;
  background = '';
  disconnected = false;
  keys: [number, string | null, boolean | undefined][] = [];
  constructor(
    readonly target: unknown,
    readonly socket: FakeSocket,
  ) {
    super();
    FakeRfb.instances.push(this);
  }
  disconnect(): void {
    this.disconnected = true;
  }
  sendKey(keysym: number, code: string | null, down?: boolean): void {
    this.keys.push([keysym, code, down]);
  }
  sendCtrlAltDel(): void {
    this.keys.push([0xffff, 'Delete', undefined]);
  }
  handshake(): void {
    this.dispatchEvent(new Event('connect'));
  }
}

const running: VmConsoleSnapshot = {
  powerState: 'Running',
  domid: 1,
  residentOn: 'OpaqueRef:h1',
  consoles: ['OpaqueRef:c1'],
};
const ready: Availability = { state: 'ready' };

function setup() {
  const ended: string[] = [];
  const controller = new ConsoleController({
    url: 'ws://gateway.test/api/consoles/vm/abc',
    loadRfb: async () => FakeRfb as unknown as typeof RFB,
    onSessionEnded: (message) => ended.push(message),
    hostName: (ref) => (ref === 'OpaqueRef:h2' ? 'host-2' : undefined),
    isHost: false,
  });
  controller.attach({} as HTMLElement);
  return { controller, ended };
}

const lastSocket = () => FakeSocket.instances.at(-1)!;
const lastRfb = () => FakeRfb.instances.at(-1)!;
const settle = () => vi.advanceTimersByTimeAsync(0);

async function connect(controller: ConsoleController, snapshot = running) {
  controller.update(ready, snapshot);
  await settle();
  lastSocket().open();
  lastRfb().handshake();
}

describe('the console controller', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeSocket.instances = [];
    FakeRfb.instances = [];
    vi.stubGlobal('WebSocket', FakeSocket);
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('{"user":"root","role":"pool-admin"}', { status: 200 })),
    );
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('connects to the same-origin URL it was given and reports the connection', async () => {
    const { controller } = setup();
    await connect(controller);
    expect(lastSocket().url).toBe('ws://gateway.test/api/consoles/vm/abc');
    expect(controller.state.get()).toMatchObject({ phase: 'connected' });
    expect(lastRfb().scaleViewport).toBe(true);
    controller.dispose();
  });

  it('re-attaches when the VM reboots, and says so once attached', async () => {
    const { controller } = setup();
    await connect(controller);
    controller.update(ready, { ...running, domid: 2, consoles: ['OpaqueRef:c2'] });
    expect(FakeRfb.instances[0]!.disconnected).toBe(true);
    await settle();
    expect(FakeSocket.instances).toHaveLength(2);
    lastSocket().open();
    lastRfb().handshake();
    expect(controller.state.get().notice?.text).toBe('VM rebooted — console re-attached');
    controller.dispose();
  });

  it('keeps the reboot message across the updates a reboot arrives in', async () => {
    const { controller } = setup();
    await connect(controller);
    controller.update({ state: 'no-console' }, { ...running, consoles: [] });
    expect(controller.state.get()).toMatchObject({ phase: 'waiting', message: 'Looking for the console…' });
    controller.update({ state: 'no-console' }, { ...running, domid: 2, consoles: [] });
    controller.update(ready, { ...running, domid: 2, consoles: ['OpaqueRef:c2'] });
    await settle();
    lastSocket().open();
    lastRfb().handshake();
    expect(controller.state.get().notice?.text).toBe('VM rebooted — console re-attached');
    controller.dispose();
  });

  it('names the new host after a migration', async () => {
    const { controller } = setup();
    await connect(controller);
    controller.update(ready, { ...running, residentOn: 'OpaqueRef:h2', domid: 7, consoles: ['OpaqueRef:c9'] });
    await settle();
    lastSocket().open();
    lastRfb().handshake();
    expect(controller.state.get().notice?.text).toBe('Migrated to host host-2 — console re-attached');
    controller.dispose();
  });

  it('re-attaches at once when the console ends at the host (4010)', async () => {
    const { controller } = setup();
    await connect(controller);
    lastSocket().serverClose(4010);
    expect(controller.state.get().phase).toBe('retrying');
    await vi.advanceTimersByTimeAsync(200);
    expect(FakeSocket.instances).toHaveLength(2);
    controller.dispose();
  });

  it('retries a dropped connection with growing delays, and stops while the VM is halted', async () => {
    const { controller } = setup();
    await connect(controller);
    lastSocket().serverClose(1011);
    expect(controller.state.get().phase).toBe('retrying');
    await vi.advanceTimersByTimeAsync(700);
    expect(FakeSocket.instances).toHaveLength(2);
    lastSocket().open();
    lastSocket().serverClose(1011);
    await vi.advanceTimersByTimeAsync(700);
    expect(FakeSocket.instances).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(600);
    expect(FakeSocket.instances).toHaveLength(3);

    controller.update(
      { state: 'not-running', powerState: 'Halted' },
      { ...running, powerState: 'Halted', consoles: [] },
    );
    expect(controller.state.get()).toMatchObject({ phase: 'waiting', message: 'This VM is shut down.' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.instances).toHaveLength(3);

    controller.update(ready, { ...running, domid: 5, consoles: ['OpaqueRef:c5'] });
    await settle();
    expect(FakeSocket.instances).toHaveLength(4);
    controller.dispose();
  });

  it('stops for good on a refusal that would repeat, and asks for a login on 4001', async () => {
    const { controller, ended } = setup();
    await connect(controller);
    lastSocket().serverClose(4003);
    expect(controller.state.get()).toMatchObject({ phase: 'stopped', manual: false });
    expect(controller.state.get().message).toMatch(/role/);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.instances).toHaveLength(1);

    controller.reconnectNow();
    await settle();
    lastSocket().open();
    lastSocket().serverClose(4001);
    expect(ended).toHaveLength(1);
    expect(controller.state.get()).toMatchObject({ phase: 'stopped', sessionEnded: true });
    controller.dispose();
  });

  it('checks the session when the upgrade itself is refused', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('{"error":"NOT_LOGGED_IN","message":"x"}', { status: 401 })),
    );
    const { controller, ended } = setup();
    controller.update(ready, running);
    await settle();
    lastSocket().serverClose(1006);
    await settle();
    expect(ended).toHaveLength(1);
    controller.dispose();
  });

  it('sends keys only while connected, and types text as paced key strokes', async () => {
    const { controller } = setup();
    expect(controller.sendCtrlAltDel()).toBe(false);
    await connect(controller);
    expect(controller.sendCtrlAltDel()).toBe(true);
    const progress: number[] = [];
    const typing = controller.typeText('Hi\n', (done) => progress.push(done), new AbortController().signal);
    await vi.advanceTimersByTimeAsync(100);
    expect(await typing).toBe(3);
    expect(
      lastRfb()
        .keys.filter(([, , down]) => down)
        .map(([keysym]) => keysym),
    ).toEqual([0xffe1, 0x48, 0x69, 0xff0d]);
    expect(progress.at(-1)).toBe(3);
    controller.dispose();
  });

  it('probes latency with a one-pixel update request once the screen is quiet', async () => {
    const { controller } = setup();
    await connect(controller);
    await vi.advanceTimersByTimeAsync(2_100);
    const probe = lastSocket().sent.find((bytes) => bytes[0] === 3);
    expect(probe && [...probe]).toEqual([3, 0, 0, 0, 0, 0, 0, 1, 0, 1]);
    lastSocket().dispatchEvent(new Event('message'));
    expect(controller.state.get().latencyMs).toBeGreaterThanOrEqual(0);
    controller.dispose();
  });

  it('connects before the VM’s record has arrived, and follows it once it has', async () => {
    const { controller } = setup();
    await settle();
    expect(FakeSocket.instances).toHaveLength(1);
    lastSocket().open();
    lastRfb().handshake();
    controller.update(ready, running);
    expect(FakeSocket.instances).toHaveLength(1);
    controller.update(ready, { ...running, domid: 9, consoles: ['OpaqueRef:c9'] });
    await settle();
    expect(FakeSocket.instances).toHaveLength(2);
    controller.dispose();
  });

  it('explains a VM that turns out not to be running, without retrying blindly', async () => {
    const { controller } = setup();
    await settle();
    lastSocket().open();
    lastSocket().serverClose(4005);
    expect(controller.state.get()).toMatchObject({ phase: 'waiting', manual: true });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(FakeSocket.instances).toHaveLength(1);
    controller.update(
      { state: 'not-running', powerState: 'Suspended' },
      { ...running, powerState: 'Suspended', consoles: [] },
    );
    expect(controller.state.get().message).toBe('This VM is suspended.');
    controller.dispose();
  });

  it('closes a socket opened early when the view goes away before noVNC arrives', async () => {
    const { controller } = setup();
    const socket = lastSocket();
    let closedWith: number | undefined;
    socket.close = (code?: number) => {
      closedWith = code;
    };
    controller.dispose();
    expect(closedWith).toBe(1000);
    await settle();
    expect(FakeRfb.instances).toHaveLength(0);
  });

  it('takes over a socket opened as the page started, with what it already received', async () => {
    const { EarlyChannel } = await import('../src/console/channel.ts');
    const socket = new FakeSocket('ws://gateway.test/api/consoles/vm/abc');
    const channel = new EarlyChannel(socket as unknown as WebSocket);
    socket.open();
    const banner = Object.assign(new Event('message'), { data: new TextEncoder().encode('RFB 003.008\n').buffer });
    socket.dispatchEvent(banner);
    const taken: string[] = [];
    const controller = new ConsoleController({
      url: 'ws://gateway.test/api/consoles/vm/abc',
      loadRfb: async () => FakeRfb as unknown as typeof RFB,
      onSessionEnded: () => {},
      hostName: () => undefined,
      isHost: false,
      takeEarly: (url) => {
        taken.push(url);
        return taken.length === 1 ? { socket: socket as unknown as WebSocket, channel } : undefined;
      },
    });
    controller.attach({} as HTMLElement);
    await settle();
    expect(taken).toEqual(['ws://gateway.test/api/consoles/vm/abc']);
    expect(FakeSocket.instances).toHaveLength(1);
    const received: unknown[] = [];
    (lastRfb().socket as unknown as { onmessage: (event: MessageEvent) => void }).onmessage = (event) =>
      received.push(event.data);
    await settle();
    expect(received).toHaveLength(1);
    lastRfb().handshake();
    expect(controller.state.get().phase).toBe('connected');
    // A later connection opens its own socket.
    lastSocket().serverClose(1011);
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeSocket.instances).toHaveLength(2);
    controller.dispose();
  });
});
