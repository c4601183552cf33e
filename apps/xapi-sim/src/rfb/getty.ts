import type { TypedKey } from './keys.ts';
import type { Terminal } from './terminal.ts';

/** Longest line a user can type; further keys ring the bell, as readline does. */
const MAX_INPUT = 128;

/**
 * A deterministic stand-in for agetty + login: `<host> login: `, then `Password: ` (not echoed), then always
 * `Login incorrect` and the prompt again. Enough to prove keystrokes reach the guest and its screen changes.
 */
export class Getty {
  private stage: 'login' | 'password' = 'login';
  /** What was typed on the current line, with the columns each character took on screen (a tab takes several). */
  private typed: { char: string; width: number }[] = [];

  constructor(
    private readonly terminal: Terminal,
    private readonly hostname: string,
  ) {}

  prompt(): void {
    this.stage = 'login';
    this.typed = [];
    this.terminal.write(`${this.hostname} login: `);
  }

  key(key: TypedKey): void {
    switch (key.kind) {
      case 'return':
        return this.submit();
      case 'backspace':
        return this.erase();
      case 'tab':
        return this.insert('\t');
      case 'char':
        return this.insert(key.char);
    }
  }

  private insert(char: string): void {
    if (this.typed.length >= MAX_INPUT) return this.terminal.write('\x07');
    if (this.stage === 'password') {
      this.typed.push({ char, width: 0 });
      return;
    }
    const before = this.terminal.cursor.col;
    this.terminal.write(char);
    const after = this.terminal.cursor.col;
    this.typed.push({ char, width: after > before ? after - before : 1 });
  }

  private erase(): void {
    const last = this.typed.pop();
    if (!last) return this.terminal.write('\x07');
    if (last.width > 0) this.terminal.write('\b \b'.repeat(last.width));
  }

  private submit(): void {
    const line = this.typed.map((t) => t.char).join('');
    this.typed = [];
    this.terminal.write('\n');
    if (this.stage === 'login') {
      if (line.trim() === '') return this.prompt();
      this.stage = 'password';
      this.terminal.write('Password: ');
      return;
    }
    this.terminal.write('\nLogin incorrect\n');
    this.prompt();
  }
}
