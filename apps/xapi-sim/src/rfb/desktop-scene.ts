import { CELL_HEIGHT, drawText, textWidth } from './font.ts';
import type { Colour, Framebuffer, Rect } from '@xwc/rfb';

/** Solid colour patches at fixed coordinates, so a client's decoded picture can be checked pixel by pixel. */
export const DESKTOP_PATCHES: readonly (Rect & { colour: Colour; name: string })[] = [
  ['red', 0xff0000],
  ['green', 0x00ff00],
  ['blue', 0x0000ff],
  ['white', 0xffffff],
  ['black', 0x000000],
  ['grey', 0x808080],
  ['yellow', 0xffff00],
  ['cyan', 0x00ffff],
  ['magenta', 0xff00ff],
].map(([name, colour], i) => ({ name: name as string, colour: colour as Colour, x: 16 + 40 * i, y: 16, w: 32, h: 32 }));

const TASKBAR_HEIGHT = 32;
const TITLE_BAR_HEIGHT = 24;
const LINE_HEIGHT = 20;
/** Status lines are padded to this many characters so a shorter text fully replaces a longer one. */
const STATUS_CHARS = 48;

const Colours = {
  taskbar: 0x202830,
  startButton: 0x3a6ea5,
  clockFace: 0x101418,
  clockText: 0x7cfc00,
  titleBar: 0x2b5797,
  titleText: 0xffffff,
  windowBody: 0xe0e0e0,
  windowText: 0x000000,
  windowBorder: 0x404040,
} as const;

/** Where things are on a desktop of a given size; all integer pixels. */
export interface DesktopLayout {
  width: number;
  height: number;
  window: Rect;
  clock: Rect;
  statusLine(index: number): { x: number; y: number };
}

export function desktopLayout(width: number, height: number): DesktopLayout {
  const window = {
    x: Math.floor(width * 0.15),
    y: Math.floor(height * 0.15),
    w: Math.floor(width * 0.6),
    h: Math.floor(height * 0.55),
  };
  return {
    width,
    height,
    window,
    clock: { x: width - 88, y: height - TASKBAR_HEIGHT + 4, w: 80, h: TASKBAR_HEIGHT - 8 },
    statusLine: (index) => ({ x: window.x + 16, y: window.y + TITLE_BAR_HEIGHT + 16 + index * LINE_HEIGHT }),
  };
}

/** The variable parts of the picture. */
export interface DesktopState {
  title: string;
  /** Seconds since boot, shown as the taskbar clock. */
  seconds: number;
  /** Lines of text inside the window. */
  status: readonly string[];
}

function gradient(width: number, height: number): (x: number, y: number) => Colour {
  return (x, y) => {
    const r = 0x20 + Math.floor((0x30 * y) / height);
    const g = 0x40 + Math.floor((0x40 * x) / width);
    const b = 0x80 + Math.floor((0x60 * y) / height);
    return (r << 16) | (g << 8) | b;
  };
}

export function formatClock(seconds: number): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(Math.floor(seconds / 3600) % 100)}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}`;
}

/** Paints the whole desktop. */
export function paintDesktop(fb: Framebuffer, state: DesktopState): void {
  const { width, height } = fb;
  const layout = desktopLayout(width, height);
  fb.paint(0, 0, width, height - TASKBAR_HEIGHT, gradient(width, height));
  for (const p of DESKTOP_PATCHES) fb.fillRect(p.x, p.y, p.w, p.h, p.colour);

  fb.fillRect(0, height - TASKBAR_HEIGHT, width, TASKBAR_HEIGHT, Colours.taskbar);
  fb.fillRect(4, height - TASKBAR_HEIGHT + 4, 64, TASKBAR_HEIGHT - 8, Colours.startButton);
  drawText(fb, 16, height - TASKBAR_HEIGHT + 8, 'Start', Colours.titleText, Colours.startButton);

  const w = layout.window;
  fb.fillRect(w.x - 1, w.y - 1, w.w + 2, w.h + 2, Colours.windowBorder);
  fb.fillRect(w.x, w.y, w.w, TITLE_BAR_HEIGHT, Colours.titleBar);
  fb.fillRect(w.x, w.y + TITLE_BAR_HEIGHT, w.w, w.h - TITLE_BAR_HEIGHT, Colours.windowBody);
  const maxTitleChars = Math.max(0, Math.floor((w.w - 16) / textWidth(' ')));
  drawText(
    fb,
    w.x + 8,
    w.y + 4,
    [...state.title].slice(0, maxTitleChars).join(''),
    Colours.titleText,
    Colours.titleBar,
  );

  paintClock(fb, state.seconds);
  state.status.forEach((line, i) => paintStatusLine(fb, i, line));
}

export function paintClock(fb: Framebuffer, seconds: number): void {
  const c = desktopLayout(fb.width, fb.height).clock;
  fb.fillRect(c.x, c.y, c.w, c.h, Colours.clockFace);
  drawText(fb, c.x + 8, c.y + (c.h - CELL_HEIGHT) / 2, formatClock(seconds), Colours.clockText, Colours.clockFace);
}

export function paintStatusLine(fb: Framebuffer, index: number, text: string): void {
  const layout = desktopLayout(fb.width, fb.height);
  const { x, y } = layout.statusLine(index);
  const chars = Math.min(STATUS_CHARS, Math.floor((layout.window.x + layout.window.w - x) / textWidth(' ')));
  drawText(fb, x, y, text.slice(0, chars).padEnd(chars), Colours.windowText, Colours.windowBody);
}

/** The pointer marker: `#` black, `o` white, `.` transparent; centred on the pointer position. */
const MARKER_ART = `
....###....
....#o#....
....#o#....
....#o#....
#####o#####
#ooooooooo#
#####o#####
....#o#....
....#o#....
....#o#....
....###....`;

const MARKER_ROWS = MARKER_ART.split('\n').filter((row) => row.length > 0);
export const MARKER_SIZE = MARKER_ROWS.length;
const MARKER_HALF = Math.floor(MARKER_SIZE / 2);

export function markerRect(x: number, y: number): Rect {
  return { x: x - MARKER_HALF, y: y - MARKER_HALF, w: MARKER_SIZE, h: MARKER_SIZE };
}

/** The marker's colour at offset (dx, dy) from its centre, or null where it is transparent. */
export function markerPixel(dx: number, dy: number): Colour | null {
  const c = MARKER_ROWS[dy + MARKER_HALF]?.[dx + MARKER_HALF];
  if (c === '#') return 0x000000;
  if (c === 'o') return 0xffffff;
  return null;
}
