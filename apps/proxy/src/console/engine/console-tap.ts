import type { ConsoleCloseKind, ConsoleViewer, ControlChange } from '@xwc/contracts';
import type { Framebuffer, InputMessage } from '@xwc/rfb';

/**
 * Something that follows a shared console without being a viewer of it: a recorder, a thumbnail maker. It sees the
 * console's framebuffer and what happens on the console; it never sends anything to the pool. Every hook is optional
 * and must return quickly (it runs on the console's own path); a hook that throws is detached, the console goes on.
 */
export interface ConsoleTap {
  /** The console has a screen (first connection, or a re-attach after a reboot/migration); `framebuffer` is live. */
  attached?(framebuffer: Framebuffer, desktopName: string): void;
  /** The upstream applied a screen update (the framebuffer changed). */
  updated?(framebuffer: Framebuffer): void;
  /** Someone joined or left, or the keyboard changed hands: the whole presence list as viewers see it. */
  presence?(viewers: readonly ConsoleViewer[]): void;
  control?(change: ControlChange): void;
  /** A viewer's input: `forwarded` when it reached the guest (the keyboard holder's), else dropped. */
  input?(viewer: ConsoleViewer, message: InputMessage, forwarded: boolean): void;
  /** A viewer turned secret typing on or off (`secret` command): a recorder keeps nothing of its input meanwhile. */
  secret?(viewer: string, on: boolean): void;
  /** The guest put text on its clipboard. */
  guestClipboard?(text: string): void;
  /** The console ended for good: every viewer gone (`why` undefined), or closed for everyone with that close kind. */
  closed?(why?: ConsoleCloseKind): void;
}
