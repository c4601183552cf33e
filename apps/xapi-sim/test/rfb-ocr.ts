/** Reads text back out of a decoded text-console picture by matching each 8x16 cell against the font. */
import { CELL_HEIGHT, CELL_WIDTH, COLUMNS, drawCell, FONT_CHARACTERS, Framebuffer, ROWS } from '../src/rfb/index.ts';

function cellKey(rgba: Uint8Array, width: number, cx: number, cy: number): string {
  let key = '';
  for (let y = 0; y < CELL_HEIGHT; y++) {
    for (let x = 0; x < CELL_WIDTH; x++) {
      const o = ((cy + y) * width + cx + x) * 4;
      key += `${rgba[o]},${rgba[o + 1]},${rgba[o + 2]};`;
    }
  }
  return key;
}

let glyphs: Map<string, string> | null = null;

function glyphTable(): Map<string, string> {
  if (glyphs) return glyphs;
  glyphs = new Map();
  const fb = new Framebuffer(CELL_WIDTH, CELL_HEIGHT);
  for (const char of FONT_CHARACTERS) {
    for (const cursor of [false, true]) {
      drawCell(fb, 0, 0, char, cursor);
      const key = cellKey(fb.rgba(), CELL_WIDTH, 0, 0);
      // A drawn cursor is reported as '█' only where the character under it is a space.
      if (!glyphs.has(key)) glyphs.set(key, cursor && char === ' ' ? '\u2588' : char);
    }
  }
  return glyphs;
}

/** The screen's rows; unrecognised cells read as '?', the cursor on a blank cell as '█'; trailing spaces trimmed. */
export function readScreen(rgba: Uint8Array, width: number): string[] {
  const table = glyphTable();
  const rows: string[] = [];
  for (let row = 0; row < ROWS; row++) {
    let line = '';
    for (let col = 0; col < COLUMNS; col++) {
      line += table.get(cellKey(rgba, width, col * CELL_WIDTH, row * CELL_HEIGHT)) ?? '?';
    }
    rows.push(line.trimEnd());
  }
  return rows;
}
