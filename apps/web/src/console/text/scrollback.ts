import type { IBuffer } from '@xterm/xterm';

/**
 * A terminal's normal buffer (scrollback and screen) as plain text: one line per line the guest printed (rows the
 * terminal wrapped are joined again), trailing blanks and blank lines at the end dropped. What the Download button
 * saves.
 */
export function scrollbackText(buffer: IBuffer): string {
  const lines: string[] = [];
  for (let y = 0; y < buffer.length; y++) {
    const line = buffer.getLine(y);
    if (!line) continue;
    // Untrimmed: a wrapped line may continue with the spaces at the end of the row before.
    const text = line.translateToString(false);
    if (line.isWrapped && lines.length > 0) lines[lines.length - 1] += text;
    else lines.push(text);
  }
  const trimmed = lines.map((l) => l.trimEnd());
  while (trimmed.length > 0 && trimmed[trimmed.length - 1] === '') trimmed.pop();
  return trimmed.length ? `${trimmed.join('\n')}\n` : '';
}
