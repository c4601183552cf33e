import { composeDead, levelOf, MODIFIER_KEYS, type DeadKey, type KeyCode, type Keymap } from '@xwc/keymaps';

/** What a key press did in the guest: typed text, erased a character, or was a key that types nothing. */
export type GuestInput =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'erase' }
  | { readonly kind: 'key'; readonly name: string };

const MODIFIERS = new Set<KeyCode>(Object.values(MODIFIER_KEYS).flat());

/**
 * A guest OS's keyboard driver with one layout, as an X11 desktop behaves: scan codes in, characters out. Shift and
 * Caps Lock choose the case, AltGr (right Alt, on layouts that have it) the third and fourth levels; a dead key waits
 * for the next character and composes with it, or cancels when the pair makes nothing; a key pressed with Ctrl, Alt
 * or the Windows key is a shortcut, not text.
 */
export class GuestKeyboard {
  private readonly held = new Set<KeyCode>();
  private capsLock = false;
  private dead: DeadKey | undefined;

  constructor(readonly keymap: Keymap) {}

  /** A physical key went down or up (a repeated down is a repeated key). */
  key(code: KeyCode, down: boolean): GuestInput | undefined {
    if (!down) {
      this.held.delete(code);
      return undefined;
    }
    this.held.add(code);
    if (code === 'CapsLock') this.capsLock = !this.capsLock;
    if (MODIFIERS.has(code) || code === 'CapsLock') return undefined;
    const shortcut = this.shortcutModifiers();
    if (shortcut) {
      this.dead = undefined;
      return { kind: 'key', name: `${shortcut}+${code}` };
    }
    if (code === 'Backspace') return { kind: 'erase' };
    const shift = this.isHeld('shift') !== (this.capsLock && this.keymap.alphabetic(code));
    const symbol = this.keymap.symbol(code, levelOf(shift, this.altGr()));
    if (!symbol) return { kind: 'key', name: code };
    if (symbol.kind === 'dead') {
      // A second dead key replaces the first: pairs of dead keys compose nothing here.
      this.dead = symbol.dead;
      return undefined;
    }
    const dead = this.dead;
    this.dead = undefined;
    if (!dead) return { kind: 'text', text: symbol.char };
    const composed = composeDead(dead, symbol.char);
    return composed === undefined ? undefined : { kind: 'text', text: composed };
  }

  /** Which of Shift and AltGr are held: what QEMU's keysym path looks at to choose among a keysym's keys. */
  get modifiers(): { shift: boolean; altGr: boolean } {
    return { shift: this.isHeld('shift'), altGr: this.altGr() };
  }

  private altGr(): boolean {
    return this.keymap.altGr && this.isHeld('altRight');
  }

  private shortcutModifiers(): string | undefined {
    const names = [
      this.isHeld('control') ? 'Ctrl' : '',
      this.isHeld('alt') || (!this.keymap.altGr && this.isHeld('altRight')) ? 'Alt' : '',
      this.isHeld('meta') ? 'Meta' : '',
    ].filter(Boolean);
    return names.length ? names.join('+') : undefined;
  }

  private isHeld(kind: keyof typeof MODIFIER_KEYS): boolean {
    return MODIFIER_KEYS[kind].some((code) => this.held.has(code));
  }
}
