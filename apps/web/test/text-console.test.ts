import { randomBytes } from 'node:crypto';
import { Terminal } from '@xterm/xterm';
import { describe, expect, it } from 'vitest';
import { scrollbackText } from '../src/console/text/scrollback.ts';
import { BLOCKED_OSC, disarm, SCROLLBACK_LINES, terminalOptions } from '../src/console/text/terminal.ts';
import { typingRole } from '../src/console/text/text-screen.ts';
import type { ConsolePresence } from '../src/console/presence.ts';

/** A terminal as the text view makes it (not attached to a page: the parser and buffer are what is tested). */
function terminal(): { term: Terminal; blocked: string[]; titles: string[] } {
  const term = new Terminal(terminalOptions(14));
  const blocked: string[] = [];
  const titles: string[] = [];
  disarm(term, (what) => blocked.push(what));
  term.onTitleChange((title) => titles.push(title));
  return { term, blocked, titles };
}

const write = (term: Terminal, data: string | Uint8Array): Promise<void> =>
  new Promise((resolve) => term.write(data, resolve));

const screen = (term: Terminal): string => scrollbackText(term.buffer.active);

describe('terminal safety', () => {
  it('keeps window operations, proposed APIs and link opening off', () => {
    const options = terminalOptions(14);
    expect(options.allowProposedApi).toBe(false);
    expect(Object.values(options.windowOptions ?? {}).some(Boolean)).toBe(false);
    // Were an OSC 8 link ever made, activating it must not open anything (there is no window here to open).
    expect(() =>
      options.linkHandler!.activate(new Event('click') as MouseEvent, 'https://evil.example', {} as never),
    ).not.toThrow();
    expect(options.scrollback).toBeGreaterThanOrEqual(10_000);
  });

  it('swallows title, hyperlink and clipboard sequences and prints the text around them', async () => {
    const { term, blocked, titles } = terminal();
    await write(
      term,
      'a\x1b]0;pwned\x07b\x1b]2;pwned\x1b\\c' +
        '\x1b]8;;https://evil.example/\x07click me\x1b]8;;\x07 ' +
        '\x1b]52;c;cm0gLXJmIC8K\x07d\x1b]9;notify\x07e\x1b]777;notify;x;y\x07f\x1b]7;file:///etc\x07g',
    );
    expect(titles).toEqual([]);
    expect(blocked).toEqual([
      'window title',
      'window title',
      'hyperlink',
      'hyperlink',
      'clipboard',
      'desktop notification',
      'desktop notification',
      'working directory',
    ]);
    expect(screen(term)).toBe('abcclick me defg\n');
  });

  it('blocks every sequence it lists', async () => {
    for (const osc of Object.keys(BLOCKED_OSC)) {
      const { term, blocked } = terminal();
      await write(term, `\x1b]${osc};x\x07`);
      expect(blocked).toEqual([BLOCKED_OSC[Number(osc)]]);
    }
  });

  it('keeps working after a megabyte of random bytes', async () => {
    const { term } = terminal();
    await write(term, randomBytes(1024 * 1024));
    // CAN ends any sequence left open, a reset clears the modes the noise set: the terminal then prints as before.
    await write(term, '\x18\x1bc\r\nstill working\r\n');
    expect(screen(term)).toContain('still working');
  });
});

describe('scrollback', () => {
  it('keeps at least 10,000 lines and saves them as plain text', async () => {
    const { term } = terminal();
    const lines = Array.from({ length: 12_000 }, (_, i) => `line ${i}`);
    await write(term, `${lines.join('\r\n')}\r\n`);
    const text = scrollbackText(term.buffer.normal);
    const kept = text.trimEnd().split('\n');
    expect(kept.length).toBeGreaterThanOrEqual(SCROLLBACK_LINES);
    expect(kept.at(-1)).toBe('line 11999');
    expect(kept).toContain(`line ${12_000 - SCROLLBACK_LINES}`);
  });

  it('joins rows the terminal wrapped, and drops colours and trailing blanks', async () => {
    const { term } = terminal();
    const long = `${'x'.repeat(79)} and more`;
    await write(term, `\x1b[31mred\x1b[0m   \r\n${long}\r\n\r\n\r\n`);
    expect(scrollbackText(term.buffer.normal)).toBe(`red\n${long}\n`);
  });
});

describe('who may type', () => {
  const presence = (me: string, holder?: string): ConsolePresence => ({
    me,
    canControl: true,
    canTake: false,
    viewers: ['a', 'b'].map((id) => ({
      id,
      user: id,
      role: 'vm-admin',
      since: new Date(0).toISOString(),
      viewOnly: false,
      keyboard: id === holder,
      remote: false,
    })),
    requests: [],
    upstream: 'live',
  });

  it('sends as the holder, claims a free keyboard, stays quiet as a follower or watcher', () => {
    expect(typingRole(presence('a', 'a'), false)).toBe('holder');
    expect(typingRole(presence('a'), false)).toBe('free');
    expect(typingRole(undefined, false)).toBe('free');
    expect(typingRole(presence('a', 'b'), false)).toBe('follower');
    expect(typingRole(presence('a', 'a'), true)).toBe('watching');
  });
});
