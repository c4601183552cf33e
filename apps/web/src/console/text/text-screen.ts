import type RFB from '@novnc/novnc';
import type { IDisposable, Terminal } from '@xterm/xterm';
import type { EarlyChannel } from '../channel.ts';
import { keyboardHolder, type ConsolePresence } from '../presence.ts';

/**
 * The text view reuses ConsoleController — following the VM, reconnecting, presence and keyboard commands, close
 * codes — by giving it this screen where the graphical view gives it noVNC's RFB: the same constructor, events and
 * members the controller uses, over an xterm.js terminal that outlives each connection (its scrollback survives
 * reconnects).
 *
 * - Binary frames are console output, written to the terminal. The first one (possibly empty: the recent output)
 *   says the console is live at the host: the `connect` event, as noVNC fires it after the RFB handshake.
 * - What the user types, pastes or dictates is sent as UTF-8 bytes. The terminal's own answers to the guest's queries
 *   (cursor position, device attributes) go only from the keyboard holder: from anyone else they would claim a free
 *   keyboard nobody asked for, or keep an idle follower's console alive.
 */

/** Whether this viewer's input reaches the guest: it holds the keyboard, nobody does, someone else does, or it watches. */
export type TypingRole = 'holder' | 'free' | 'follower' | 'watching';

export function typingRole(presence: ConsolePresence | undefined, viewOnly: boolean): TypingRole {
  if (viewOnly) return 'watching';
  const holder = presence ? keyboardHolder(presence) : undefined;
  if (!holder) return 'free';
  return holder.id === presence?.me ? 'holder' : 'follower';
}

export interface TextScreenOptions {
  readonly terminal: Terminal;
  readonly typing: () => TypingRole;
  /** The user typed while someone else has the keyboard: nothing was sent (the view says why). */
  readonly onFollowerInput: () => void;
}

/** Input events the user makes, and how long after one the terminal's data counts as theirs. */
const USER_EVENTS = ['keydown', 'paste', 'beforeinput', 'compositionend', 'mousedown', 'wheel'] as const;
const USER_INPUT_WINDOW_MS = 100;

/** Tells the user's own input apart from the terminal's answers to the guest (which follow output, not events). */
class UserIntent {
  private until = 0;

  constructor(element: HTMLElement) {
    const mark = (): void => void (this.until = performance.now() + USER_INPUT_WINDOW_MS);
    for (const type of USER_EVENTS) element.addEventListener(type, mark, true);
  }

  get active(): boolean {
    return performance.now() <= this.until;
  }
}

/** The controller's `loadRfb` for a text view: the screen class of the view's terminal, once it is open. */
export class ScreenLoader {
  private screen: typeof RFB | undefined;

  set(screen: typeof RFB | undefined): void {
    this.screen = screen;
  }

  readonly load = (): Promise<typeof RFB> =>
    this.screen ? Promise.resolve(this.screen) : Promise.reject(new Error('The terminal is not open.'));
}

/** A screen class for ConsoleController's `loadRfb`, bound to one (opened) terminal. */
export function textScreenClass(options: TextScreenOptions): typeof RFB {
  const { terminal, typing, onFollowerInput } = options;
  const intent = new UserIntent(terminal.element!);
  const encoder = new TextEncoder();

  class TextScreen extends EventTarget {
    // Set by the controller as it sets noVNC's; a text console has no pointer, scaling or background to change.
    viewOnly = false;
    scaleViewport = false;
    focusOnClick = true;
    showDotCursor = false;
    background = '';
    private live = false;
    private readonly input: IDisposable[];

    constructor(
      _target: HTMLElement,
      private readonly channel: EarlyChannel,
    ) {
      super();
      channel.onmessage = (event) => this.receive(event);
      this.input = [
        terminal.onData((data) => this.send(encoder.encode(data))),
        // Mouse reports in the legacy encoding: one byte per character.
        terminal.onBinary((data) => this.send(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff))),
      ];
    }

    focus(): void {
      terminal.focus();
    }

    blur(): void {
      terminal.blur();
    }

    disconnect(): void {
      this.channel.onmessage = null;
      for (const handler of this.input) handler.dispose();
      this.channel.close(1000);
    }

    private receive(event: MessageEvent): void {
      terminal.write(new Uint8Array(event.data as ArrayBuffer));
      if (this.live) return;
      this.live = true;
      this.dispatchEvent(new Event('connect'));
    }

    private send(bytes: Uint8Array): void {
      if (!this.live || this.viewOnly || this.channel.readyState !== WebSocket.OPEN) return;
      const role = typing();
      if (role === 'holder' || (role === 'free' && intent.active)) this.channel.send(bytes);
      else if (role === 'follower' && intent.active) onFollowerInput();
    }
  }

  // The controller uses only the members above; the rest of noVNC's surface belongs to the graphical view.
  return TextScreen as unknown as typeof RFB;
}
