/** A key as the text console understands it, whatever transport (RFB keysym, vt100 byte) it came from. */
export type TypedKey = { kind: 'char'; char: string } | { kind: 'return' } | { kind: 'backspace' } | { kind: 'tab' };

/** X11 keysyms (X11/keysymdef.h) the text console reacts to. */
export const Keysym = {
  BackSpace: 0xff08,
  Tab: 0xff09,
  Return: 0xff0d,
  KP_Enter: 0xff8d,
} as const;

const SPECIAL: ReadonlyMap<number, TypedKey> = new Map<number, TypedKey>([
  [Keysym.BackSpace, { kind: 'backspace' }],
  [Keysym.Tab, { kind: 'tab' }],
  [Keysym.Return, { kind: 'return' }],
  [Keysym.KP_Enter, { kind: 'return' }],
]);

/** Latin-1 keysyms equal their code point (0x20-0x7e, 0xa0-0xff); other keys (modifiers, arrows, F-keys) are ignored. */
export function keysymToKey(keysym: number): TypedKey | null {
  if ((keysym >= 0x20 && keysym <= 0x7e) || (keysym >= 0xa0 && keysym <= 0xff)) {
    return { kind: 'char', char: String.fromCharCode(keysym) };
  }
  return SPECIAL.get(keysym) ?? null;
}

export function keyToKeysym(key: TypedKey): number {
  switch (key.kind) {
    case 'char':
      return key.char.charCodeAt(0);
    case 'return':
      return Keysym.Return;
    case 'backspace':
      return Keysym.BackSpace;
    case 'tab':
      return Keysym.Tab;
  }
}

/** Typed characters of a pasted or streamed text: newlines are Return, CR LF counts once; other controls are dropped. */
export function textToKeys(text: string): TypedKey[] {
  const keys: TypedKey[] = [];
  let lastWasCR = false;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === '\n' && lastWasCR) {
      lastWasCR = false;
      continue;
    }
    lastWasCR = char === '\r';
    if (char === '\r' || char === '\n') keys.push({ kind: 'return' });
    else if (char === '\t') keys.push({ kind: 'tab' });
    else if (code === 0x7f || code === 0x08) keys.push({ kind: 'backspace' });
    else if ((code >= 0x20 && code < 0x7f) || (code >= 0xa0 && code <= 0xff)) keys.push({ kind: 'char', char });
  }
  return keys;
}
