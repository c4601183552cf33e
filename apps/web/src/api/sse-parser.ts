/**
 * A Server-Sent Events parser (the WHATWG "event stream" format) for text arriving in chunks. Linear in the input:
 * a line split over many chunks is kept as parts and joined once, so a 30 MB snapshot costs one pass, where
 * Chromium's own EventSource takes seconds per megabyte on such a line.
 */

export interface SseEvent {
  readonly type: string;
  readonly data: string;
}

export class SseParser {
  private parts: string[] = [];
  private data: string[] = [];
  private type = '';
  private afterCR = false;

  constructor(
    private readonly onEvent: (event: SseEvent) => void,
    private readonly onRetry: (milliseconds: number) => void = () => {},
  ) {}

  push(chunk: string): void {
    let start = 0;
    // A CR at the end of the last chunk may be the first half of CR LF.
    if (this.afterCR) {
      this.afterCR = false;
      if (chunk.startsWith('\n')) start = 1;
    }
    const eol = /[\r\n]/g;
    eol.lastIndex = start;
    for (let match = eol.exec(chunk); match; match = eol.exec(chunk)) {
      const end = match.index;
      const piece = chunk.slice(start, end);
      const line = this.parts.length === 0 ? piece : this.parts.join('') + piece;
      this.parts = [];
      this.line(line);
      start = end + 1;
      if (chunk[end] === '\r') {
        if (end + 1 === chunk.length) this.afterCR = true;
        else if (chunk[end + 1] === '\n') start = end + 2;
      }
      eol.lastIndex = start;
    }
    if (start < chunk.length) this.parts.push(chunk.slice(start));
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0) this.onEvent({ type: this.type || 'message', data: this.data.join('\n') });
      this.data = [];
      this.type = '';
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.type = value;
        break;
      case 'data':
        this.data.push(value);
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.onRetry(Number(value));
        break;
    }
  }
}
