import type { DisplayFactory, GuestDisplay } from '../consoles/backend.ts';
import { Desktop } from './desktop.ts';
import { RelayDisplay } from './relay.ts';
import type { Snapshot } from './snapshot.ts';
import { TextConsole } from './text-console.ts';

export { DESKTOP_PATCHES, Desktop, type DesktopOptions } from './desktop.ts';
export { desktopLayout, formatClock } from './desktop-scene.ts';
export { CELL_HEIGHT, CELL_WIDTH, FONT_CHARACTERS } from './font.ts';
export { Framebuffer } from '@xwc/rfb';
export type { RfbVersion } from '@xwc/rfb';
export { Keysym } from './keys.ts';
export { MAX_CUT_TEXT } from '@xwc/rfb';
export { SERVER_PIXEL_FORMAT, type PixelFormat } from '@xwc/rfb';
export { RelayDisplay, type RelayTarget } from './relay.ts';
export { RfbServer } from './server.ts';
export { MAX_RECT_BYTES } from '@xwc/rfb';
export type { Snapshot } from './snapshot.ts';
export { COLUMNS, ROWS } from './terminal.ts';
export { TEXT_BACKGROUND, TEXT_FOREGROUND, drawCell } from './terminal-view.ts';
export { TextConsole, type TextConsoleOptions } from './text-console.ts';
export { screenText } from './vt100.ts';

export function createDisplayFactory(): DisplayFactory {
  return {
    textConsole: (options) => new TextConsole(options),
    desktop: (options) => new Desktop(options),
    relay: (target) => new RelayDisplay(target),
  };
}

/** The current picture of a display made by this factory; relays have none (their screen lives in the real server). */
export function snapshot(display: GuestDisplay): Snapshot {
  if (display instanceof TextConsole || display instanceof Desktop) return display.snapshot();
  throw new Error('this display has no local framebuffer');
}

/** The text rows of a text console's screen, trailing spaces removed. */
export function screenLines(display: GuestDisplay): string[] {
  if (display instanceof TextConsole) return display.screenLines();
  throw new Error('not a text console');
}
