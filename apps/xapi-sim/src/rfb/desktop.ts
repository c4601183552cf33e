import type { GuestDisplay, InputEvent } from '../consoles/backend.ts';
import {
  DESKTOP_PATCHES,
  markerPixel,
  markerRect,
  paintClock,
  paintDesktop,
  paintStatusLine,
  type DesktopState,
} from './desktop-scene.ts';
import { Framebuffer, type DamageTracker, type RfbVersion, MAX_CUT_TEXT, intersect, type Rect } from '@xwc/rfb';
import { DEFAULT_KEYMAP, keyOfScancode, readPlatformKeymap, type KeyCode } from '@xwc/keymaps';
import { GuestKeyboard, type GuestInput } from './guest-keyboard.ts';
import { InputLog } from './input-log.ts';
import { QemuKeysyms } from './qemu-keysyms.ts';
import { RfbServer } from './server.ts';
import { snapshotOf, type Snapshot } from './snapshot.ts';

export interface DesktopOptions {
  title: string;
  width?: number;
  height?: number;
  rfbVersion: RfbVersion;
  /** Advance the taskbar clock every second (default true); tests turn it off for fixed pictures. */
  animate?: boolean;
  /** The VM's `platform:keymap`: the guest's keyboard layout, and QEMU's keymap for keysyms (default en-us). */
  keymap?: string;
  /** What the DVD drive holds: an ISO's name, `empty`, or `none` without a drive (default). */
  disc?: string;
}

export const DEFAULT_DESKTOP_WIDTH = 1024;
export const DEFAULT_DESKTOP_HEIGHT = 768;
/** Sizes a client can display and the scene can lay out. */
const MIN_SIZE = { w: 320, h: 240 };
const MAX_SIZE = { w: 4096, h: 4096 };
const TICK_MS = 1000;

const STATUS = { size: 2, pointer: 3, key: 4, keyboard: 5, typed: 6, disc: 7 } as const;
const TYPED_LABEL = 'Typed: ';
/** Characters of the typed line drawn (status lines hold 48 characters at most). */
const TYPED_SHOWN = 40;
/** Typed text kept (the newest); a paste of this many characters is still seen whole. */
export const MAX_TYPED_TEXT = 100_000;

/**
 * A graphical (HVM) guest's screen: a fixed picture with a clock, a pointer marker and a line per kind of input. Its
 * keyboard is QEMU's and a guest OS's: scan codes (QEMU extended key events, XenServer's 254) are read with the VM's
 * layout, keysyms (plain KeyEvents) first become the scan codes of QEMU's keymap, and what that types shows on a
 * "Typed:" line.
 */
export class Desktop implements GuestDisplay {
  readonly rfb: RfbServer;
  readonly vt100 = undefined;
  /** The picture without the pointer marker; `screen` is this plus the marker and is what clients see. */
  private readonly scene: Framebuffer;
  private readonly sceneDamage: DamageTracker;
  private readonly screen: Framebuffer;
  private readonly log = new InputLog();
  private readonly state: DesktopState & { status: string[] };
  private pointer: { x: number; y: number } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly keyboard: GuestKeyboard;
  private readonly keysyms: QemuKeysyms;
  private typed = '';

  constructor(options: DesktopOptions) {
    const width = clamp(options.width ?? DEFAULT_DESKTOP_WIDTH, MIN_SIZE.w, MAX_SIZE.w);
    const height = clamp(options.height ?? DEFAULT_DESKTOP_HEIGHT, MIN_SIZE.h, MAX_SIZE.h);
    const setting = readPlatformKeymap(options.keymap);
    const keymap = setting.kind === 'known' ? setting.keymap : DEFAULT_KEYMAP;
    this.keyboard = new GuestKeyboard(keymap);
    this.keysyms = new QemuKeysyms(keymap);
    const keyboardLine =
      setting.kind === 'unknown'
        ? `Keyboard: ${keymap.id} (no keymap "${setting.value}")`
        : `Keyboard: ${keymap.id} (${keymap.name})`;
    this.state = {
      title: options.title,
      seconds: 0,
      status: [
        options.title,
        'Simulated HVM guest display',
        '',
        'Pointer: none',
        'Last key: none',
        keyboardLine,
        TYPED_LABEL,
        discLine(options.disc ?? 'none'),
      ],
    };
    this.scene = new Framebuffer(width, height);
    this.sceneDamage = this.scene.track(() => undefined);
    this.screen = new Framebuffer(width, height);
    this.paintAll();
    this.rfb = new RfbServer({
      framebuffer: this.screen,
      name: options.title,
      version: options.rfbVersion,
      onInput: (event) => this.receive(event),
    });
    // Unreferenced so a display someone forgot to close cannot keep the process alive; close() still clears it.
    if (options.animate ?? true) this.timer = setInterval(() => this.tick(), TICK_MS).unref();
  }

  get input(): readonly InputEvent[] {
    return this.log.events;
  }

  /** Everything typed since boot (the newest MAX_TYPED_TEXT characters), as the guest's text field holds it. */
  typedText(): string {
    return this.typed;
  }

  /** The guest sees a disc inserted or ejected (`empty`), as its file manager would. */
  showDisc(disc: string): void {
    this.setStatus(STATUS.disc, discLine(disc));
  }

  /** The lines of text in the window, as drawn. */
  statusLines(): readonly string[] {
    return this.state.status;
  }

  get width(): number {
    return this.screen.width;
  }

  get height(): number {
    return this.screen.height;
  }

  onInput(listener: (event: InputEvent) => void): () => void {
    return this.log.onInput(listener);
  }

  setClipboard(text: string): void {
    this.rfb.setClipboard(text.slice(0, MAX_CUT_TEXT));
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.rfb.close();
    this.log.clearListeners();
  }

  snapshot(): Snapshot {
    return snapshotOf(this.screen);
  }

  /** Advances the clock by one second (what the animation timer does). */
  tick(): void {
    this.state.seconds++;
    paintClock(this.scene, this.state.seconds);
    this.present();
  }

  /** Changes the guest's resolution, as a guest driver would; clients that asked for DesktopSize are told. */
  resize(width: number, height: number): void {
    const w = clamp(width, MIN_SIZE.w, MAX_SIZE.w);
    const h = clamp(height, MIN_SIZE.h, MAX_SIZE.h);
    this.scene.resize(w, h);
    this.screen.resize(w, h);
    this.pointer = null;
    this.paintAll();
  }

  private paintAll(): void {
    this.state.status[STATUS.size] = `Resolution: ${this.scene.width}x${this.scene.height}`;
    paintDesktop(this.scene, this.state);
    this.present();
  }

  private setStatus(index: number, text: string): void {
    if (this.state.status[index] === text) return;
    this.state.status[index] = text;
    paintStatusLine(this.scene, index, text);
    this.present();
  }

  private receive(event: InputEvent): void {
    this.log.record(event);
    switch (event.type) {
      case 'pointer':
        this.movePointer(event.x, event.y);
        this.setStatus(STATUS.pointer, `Pointer: ${event.x},${event.y} buttons ${event.mask}`);
        return;
      case 'key': {
        this.setStatus(STATUS.key, `Last key: keysym 0x${hex(event.keysym)} ${event.down ? 'down' : 'up'}`);
        const code = this.keysyms.key(event.keysym, event.down, this.keyboard.modifiers);
        if (code) this.pressKey(code, event.down);
        return;
      }
      case 'scancode': {
        this.setStatus(STATUS.key, `Last key: scancode 0x${hex(event.scancode)} ${event.down ? 'down' : 'up'}`);
        const code = keyOfScancode(event.scancode);
        if (code) this.pressKey(code, event.down);
        return;
      }
      case 'cut-text':
        return;
    }
  }

  private pressKey(code: KeyCode, down: boolean): void {
    const input = this.keyboard.key(code, down);
    if (input) this.type(input);
  }

  private type(input: GuestInput): void {
    if (input.kind === 'key') return;
    const typed = input.kind === 'erase' ? this.typed.slice(0, lastCharAt(this.typed)) : this.typed + input.text;
    this.typed = typed.length > MAX_TYPED_TEXT ? typed.slice(typed.length - MAX_TYPED_TEXT) : typed;
    // The line being typed: the text after the last line break, its end if it is long.
    const line = this.typed.slice(this.typed.lastIndexOf('\n') + 1);
    this.setStatus(STATUS.typed, TYPED_LABEL + [...line].slice(-TYPED_SHOWN).join(''));
  }

  private movePointer(x: number, y: number): void {
    const before = this.pointer;
    this.pointer = { x, y };
    if (before) this.compose(markerRect(before.x, before.y));
    this.compose(markerRect(x, y));
  }

  /** Copies what changed in the scene to the screen. */
  private present(): void {
    for (const r of this.sceneDamage.take(this.scene.bounds)) this.compose(r);
  }

  /** Redraws part of the screen from the scene, with the marker on top. */
  private compose(rect: Rect): void {
    const r = intersect(rect, this.screen.bounds);
    if (!r) return;
    const p = this.pointer;
    this.screen.paint(r.x, r.y, r.w, r.h, (x, y) => (p && markerPixel(x - p.x, y - p.y)) ?? this.scene.getPixel(x, y));
  }
}

export { DESKTOP_PATCHES };

const discLine = (disc: string): string => `DVD drive: ${disc}`;

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.floor(n)));
}

/** Where the last character of `text` starts (a surrogate pair is one character). */
function lastCharAt(text: string): number {
  const end = text.length - 1;
  return end > 0 && /[\uDC00-\uDFFF]/.test(text[end]!) ? end - 1 : Math.max(0, end);
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
