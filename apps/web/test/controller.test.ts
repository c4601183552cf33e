import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type RFB from '@novnc/novnc';
import { ConsoleController } from '../src/console/controller.ts';
import type { Availability, VmConsoleSnapshot } from '../src/console/follow.ts';
import { keymapById, planCharacterTyping, planLayoutTyping } from '../src/shared/keymaps.ts';
import { consoleViewer } from './fixtures.ts';

/** Stand-ins for the browser's WebSocket and noVNC's RFB: just enough surface to drive the controller. */
class FakeSocket extends EventTarget {
  static readonly OPEN = 1;
  static instances: FakeSocket[] = [];
  readyState = 0;
  binaryType = 'blob';
  bufferedAmount = 0;
  sent: (Uint8Array | string)[] = [];
  constructor(readonly url: string) {
    super();
    FakeSocket.instances.push(this);
  }
  send(data: Uint8Array | string): void {
    this.sent.push(data);
  }
  /** The presence/control commands sent (text frames), parsed. */
  get commands(): unknown[] {
    return this.sent.filter((d) => typeof d === 'string').map((d) => JSON.parse(d) as unknown);
  }
  /** A text frame from the gateway. */
  notify(notice: unknown): void {
    this.dispatchEvent(Object.assign(new Event('message'), { data: JSON.stringify(notice) }));
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
  controller.attach(new EventTarget() as HTMLElement);
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

  it('sends keys only while connected, and types characters as paced key strokes', async () => {
    const { controller } = setup();
    expect(controller.sendCtrlAltDel()).toBe(false);
    await connect(controller);
    expect(controller.sendCtrlAltDel()).toBe(true);
    const progress: number[] = [];
    const plan = planLayoutTyping(keymapById('de')!, 'z@\n');
    const typing = controller.typeKeys(plan.characters, (done) => progress.push(done), new AbortController().signal);
    await vi.advanceTimersByTimeAsync(100);
    expect(await typing).toEqual({ sent: 3 });
    expect(
      lastRfb()
        .keys.filter(([, , down]) => down)
        .map(([keysym, code]) => `${keysym.toString(16)} ${code}`),
    ).toEqual(['7a KeyY', 'fe03 AltRight', '40 KeyQ', 'ff0d Enter']);
    expect(progress.at(-1)).toBe(3);
    controller.dispose();
  });

  it('holds typing back while the socket has not sent what it has, and gives up on a socket that never drains', async () => {
    const { controller } = setup();
    await connect(controller);
    const plan = planCharacterTyping('x'.repeat(20));
    lastSocket().bufferedAmount = 1 << 20;
    const typing = controller.typeKeys(plan.characters, () => undefined, new AbortController().signal);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(lastRfb().keys).toHaveLength(0);
    lastSocket().bufferedAmount = 0;
    await vi.advanceTimersByTimeAsync(20);
    expect(lastRfb().keys.length).toBeGreaterThan(0);
    const sentBefore = lastRfb().keys.length;
    lastSocket().bufferedAmount = 1 << 20;
    await vi.advanceTimersByTimeAsync(31_000);
    const outcome = await typing;
    expect(outcome).toMatchObject({ stopped: 'stalled' });
    expect(outcome.sent).toBeLessThan(20);
    expect(lastRfb().keys).toHaveLength(sentBefore);
    controller.dispose();
  });

  it('types a secret only after telling the gateway, and ends the secret after the last key', async () => {
    const { controller } = setup();
    await connect(controller);
    const plan = planCharacterTyping('pw');
    // No welcome yet: the gateway cannot be told, so nothing is typed.
    expect(await controller.typeKeys(plan.characters, () => undefined, new AbortController().signal, true)).toEqual({
      sent: 0,
      stopped: 'secret',
    });
    expect(lastRfb().keys).toHaveLength(0);
    lastSocket().notify({ type: 'welcome', viewer: 'va', canControl: true, canTake: false });
    const typing = controller.typeKeys(plan.characters, () => undefined, new AbortController().signal, true);
    await vi.advanceTimersByTimeAsync(100);
    expect(await typing).toEqual({ sent: 2 });
    const frames = lastSocket().sent.filter((d) => typeof d === 'string');
    expect(frames).toEqual(['{"type":"secret","on":true}', '{"type":"secret","on":false}']);
    expect(lastRfb().keys).toHaveLength(4);
    controller.dispose();
  });

  it('probes latency with a one-pixel update request once the screen is quiet', async () => {
    const { controller } = setup();
    await connect(controller);
    await vi.advanceTimersByTimeAsync(2_100);
    const probe = lastSocket().sent.find((bytes) => typeof bytes !== 'string' && bytes[0] === 3);
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
    controller.attach(new EventTarget() as HTMLElement);
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

  describe('on a shared console', () => {
    const alice = consoleViewer('va', 'alice', { keyboard: true });
    const bob = consoleViewer('vb', 'bob');
    const carol = consoleViewer('vc', 'carol');

    function greet(me: string, viewers: unknown[] = [alice], requests: string[] = [], socket = lastSocket()) {
      socket.notify({ type: 'welcome', viewer: me, canControl: true, canTake: me === 'va' });
      socket.notify({ type: 'presence', viewers, requests });
    }

    it('publishes who is on the console, who has the keyboard and who asks for it', async () => {
      const { controller } = setup();
      await connect(controller);
      greet('vb', [alice, bob], ['vb']);
      expect(controller.state.get().presence).toEqual({
        me: 'vb',
        canControl: true,
        canTake: false,
        viewers: [alice, bob],
        requests: ['vb'],
        upstream: 'live',
      });
      controller.dispose();
    });

    it('sends keyboard commands as text frames, only once the gateway has greeted the connection', async () => {
      const { controller } = setup();
      await connect(controller);
      expect(controller.requestControl()).toBe(false);
      expect(lastSocket().commands).toEqual([]);
      greet('va', [alice, bob], ['vb']);
      expect(controller.requestControl()).toBe(true);
      expect(controller.handOver('vb')).toBe(true);
      expect(controller.denyControl('vb')).toBe(true);
      expect(controller.releaseControl()).toBe(true);
      expect(controller.takeControl()).toBe(true);
      // The gateway closes a viewer that sends a malformed command: such a command is never sent.
      expect(controller.handOver('not an id!')).toBe(false);
      expect(lastSocket().commands).toEqual([
        { type: 'request-control' },
        { type: 'hand-over', to: 'vb' },
        { type: 'deny-control', to: 'vb' },
        { type: 'release-control' },
        { type: 'take-control' },
      ]);
      // RFB stays binary: noVNC's keys are not mixed with the commands.
      controller.sendCtrlAltDel();
      expect(lastRfb().keys).toHaveLength(1);
      controller.dispose();
    });

    it('tells this viewer about the changes that concern them, and only announces the others', async () => {
      const { controller } = setup();
      await connect(controller);
      greet('vb', [alice, bob, carol], ['vb']);
      const socket = lastSocket();
      socket.notify({ type: 'control', change: { kind: 'granted', viewer: 'vb', how: 'hand-over', from: 'va' } });
      expect(controller.state.get().notice).toMatchObject({ text: 'alice handed you the keyboard.', tone: 'ok' });
      socket.notify({ type: 'control', change: { kind: 'granted', viewer: 'va', how: 'take', from: 'vb' } });
      expect(controller.state.get().notice).toMatchObject({ text: 'alice took the keyboard.', tone: 'warning' });
      socket.notify({ type: 'control', change: { kind: 'denied', viewer: 'vb', by: 'va' } });
      expect(controller.state.get().notice?.text).toBe('Your request for the keyboard was denied by alice.');
      socket.notify({ type: 'refused', reason: 'Only the viewer with the keyboard can hand it over.' });
      expect(controller.state.get().notice?.text).toBe('Only the viewer with the keyboard can hand it over.');
      const mine = controller.state.get().notice;
      socket.notify({ type: 'control', change: { kind: 'granted', viewer: 'vc', how: 'hand-over', from: 'va' } });
      expect(controller.state.get().notice).toBe(mine);
      expect(controller.state.get().announcement?.text).toBe('carol has the keyboard.');
      controller.dispose();
    });

    it('rejoins at once and shows nothing when the gateway moves the view onto a shared console (4020)', async () => {
      const { controller } = setup();
      await connect(controller);
      greet('va');
      lastSocket().serverClose(4020, 'The console is now shared; reconnect at once.');
      await settle();
      expect(FakeSocket.instances).toHaveLength(2);
      expect(controller.state.get()).toMatchObject({ phase: 'connecting', rejoining: true });
      // Who was on the console stays up until the gateway says who is now.
      expect(controller.state.get().presence?.me).toBe('va');
      lastSocket().open();
      greet('vz', [{ ...alice, id: 'vz' }, bob]);
      lastRfb().handshake();
      const state = controller.state.get();
      expect(state.phase).toBe('connected');
      expect(state.rejoining).toBeUndefined();
      expect(state.notice).toBeUndefined();
      expect(state.presence?.me).toBe('vz');
      controller.dispose();
    });

    it('stops following a gateway that keeps moving the view, with a Reconnect button', async () => {
      const { controller } = setup();
      await connect(controller);
      for (let i = 0; i < 3; i++) {
        lastSocket().serverClose(4020);
        await settle();
        lastSocket().open();
        lastRfb().handshake();
      }
      expect(FakeSocket.instances).toHaveLength(4);
      lastSocket().serverClose(4020);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(FakeSocket.instances).toHaveLength(4);
      expect(controller.state.get()).toMatchObject({ phase: 'stopped', manual: true });
      controller.dispose();
    });

    it('remembers watching only: says so to the gateway and asks for it in every later connection', async () => {
      const { controller } = setup();
      await connect(controller);
      greet('va');
      controller.setViewOnly(true);
      expect(lastRfb().viewOnly).toBe(true);
      expect(lastSocket().commands).toEqual([{ type: 'view-only', on: true }]);
      // A lone viewer's direct console answers by moving it onto a shared console.
      lastSocket().serverClose(4020);
      await settle();
      expect(lastSocket().url).toBe('ws://gateway.test/api/consoles/vm/abc?view=only');
      lastSocket().open();
      greet('va2', [{ ...alice, id: 'va2', viewOnly: true, keyboard: false }]);
      lastRfb().handshake();
      expect(lastRfb().viewOnly).toBe(true);
      // The gateway knows from the URL: nothing more to say.
      expect(lastSocket().commands).toEqual([]);
      lastSocket().serverClose(1011);
      await vi.advanceTimersByTimeAsync(1000);
      expect(lastSocket().url).toBe('ws://gateway.test/api/consoles/vm/abc?view=only');
      lastSocket().open();
      greet('va3');
      lastRfb().handshake();

      controller.setViewOnly(false);
      expect(lastSocket().commands).toEqual([{ type: 'view-only', on: false }]);
      lastSocket().serverClose(1011);
      await vi.advanceTimersByTimeAsync(1000);
      expect(lastSocket().url).toBe('ws://gateway.test/api/consoles/vm/abc');
      controller.dispose();
    });

    it('tells the gateway about watching only switched on while the connection was opening', async () => {
      const { controller } = setup();
      controller.update(ready, running);
      await settle();
      controller.setViewOnly(true);
      lastSocket().open();
      expect(lastSocket().commands).toEqual([]);
      greet('va');
      expect(lastSocket().commands).toEqual([{ type: 'view-only', on: true }]);
      controller.dispose();
    });

    it('stays connected while the gateway re-attaches the console after a reboot, then says so', async () => {
      const { controller } = setup();
      await connect(controller);
      greet('va', [alice, bob]);
      lastSocket().notify({ type: 'upstream', state: 'reattaching' });
      expect(controller.state.get().presence?.upstream).toBe('reattaching');
      // A reboot reaches the event stream as several updates, one without any console.
      controller.update({ state: 'no-console' }, { ...running, consoles: [] });
      controller.update({ state: 'no-console' }, { ...running, domid: 2, consoles: [] });
      controller.update(ready, { ...running, domid: 2, consoles: ['OpaqueRef:c2'] });
      await settle();
      expect(FakeSocket.instances).toHaveLength(1);
      expect(lastRfb().disconnected).toBe(false);
      expect(controller.state.get().phase).toBe('connected');
      lastSocket().notify({ type: 'upstream', state: 'live' });
      expect(controller.state.get().presence?.upstream).toBe('live');
      expect(controller.state.get().notice?.text).toBe('VM rebooted — console re-attached');
      controller.dispose();
    });

    it('forgets who was on the console when the connection ends for another reason', async () => {
      const { controller } = setup();
      await connect(controller);
      greet('va', [alice, bob]);
      lastSocket().serverClose(4019);
      expect(controller.state.get()).toMatchObject({ phase: 'stopped', manual: true });
      expect(controller.state.get().presence).toBeUndefined();
      expect(controller.state.get().message).toMatch(/idle timeout/);
      controller.dispose();
    });
  });
});
