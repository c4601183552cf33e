import type { Framebuffer } from '@xwc/rfb';

/**
 * What the bench's VNC server (bench/servers/screen.ts) and its viewers (bench/lib/rfb-viewer.ts) agree on: the
 * screen's size, the line where typed keys are echoed, and how a key's sequence number travels there and back.
 */

export const SCREEN = { w: 1024, h: 768 } as const;

/** A typed key is echoed as a text console echoes a character: one 8×16 cell of the bottom line per key. */
export const ECHO = { y: SCREEN.h - 16, cellW: 8, cellH: 16, cells: SCREEN.w / 8 } as const;

/**
 * A key's sequence number rides in its keysym (Unicode keysyms start at 0x01000100, so the engine and any server
 * treat it as an ordinary character) and comes back as the echo cell's colour: 0 is "no key", n + 1 is key n.
 */
const KEYSYM_BASE = 0x01000100;
const MAX_SEQ = 0xfffffe;

export function keysymOf(seq: number): number {
  if (!Number.isInteger(seq) || seq < 0 || seq > MAX_SEQ) throw new RangeError(`key sequence ${seq} out of range`);
  return KEYSYM_BASE + seq;
}

/** The sequence number a keysym carries, or undefined for any other key. */
export function seqOfKeysym(keysym: number): number | undefined {
  const seq = keysym - KEYSYM_BASE;
  return seq >= 0 && seq <= MAX_SEQ ? seq : undefined;
}

export const colourOf = (seq: number): number => seq + 1;

/** Where key `seq` is echoed: cells are reused every ECHO.cells keys, each carrying the newest key's number. */
export function echoCell(seq: number): { x: number; y: number; w: number; h: number } {
  return { x: (seq % ECHO.cells) * ECHO.cellW, y: ECHO.y, w: ECHO.cellW, h: ECHO.cellH };
}

/** The key numbers the echo line shows now (one per cell that has echoed a key). */
export function echoedKeys(fb: Framebuffer): number[] {
  const out: number[] = [];
  if (fb.width !== SCREEN.w || fb.height !== SCREEN.h) return out;
  for (let cell = 0; cell < ECHO.cells; cell++) {
    const colour = fb.getPixel(cell * ECHO.cellW + ECHO.cellW / 2, ECHO.y + ECHO.cellH / 2);
    if (colour !== 0) out.push(colour - 1);
  }
  return out;
}
