import { keyOfNamedKeysym, type KeyCode, type Keymap } from '@xwc/keymaps';

/**
 * QEMU's keysym path (`-k <keymap>`), for clients that send plain KeyEvents: each keysym becomes the scan code of
 * the key that has it in the VM's keymap, whatever the modifiers, which the guest then reads with its own layout.
 * A keysym on several keys picks the one whose level matches the modifiers held; a release goes to the key its
 * press chose. A keysym the keymap lacks is dropped, as QEMU does ("no scancode found for keysym").
 */
export class QemuKeysyms {
  private readonly pressed = new Map<number, KeyCode>();

  constructor(private readonly keymap: Keymap) {}

  key(keysym: number, down: boolean, held: { shift: boolean; altGr: boolean }): KeyCode | undefined {
    if (!down) {
      const code = this.pressed.get(keysym);
      this.pressed.delete(keysym);
      return code ?? this.lookup(keysym, held);
    }
    const code = this.lookup(keysym, held);
    if (code) this.pressed.set(keysym, code);
    return code;
  }

  private lookup(keysym: number, held: { shift: boolean; altGr: boolean }): KeyCode | undefined {
    return keyOfNamedKeysym(keysym) ?? this.keymap.keyForKeysym(keysym, held);
  }
}
