import { afterEach, describe, expect, it, vi } from 'vitest';
import { EarlyChannel } from '../src/console/channel.ts';
import { parseConsoleNotice } from '../src/shared/contracts.ts';
import type { ConsoleNotice } from '../src/shared/contracts.ts';
import { consoleViewer } from './fixtures.ts';

/** The console WebSocket's two streams: RFB in binary frames for noVNC, the gateway's notices in text frames. */

class Socket extends EventTarget {
  readyState = 1;
  binaryType = 'arraybuffer';
  protocol = '';
  frame(data: string | ArrayBuffer): void {
    this.dispatchEvent(Object.assign(new Event('message'), { data }));
  }
}

const rfb = (text: string): ArrayBuffer => new TextEncoder().encode(text).buffer as ArrayBuffer;
const welcome = JSON.stringify({ type: 'welcome', viewer: 'v1', canControl: true, canTake: false });
const presence = JSON.stringify({
  type: 'presence',
  viewers: [consoleViewer('v1', 'alice', { keyboard: true })],
  requests: [],
});

function setup() {
  const socket = new Socket();
  const channel = new EarlyChannel(socket as unknown as WebSocket);
  const rfbSeen: unknown[] = [];
  const notices: ConsoleNotice[] = [];
  const attachNoVnc = () => {
    channel.onmessage = (event) => rfbSeen.push(event.data);
  };
  const listen = () => {
    channel.onnotice = (notice) => notices.push(notice);
  };
  return { socket, channel, rfbSeen, notices, attachNoVnc, listen };
}

describe('the console channel', () => {
  afterEach(() => vi.restoreAllMocks());

  it('hands binary frames to noVNC, in order, including those that came before it attached', async () => {
    const { socket, rfbSeen, attachNoVnc } = setup();
    const banner = rfb('RFB 003.008\n');
    socket.frame(banner);
    attachNoVnc();
    const security = rfb('\x01\x01');
    socket.frame(security);
    await Promise.resolve();
    expect(rfbSeen).toEqual([banner, security]);
  });

  it('never hands a text frame to noVNC, before or after it attaches, and keeps the order of the RFB bytes', async () => {
    const { socket, rfbSeen, notices, attachNoVnc, listen } = setup();
    const banner = rfb('RFB 003.008\n');
    socket.frame(welcome);
    socket.frame(banner);
    socket.frame(presence);
    attachNoVnc();
    await Promise.resolve();
    socket.frame(presence);
    const init = rfb('\x00\x00\x00\x00');
    socket.frame(init);
    expect(rfbSeen).toEqual([banner, init]);
    expect(rfbSeen.some((data) => typeof data === 'string')).toBe(false);
    listen();
    expect(notices.map((n) => n.type)).toEqual(['welcome', 'presence', 'presence']);
  });

  it('parses notices once and hands them over, those before the listener first and in order', () => {
    const { socket, notices, listen } = setup();
    socket.frame(welcome);
    socket.frame(presence);
    listen();
    socket.frame(JSON.stringify({ type: 'upstream', state: 'reattaching' }));
    expect(notices).toEqual([
      { type: 'welcome', viewer: 'v1', canControl: true, canTake: false },
      JSON.parse(presence),
      { type: 'upstream', state: 'reattaching' },
    ]);
  });

  it('ignores malformed text frames, telling the developer in a dev build', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { socket, notices, rfbSeen, attachNoVnc, listen } = setup();
    attachNoVnc();
    listen();
    for (const frame of ['not json', '[1,2]', '{"type":"welcome"}', '{"type":"party"}', '5']) socket.frame(frame);
    socket.frame(welcome);
    expect(notices.map((n) => n.type)).toEqual(['welcome']);
    expect(rfbSeen).toEqual([]);
    expect(warn).toHaveBeenCalledTimes(5);
  });
});

describe('parsing the gateway’s notices', () => {
  const viewer = consoleViewer('v2', 'bob', { role: 'pool-admin', viewOnly: true, remote: true });
  const parse = (value: unknown) => parseConsoleNotice(JSON.stringify(value));

  it('takes every notice of the contract', () => {
    const notices: ConsoleNotice[] = [
      { type: 'welcome', viewer: 'v1', canControl: true, canTake: true },
      { type: 'presence', viewers: [viewer], requests: ['v2'] },
      { type: 'control', change: { kind: 'granted', viewer: 'v1', how: 'first' } },
      { type: 'control', change: { kind: 'granted', viewer: 'v2', how: 'take', from: 'v1' } },
      { type: 'control', change: { kind: 'released', viewer: 'v2', why: 'idle' } },
      { type: 'control', change: { kind: 'requested', viewer: 'v2' } },
      { type: 'control', change: { kind: 'denied', viewer: 'v2', by: 'v1' } },
      { type: 'refused', reason: 'You do not have the keyboard.' },
      { type: 'upstream', state: 'live' },
    ];
    for (const notice of notices) expect(parse(notice)).toEqual(notice);
  });

  it('keeps only the contract’s fields', () => {
    expect(parse({ type: 'refused', reason: 'No.', extra: '<b>x</b>' })).toEqual({ type: 'refused', reason: 'No.' });
    expect(parse({ type: 'presence', viewers: [{ ...viewer, token: 'x' }], requests: [] })).toEqual({
      type: 'presence',
      viewers: [viewer],
      requests: [],
    });
  });

  it('refuses anything else, naming nothing it does not know', () => {
    const bad: unknown[] = [
      null,
      'welcome',
      { type: 'welcome', viewer: 'v1', canControl: 'yes', canTake: false },
      { type: 'welcome', viewer: '', canControl: true, canTake: false },
      { type: 'presence', viewers: {}, requests: [] },
      { type: 'presence', viewers: [{ ...viewer, since: 'yesterday' }], requests: [] },
      { type: 'presence', viewers: [{ ...viewer, keyboard: 1 }], requests: [] },
      { type: 'presence', viewers: [viewer], requests: [7] },
      { type: 'control', change: { kind: 'granted', viewer: 'v1', how: 'stolen' } },
      { type: 'control', change: { kind: 'granted', viewer: 'v1', how: 'take', from: 3 } },
      { type: 'control', change: { kind: 'released', viewer: 'v1', why: 'bored' } },
      { type: 'control', change: { kind: 'denied', viewer: 'v1' } },
      { type: 'control', change: { kind: 'requested' } },
      { type: 'refused' },
      { type: 'upstream', state: 'gone' },
    ];
    for (const value of bad) expect(parse(value)).toBeUndefined();
    expect(parseConsoleNotice('{')).toBeUndefined();
  });
});
