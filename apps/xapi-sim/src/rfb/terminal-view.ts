import { CELL_HEIGHT, CELL_WIDTH, drawChar } from './font.ts';
import { Framebuffer, type Colour } from '@xwc/rfb';
import type { Terminal } from './terminal.ts';

/** VGA text-mode light grey on black. */
export const TEXT_FOREGROUND: Colour = 0xaaaaaa;
export const TEXT_BACKGROUND: Colour = 0x000000;

/** The cursor is an underline on the two rows above the cell's bottom spacing, like the VGA default cursor. */
const CURSOR_TOP = CELL_HEIGHT - 3;
const CURSOR_HEIGHT = 2;

/** Draws a Terminal into a framebuffer, redrawing only the cells whose character or cursor state changed. */
export class TerminalView {
  readonly framebuffer: Framebuffer;
  /** What each cell currently shows: its character, plus '|' when the cursor is on it. */
  private readonly shown: string[];
  private readonly unsubscribe: () => void;
  private cursorRow = 0;

  constructor(private readonly terminal: Terminal) {
    this.framebuffer = new Framebuffer(terminal.columns * CELL_WIDTH, terminal.rows * CELL_HEIGHT, TEXT_BACKGROUND);
    this.shown = new Array<string>(terminal.columns * terminal.rows).fill(' ');
    this.unsubscribe = terminal.onChange(() => this.refresh());
    this.refresh();
  }

  dispose(): void {
    this.unsubscribe();
  }

  private refresh(): void {
    const { row: cursorRow } = this.terminal.cursor;
    const rows = new Set([...this.terminal.takeChangedRows(), this.cursorRow, cursorRow]);
    this.cursorRow = cursorRow;
    for (const row of rows) this.refreshRow(row);
  }

  private refreshRow(row: number): void {
    const { row: cursorRow, col: cursorCol } = this.terminal.cursor;
    for (let col = 0; col < this.terminal.columns; col++) {
      const char = this.terminal.charAt(row, col);
      const hasCursor = row === cursorRow && col === cursorCol;
      const state = hasCursor ? `${char}|` : char;
      const i = row * this.terminal.columns + col;
      if (this.shown[i] === state) continue;
      this.shown[i] = state;
      drawCell(this.framebuffer, col * CELL_WIDTH, row * CELL_HEIGHT, char, hasCursor);
    }
  }
}

/** Renders one cell exactly as the view does; tests use it to build expected screens. */
export function drawCell(fb: Framebuffer, x: number, y: number, char: string, cursor: boolean): void {
  drawChar(fb, x, y, char, TEXT_FOREGROUND, TEXT_BACKGROUND);
  if (cursor) fb.fillRect(x, y + CURSOR_TOP, CELL_WIDTH, CURSOR_HEIGHT, TEXT_FOREGROUND);
}
