import { Framebuffer } from '@xwc/rfb';
import type { DisplayFactory, GuestDisplay, InputEvent } from '../../apps/xapi-sim/src/consoles/backend.ts';
import { InputLog } from '../../apps/xapi-sim/src/rfb/input-log.ts';
import { CELL_WIDTH, COLUMNS, createDisplayFactory, drawCell, RfbServer } from '../../apps/xapi-sim/src/rfb/index.ts';

/** What the echo line starts with; typed characters follow it. */
export const ECHO_PROMPT = 'typed: ';
const SIZE = { width: COLUMNS * CELL_WIDTH, height: 240 };
/** The moving picture: below the echo line, in tiles of its own. */
const VIDEO = { x: 0, y: 80, w: SIZE.width, h: SIZE.height - 80 };
const BLOCK = 16;
const FRAME_MS = 100;

/**
 * A guest screen that never stops changing, like a video playing (every block of the lower part changes colour every
 * frame), with a line at the top echoing typed keys in the text console's font (so `readScreen` of
 * apps/xapi-sim/test/rfb-ocr.ts reads it back as its first row). Served by the simulator's own RFB server.
 */
export class BusyDisplay implements GuestDisplay {
  readonly rfb: RfbServer;
  private readonly framebuffer = new Framebuffer(SIZE.width, SIZE.height);
  private readonly log = new InputLog();
  private readonly timer: NodeJS.Timeout;
  private frame = 0;
  /** The printable characters typed so far. */
  typed = '';

  constructor(title: string) {
    for (let col = 0; col < COLUMNS; col++) this.drawChar(col, ECHO_PROMPT[col] ?? ' ');
    this.paintFrame();
    this.rfb = new RfbServer({
      framebuffer: this.framebuffer,
      name: title,
      version: '3.8',
      onInput: (event) => this.receive(event),
    });
    this.timer = setInterval(() => this.paintFrame(), FRAME_MS).unref();
  }

  get input(): readonly InputEvent[] {
    return this.log.events;
  }

  onInput(listener: (event: InputEvent) => void): () => void {
    return this.log.onInput(listener);
  }

  setClipboard(text: string): void {
    this.rfb.setClipboard(text);
  }

  close(): void {
    clearInterval(this.timer);
    this.rfb.close();
    this.log.clearListeners();
  }

  private receive(event: InputEvent): void {
    this.log.record(event);
    if (event.type !== 'key' || !event.down || event.keysym < 0x20 || event.keysym > 0x7e) return;
    const col = ECHO_PROMPT.length + this.typed.length;
    if (col >= COLUMNS) return;
    this.typed += String.fromCharCode(event.keysym);
    this.drawChar(col, this.typed.at(-1)!);
  }

  private drawChar(col: number, char: string): void {
    drawCell(this.framebuffer, col * CELL_WIDTH, 0, char, false);
  }

  private paintFrame(): void {
    const frame = this.frame++;
    for (let y = VIDEO.y; y < VIDEO.y + VIDEO.h; y += BLOCK) {
      for (let x = VIDEO.x; x < VIDEO.x + VIDEO.w; x += BLOCK) {
        const colour = ((x * 7919 + y * 104_729 + frame * 2_654_435_761) >>> 0) & 0xffffff;
        this.framebuffer.fillRect(x, y, BLOCK, BLOCK, colour);
      }
    }
  }
}

/** The simulator's displays, with a BusyDisplay for the HVM guest named `name`. */
export function withBusyDisplay(name: string): DisplayFactory {
  const factory = createDisplayFactory();
  return {
    ...factory,
    desktop: (options) => (options.title === name ? new BusyDisplay(name) : factory.desktop(options)),
  };
}
