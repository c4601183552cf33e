/** vncterm's text screen: 80x25 (640x400 in 8x16 cells). */
export const COLUMNS = 80;
export const ROWS = 25;
const TAB_STOP = 8;

/**
 * Screen state of a dumb terminal: a grid of characters and a cursor. Understands `\n` (new line, like a tty with
 * onlcr), `\r`, `\b` (cursor left), `\t` and BEL; wraps at the right margin and scrolls at the bottom.
 * Rendering lives elsewhere (terminal-view.ts, vt100.ts); they learn of changes through the listeners.
 */
export class Terminal {
  readonly columns = COLUMNS;
  readonly rows = ROWS;
  private cells: string[][] = Array.from({ length: ROWS }, () => blankRow());
  private row = 0;
  private col = 0;
  /** Rows changed since the last `takeChangedRows`, so a view need not rescan the whole screen per keystroke. */
  private changedRows = new Set<number>();
  private readonly changeListeners = new Set<() => void>();
  private readonly outputListeners = new Set<(text: string) => void>();
  private readonly bellListeners = new Set<() => void>();

  get cursor(): { row: number; col: number } {
    return { row: this.row, col: this.col };
  }

  charAt(row: number, col: number): string {
    return this.cells[row]?.[col] ?? ' ';
  }

  /** Screen rows with trailing spaces removed. */
  lines(): string[] {
    return this.cells.map((r) => r.join('').trimEnd());
  }

  takeChangedRows(): number[] {
    const rows = [...this.changedRows];
    this.changedRows.clear();
    return rows;
  }

  write(text: string): void {
    for (const char of text) this.put(char);
    for (const l of this.outputListeners) l(text.replace(/\n/g, '\r\n'));
    for (const l of this.changeListeners) l();
  }

  onChange(listener: () => void): () => void {
    return subscribe(this.changeListeners, listener);
  }

  /** Everything written, as a serial line would carry it (`\n` sent as CR LF). */
  onOutput(listener: (text: string) => void): () => void {
    return subscribe(this.outputListeners, listener);
  }

  onBell(listener: () => void): () => void {
    return subscribe(this.bellListeners, listener);
  }

  private put(char: string): void {
    switch (char) {
      case '\n':
        this.col = 0;
        this.lineFeed();
        return;
      case '\r':
        this.col = 0;
        return;
      case '\b':
        this.col = Math.max(0, this.col - 1);
        return;
      case '\t':
        this.col = Math.min(COLUMNS - 1, (Math.floor(this.col / TAB_STOP) + 1) * TAB_STOP);
        return;
      case '\x07':
        for (const l of this.bellListeners) l();
        return;
    }
    if (char < ' ') return;
    this.cells[this.row]![this.col] = char;
    this.changedRows.add(this.row);
    this.col++;
    if (this.col === COLUMNS) {
      this.col = 0;
      this.lineFeed();
    }
  }

  private lineFeed(): void {
    if (this.row < ROWS - 1) {
      this.row++;
      return;
    }
    this.cells.shift();
    this.cells.push(blankRow());
    for (let r = 0; r < ROWS; r++) this.changedRows.add(r);
  }
}

function blankRow(): string[] {
  return new Array<string>(COLUMNS).fill(' ');
}

function subscribe<T>(set: Set<T>, item: T): () => void {
  set.add(item);
  return () => set.delete(item);
}
