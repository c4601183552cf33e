import { afterEach, describe, expect, it } from 'vitest';
import {
  isKeyCode,
  KEYMAPS,
  keymapById,
  NAMED_KEYS,
  planLayoutTyping,
  SCANCODES,
  type Keymap,
  type KeyStroke,
} from '@xwc/keymaps';
import { GuestKeyboard } from '../src/rfb/guest-keyboard.ts';
import { createDisplayFactory, Desktop } from '../src/rfb/index.ts';
import { QemuKeysyms } from '../src/rfb/qemu-keysyms.ts';
import { listen, RfbTestClient, until, ENC_QEMU_EXT_KEY, ENC_RAW } from './rfb-client.ts';

/** What the guest types for strokes sent as scan codes (QEMU extended key events). */
function typedByScancodes(keymap: Keymap, strokes: readonly KeyStroke[]): string {
  const guest = new GuestKeyboard(keymap);
  let text = '';
  for (const s of strokes) {
    if (s.code === null || !isKeyCode(s.code)) throw new Error(`no key for ${JSON.stringify(s)}`);
    const input = guest.key(s.code, s.down);
    if (input?.kind === 'text') text += input.text;
  }
  return text;
}

/** What the guest types for the same strokes sent as keysyms only, through QEMU's `-k` keymap. */
function typedByKeysyms(keymap: Keymap, strokes: readonly KeyStroke[]): string {
  const guest = new GuestKeyboard(keymap);
  const qemu = new QemuKeysyms(keymap);
  let text = '';
  for (const s of strokes) {
    const code = qemu.key(s.keysym, s.down, guest.modifiers);
    if (!code) continue;
    const input = guest.key(code, s.down);
    if (input?.kind === 'text') text += input.text;
  }
  return text;
}

describe.each(KEYMAPS.map((k) => [k.id, k] as const))('%s', (_id, keymap) => {
  const printable = keymap.characters.filter((c) => c !== '\n' && c !== '\t');

  it('types every one of its characters back as itself, by scan code and by keysym', () => {
    expect(printable.length).toBeGreaterThan(90);
    const wrong: string[] = [];
    for (const char of printable) {
      const { characters, untypable } = planLayoutTyping(keymap, char);
      expect(untypable).toEqual([]);
      const strokes = characters.flat();
      if (typedByScancodes(keymap, strokes) !== char) wrong.push(`${char} by scan code`);
      if (typedByKeysyms(keymap, strokes) !== char) wrong.push(`${char} by keysym`);
    }
    expect(wrong).toEqual([]);
  });

  it('types all of them in one go, in order (no modifier or dead key left behind)', () => {
    const text = `${printable.join('')}\n${[...printable].reverse().join('')}\tend`;
    const strokes = planLayoutTyping(keymap, text).characters.flat();
    expect(typedByScancodes(keymap, strokes)).toBe(text);
    expect(typedByKeysyms(keymap, strokes)).toBe(text);
  });
});

describe('the guest keyboard', () => {
  const de = keymapById('de')!;
  const type = (keymap: Keymap, keys: [string, boolean][]) =>
    typedByScancodes(
      keymap,
      keys.map(([code, down]) => ({ keysym: 0, code, down })),
    );

  it('reads the same keys differently on different layouts', () => {
    const keys: [string, boolean][] = [
      ['KeyY', true],
      ['KeyY', false],
      ['Semicolon', true],
      ['Semicolon', false],
    ];
    expect(type(keymapById('en-us')!, keys)).toBe('y;');
    expect(type(de, keys)).toBe('zö');
    expect(type(keymapById('fr')!, keys)).toBe('ym');
  });

  it('treats a key pressed with Ctrl as a shortcut, not text (a Windows browser’s AltGr as Ctrl+Alt is not AltGr)', () => {
    expect(
      type(de, [
        ['ControlLeft', true],
        ['AltRight', true],
        ['KeyQ', true],
        ['KeyQ', false],
        ['AltRight', false],
        ['ControlLeft', false],
      ]),
    ).toBe('');
    expect(
      type(de, [
        ['AltRight', true],
        ['KeyQ', true],
      ]),
    ).toBe('@');
  });

  it('applies Caps Lock to letters only, and cancels a dead key the next letter does not combine with', () => {
    expect(
      type(de, [
        ['CapsLock', true],
        ['CapsLock', false],
        ['BracketLeft', true],
        ['Digit1', true],
        ['Equal', true],
        ['KeyX', true],
        ['KeyE', true],
      ]),
    ).toBe('Ü1E');
  });
});

describe('the desktop of an HVM guest over RFB', () => {
  const factory = createDisplayFactory();
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function desktopWith(keymap: string | undefined, encodings: number[]) {
    const d = factory.desktop({ title: 'HVM', rfbVersion: '3.8', animate: false, keymap });
    if (!(d instanceof Desktop)) throw new Error('not a desktop');
    const l = await listen(d.rfb);
    cleanups.push(() => d.close(), l.stop);
    const c = await RfbTestClient.connect(l.port);
    cleanups.push(() => c.close());
    await c.handshake('3.8');
    c.setEncodings(encodings);
    return { d, c };
  }

  it('reads scan codes with the VM’s platform:keymap and shows what they typed', async () => {
    const { d, c } = await desktopWith('de', [ENC_RAW, ENC_QEMU_EXT_KEY]);
    const acked = await c.update(false);
    expect(acked.some((r) => r.encoding === ENC_QEMU_EXT_KEY)).toBe(true);
    for (const [code, down] of [
      ['BracketLeft', true],
      ['BracketLeft', false],
      ['AltRight', true],
      ['KeyQ', true],
      ['KeyQ', false],
      ['KeyE', true],
      ['KeyE', false],
      ['AltRight', false],
    ] as const)
      c.qemuKey(0, SCANCODES[code], down);
    await until(() => d.typedText() === 'ü@€', 'ü@€ typed');
  });

  it('turns keysyms into the keys of QEMU’s keymap: the modifiers the client sends decide the level', async () => {
    const { d, c } = await desktopWith('de', [ENC_RAW]);
    // AltGr then @ (what a de keyboard sends without extended key events): @.
    c.key(NAMED_KEYS.ISO_Level3_Shift.keysym, true);
    c.key(0x40, true);
    c.key(0x40, false);
    c.key(NAMED_KEYS.ISO_Level3_Shift.keysym, false);
    // A US keyboard's Shift+2 sends Shift and @: QEMU presses Q under Shift, and the German guest types Q.
    c.key(NAMED_KEYS.Shift_L.keysym, true);
    c.key(0x40, true);
    c.key(0x40, false);
    c.key(NAMED_KEYS.Shift_L.keysym, false);
    // A keysym the keymap lacks is dropped.
    c.key(0x1000000 + 0x6771, true);
    c.key(0x1000000 + 0x6771, false);
    c.key(0x61, true);
    c.key(0x61, false);
    await until(() => d.typedText() === '@Qa', '@Qa typed');
  });

  it('falls back to en-us for a keymap it has no table for, and says so on its screen', async () => {
    const { d, c } = await desktopWith('tlh', [ENC_RAW]);
    c.qemuKey(0, SCANCODES.KeyY, true);
    await until(() => d.typedText() === 'y', 'y typed');
    expect(d.statusLines()).toContain('Keyboard: en-us (no keymap "tlh")');
  });
});

describe('a text console (vncterm)', () => {
  it('does not offer QEMU extended key events: its clients send keysyms', async () => {
    const t = createDisplayFactory().textConsole({ kind: 'guest', title: 'pv', hostname: 'pv1', rfbVersion: '3.8' });
    const l = await listen(t.rfb);
    const c = await RfbTestClient.connect(l.port);
    try {
      await c.handshake('3.8');
      c.setEncodings([ENC_RAW, ENC_QEMU_EXT_KEY]);
      expect((await c.update(false)).some((r) => r.encoding === ENC_QEMU_EXT_KEY)).toBe(false);
    } finally {
      c.close();
      t.close();
      await l.stop();
    }
  });
});
