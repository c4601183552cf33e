import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { GuestDisplay, InputEvent } from '../src/consoles/backend.ts';
import { createDisplayFactory, screenLines, screenText, snapshot, TextConsole } from '../src/rfb/index.ts';
import { listen, RfbTestClient, until } from './rfb-client.ts';
import { readScreen } from './rfb-ocr.ts';

const factory = createDisplayFactory();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const RETURN = 0xff0d;
const BACKSPACE = 0xff08;
const CURSOR = '\u2588';

function textConsole(kind: 'guest' | 'host' = 'guest'): TextConsole {
  const d = factory.textConsole({ kind, title: 'Debian 12 (PV)', hostname: 'deb12', rfbVersion: '3.8' });
  if (!(d instanceof TextConsole)) throw new Error('factory returned an unexpected display');
  cleanups.push(() => d.close());
  return d;
}

async function rfbClient(display: GuestDisplay) {
  const l = await listen(display.rfb);
  cleanups.push(l.stop);
  const c = await RfbTestClient.connect(l.port);
  cleanups.push(() => c.close());
  await c.handshake('3.8');
  await c.update(false);
  return c;
}

/** Requests incremental updates until the decoded screen satisfies `check` (bounded). */
async function screenUntil(c: RfbTestClient, check: (lines: string[]) => boolean): Promise<string[]> {
  for (let i = 0; i < 200; i++) {
    const lines = readScreen(c.rgba, c.width);
    if (check(lines)) return lines;
    await c.update(true);
  }
  throw new Error(`screen never matched:\n${readScreen(c.rgba, c.width).join('\n')}`);
}

/** The last `n` non-blank rows (the rows below the cursor are blank). */
const lastLines = (lines: string[], n = 2) => lines.filter((l) => l !== '').slice(-n);

describe('text console over RFB', () => {
  it('shows a boot log and a login prompt with the cursor after it', async () => {
    const display = textConsole();
    const c = await rfbClient(display);
    const lines = readScreen(c.rgba, c.width);
    expect(lines[0]).toBe("Booting 'Debian 12 (PV)'");
    expect(lines.some((l) => l.includes('Set hostname to <deb12>'))).toBe(true);
    expect(lastLines(lines).at(-1)).toBe(`deb12 login: ${CURSOR}`);
    expect(lines.join('')).not.toContain('?');
  });

  it('echoes "root", answers Return with Password:, and records every key', async () => {
    const display = textConsole();
    const seen: InputEvent[] = [];
    display.onInput((e) => seen.push(e));
    const c = await rfbClient(display);
    c.type('root', true);
    const lines = await screenUntil(c, (l) => l.some((row) => row.startsWith('Password:')));
    expect(lastLines(lines)).toEqual(['deb12 login: root', `Password: ${CURSOR}`]);
    expect(readScreen(snapshot(display).rgba, 640)).toEqual(lines);
    const keys = display.input.map((e) => (e.type === 'key' ? [e.keysym, e.down] : e.type));
    expect(keys).toEqual([
      ...[...'root'].flatMap((ch) => [
        [ch.charCodeAt(0), true],
        [ch.charCodeAt(0), false],
      ]),
      [RETURN, true],
      [RETURN, false],
    ]);
    expect(seen).toEqual(display.input);
    expect(display.input.every((e) => typeof e.at === 'number' && e.at > 0)).toBe(true);
  });

  it('does not echo the password, then says Login incorrect and prompts again', async () => {
    const display = textConsole();
    const c = await rfbClient(display);
    c.type('root', true);
    c.type('secret', true);
    const lines = await screenUntil(c, (l) => l.includes('Login incorrect'));
    expect(lastLines(lines, 3)).toEqual(['Password:', 'Login incorrect', `deb12 login: ${CURSOR}`]);
    expect(lines.join('\n')).not.toContain('secret');
  });

  it('erases with BackSpace and rings the bell at an empty prompt', async () => {
    const display = textConsole();
    const c = await rfbClient(display);
    c.type('roox');
    c.key(BACKSPACE, true);
    c.key(BACKSPACE, true);
    c.type('ot');
    await screenUntil(c, (l) => lastLines(l).at(-1) === `deb12 login: root${CURSOR}`);
    for (let i = 0; i < 5; i++) c.key(BACKSPACE, true);
    // Four erase the text; the fifth finds the line empty and rings the bell.
    await screenUntil(c, (l) => lastLines(l).at(-1) === `deb12 login: ${CURSOR}`);
    await until(() => c.others.some((m) => m.type === 'bell'), 'a bell');
    expect(c.others.filter((m) => m.type === 'bell')).toHaveLength(1);
  });

  it('moves to the next tab stop on Tab', async () => {
    const display = textConsole();
    const c = await rfbClient(display);
    c.key(0xff09, true);
    c.type('x');
    const lines = await screenUntil(c, (l) => lastLines(l).at(-1)!.includes('x'));
    expect(lastLines(lines).at(-1)).toBe(`deb12 login:    x${CURSOR}`);
  });

  it('scrolls when the screen is full', async () => {
    const display = textConsole();
    const c = await rfbClient(display);
    for (let i = 0; i < 30; i++) c.type('', true);
    const lines = await screenUntil(c, (l) => l.filter((row) => row.startsWith('deb12 login:')).length === 25);
    expect(lines).toHaveLength(25);
    expect(lines.at(-1)).toBe(`deb12 login: ${CURSOR}`);
    expect(lines.join('\n')).not.toContain('Booting');
  });

  it('shows a host console banner for dom0', async () => {
    const display = textConsole('host');
    const c = await rfbClient(display);
    const lines = readScreen(c.rgba, c.width);
    expect(lines[0]).toMatch(/^XCP-ng release/);
    expect(lines).toContain('  Debian 12 (PV)');
    expect(lastLines(lines).at(-1)).toBe(`deb12 login: ${CURSOR}`);
  });

  it('pastes the last ClientCutText on a middle click, as XenCenter does for vncterm', async () => {
    const display = textConsole();
    const c = await rfbClient(display);
    c.cutText('admin');
    c.pointer(0b010, 10, 10);
    c.pointer(0, 10, 10);
    await screenUntil(c, (l) => lastLines(l).at(-1) === `deb12 login: admin${CURSOR}`);
    expect(display.input.map((e) => e.type)).toEqual(['cut-text', 'pointer', 'pointer']);
    expect(display.input[0]).toMatchObject({ type: 'cut-text', text: 'admin' });
  });
});

/** A raw TCP client for the vt100 port. */
class TextClient {
  text = '';
  readonly closed: Promise<void>;
  constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (s: string) => (this.text += s));
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }
  static async connect(port: number): Promise<TextClient> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new TextClient(socket);
  }
  async waitFor(fragment: string): Promise<void> {
    await until(() => this.text.includes(fragment), JSON.stringify(fragment));
  }
}

describe('text console over vt100', () => {
  async function vt100Client(display: GuestDisplay) {
    const l = await listen(display.vt100!);
    cleanups.push(l.stop);
    const c = await TextClient.connect(l.port);
    cleanups.push(() => {
      c.socket.destroy();
    });
    return c;
  }

  it('sends the current screen as CRLF lines, ending at the cursor', async () => {
    const display = textConsole();
    const c = await vt100Client(display);
    await c.waitFor('deb12 login: ');
    expect(c.text).toBe(screenText(display.terminal));
    const lines = c.text.split('\r\n');
    expect(lines[0]).toBe("Booting 'Debian 12 (PV)'");
    expect(lines.at(-1)).toBe('deb12 login: ');
    expect(c.text).not.toMatch(/[^\r]\n/);
  });

  it('echoes typed bytes, shares the screen with RFB, and records the keys', async () => {
    const display = textConsole();
    const rfb = await rfbClient(display);
    const c = await vt100Client(display);
    await c.waitFor('login: ');
    const before = c.text.length;
    c.socket.write('root\r\n');
    await c.waitFor('Password: ');
    expect(c.text.slice(before)).toBe('root\r\nPassword: ');
    await screenUntil(rfb, (l) => lastLines(l).join('|') === `deb12 login: root|Password: ${CURSOR}`);
    const downs = display.input.filter((e) => e.type === 'key' && e.down).map((e) => e.type === 'key' && e.keysym);
    expect(downs).toEqual([0x72, 0x6f, 0x6f, 0x74, RETURN]);
  });

  it('streams output typed on the RFB console, and ignores escape sequences', async () => {
    const display = textConsole();
    const rfb = await rfbClient(display);
    const c = await vt100Client(display);
    await c.waitFor('login: ');
    c.socket.write('\x1b[Aab\x1bOP');
    await c.waitFor('ab');
    rfb.type('c');
    await c.waitFor('abc');
    expect(lastLines(screenLines(display)).at(-1)).toBe('deb12 login: abc');
  });

  it('is closed by close()', async () => {
    const display = textConsole();
    const c = await vt100Client(display);
    await c.waitFor('login: ');
    display.close();
    await c.closed;
  });
});
