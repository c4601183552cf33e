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
import { InputLog } from './input-log.ts';
import { RfbServer } from './server.ts';
import { snapshotOf, type Snapshot } from './snapshot.ts';

export interface DesktopOptions {
  title: string;
  width?: number;
  height?: number;
  rfbVersion: RfbVersion;
  /** Advance the taskbar clock every second (default true); tests turn it off for fixed pictures. */
  animate?: boolean;
}

export const DEFAULT_DESKTOP_WIDTH = 1024;
export const DEFAULT_DESKTOP_HEIGHT = 768;
/** Sizes a client can display and the scene can lay out. */
const MIN_SIZE = { w: 320, h: 240 };
const MAX_SIZE = { w: 4096, h: 4096 };
const TICK_MS = 1000;

const STATUS = { size: 2, pointer: 3, key: 4 } as const;

/** A graphical (HVM) guest's screen: a fixed picture with a clock, a pointer marker and a line per kind of input. */
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

  constructor(options: DesktopOptions) {
    const width = clamp(options.width ?? DEFAULT_DESKTOP_WIDTH, MIN_SIZE.w, MAX_SIZE.w);
    const height = clamp(options.height ?? DEFAULT_DESKTOP_HEIGHT, MIN_SIZE.h, MAX_SIZE.h);
    this.state = {
      title: options.title,
      seconds: 0,
      status: [options.title, 'Simulated HVM guest display', '', 'Pointer: none', 'Last key: none'],
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
      case 'key':
        this.setStatus(STATUS.key, `Last key: keysym 0x${hex(event.keysym)} ${event.down ? 'down' : 'up'}`);
        return;
      case 'scancode':
        this.setStatus(STATUS.key, `Last key: scancode 0x${hex(event.scancode)} ${event.down ? 'down' : 'up'}`);
        return;
      case 'cut-text':
        return;
    }
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

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.floor(n)));
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
