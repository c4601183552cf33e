import type { Duplex } from 'node:stream';
import { TextDecoder } from 'node:util';
import type { ConsoleBackend } from '../consoles/backend.ts';
import { textToKeys, type TypedKey } from './keys.ts';
import type { Terminal } from './terminal.ts';

/** A vt100 client that lets this much output pile up unread is cut off rather than buffered for. */
const MAX_UNSENT_BYTES = 1 << 20;

/**
 * The text port of a text console (dom0's 9500, vncterm's tc-port): the current screen as plain lines on connect,
 * then the terminal's output as it happens. Received bytes are typed into the terminal.
 */
export class Vt100Server implements ConsoleBackend {
  readonly protocol = 'vt100';
  private readonly streams = new Set<Duplex>();
  private closed = false;

  constructor(
    private readonly terminal: Terminal,
    private readonly onKeys: (keys: TypedKey[]) => void,
  ) {}

  serve(stream: Duplex): void {
    if (this.closed) {
      stream.destroy();
      return;
    }
    this.streams.add(stream);
    const decoder = new TextDecoder('utf-8');
    const escapes = new EscapeFilter();
    const send = (text: string) => {
      if (stream.destroyed) return;
      if (stream.writableLength > MAX_UNSENT_BYTES) stream.destroy();
      else stream.write(Buffer.from(text, 'utf8'));
    };
    const unsubscribe = this.terminal.onOutput(send);
    stream.on('data', (chunk: Buffer) => {
      const keys = textToKeys(escapes.filter(decoder.decode(chunk, { stream: true })));
      if (keys.length > 0) this.onKeys(keys);
    });
    const end = () => {
      unsubscribe();
      this.streams.delete(stream);
      stream.destroy();
    };
    stream.on('end', end);
    stream.on('error', end);
    stream.on('close', end);
    send(screenText(this.terminal));
  }

  close(): void {
    this.closed = true;
    for (const s of [...this.streams]) s.destroy();
  }
}

/** The screen up to the cursor: full rows as CRLF-terminated lines, then the cursor's row up to the cursor. */
export function screenText(terminal: Terminal): string {
  const lines = terminal.lines();
  const { row, col } = terminal.cursor;
  const above = lines.slice(0, row).map((l) => `${l}\r\n`);
  return above.join('') + (lines[row] ?? '').padEnd(col).slice(0, col);
}

/**
 * Drops the escape sequences a terminal emulator sends for arrows and function keys (CSI `ESC [ … final`,
 * SS3 `ESC O x`, or `ESC x`); the console has no use for them.
 */
class EscapeFilter {
  private state: 'text' | 'escape' | 'csi' | 'ss3' = 'text';

  filter(text: string): string {
    let out = '';
    for (const char of text) {
      switch (this.state) {
        case 'text':
          if (char === '\x1b') this.state = 'escape';
          else out += char;
          break;
        case 'escape':
          this.state = char === '[' ? 'csi' : char === 'O' ? 'ss3' : 'text';
          break;
        case 'csi':
          if (char >= '@' && char <= '~') this.state = 'text';
          break;
        case 'ss3':
          this.state = 'text';
          break;
      }
    }
    return out;
  }
}
