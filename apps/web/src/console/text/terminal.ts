import type { IDisposable, ITerminalOptions, Terminal } from '@xterm/xterm';

/**
 * xterm.js set up for output from a guest that may be hostile: whatever a guest prints changes the terminal and
 * nothing else. xterm.js itself has no clipboard (OSC 52) handling and no linkifier unless an add-on brings them (none
 * is loaded); its title, bell and window-report events do nothing unless listened to (none is); window manipulation
 * (`CSI … t`) is off. What remains is switched off here: OSC 8 hyperlinks, which xterm.js would otherwise offer to
 * open, and the title, clipboard, notification and working-directory sequences, swallowed so that no later handler or
 * add-on ever sees them.
 */

/** Lines kept above the screen: the guest's boot log and more, searchable and downloadable. */
export const SCROLLBACK_LINES = 10_000;

export const FONT_SIZE = { min: 8, max: 32, initial: 14, step: 1 } as const;

/** OSC sequences whose effect would reach outside the terminal element, by number, with what they would reach. */
export const BLOCKED_OSC: Readonly<Record<number, string>> = {
  0: 'window title',
  1: 'window title',
  2: 'window title',
  7: 'working directory',
  8: 'hyperlink',
  9: 'desktop notification',
  52: 'clipboard',
  777: 'desktop notification',
  1337: 'terminal extension',
};

export function terminalOptions(fontSize: number): ITerminalOptions {
  return {
    scrollback: SCROLLBACK_LINES,
    fontSize,
    fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
    cursorBlink: false,
    // A guest printing noise would otherwise flood the browser's console with parser reports.
    logLevel: 'off',
    allowProposedApi: false,
    // Every window operation (report or change position, size, title stack) off, explicitly.
    windowOptions: {},
    // OSC 8 links are swallowed (`disarm`); were one ever made, activating it does nothing.
    linkHandler: { activate: () => undefined },
    // Alt+click would send arrow keys to move the guest's cursor: not a text console's business.
    altClickMovesCursor: false,
    // A guest that turns mouse reporting on still leaves text selectable with the modifier held.
    macOptionClickForcesSelection: true,
    theme: { background: '#101418', foreground: '#d7dde4', selectionBackground: '#3a6ea5' },
  };
}

/** Swallows the OSC sequences in BLOCKED_OSC; `onBlocked` hears of each (for tests, and nothing else). */
export function disarm(terminal: Terminal, onBlocked: (what: string) => void = () => undefined): IDisposable {
  const handlers = Object.entries(BLOCKED_OSC).map(([osc, what]) =>
    terminal.parser.registerOscHandler(Number(osc), () => {
      onBlocked(what);
      return true;
    }),
  );
  return { dispose: () => handlers.forEach((h) => h.dispose()) };
}
