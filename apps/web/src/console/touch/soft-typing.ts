import {
  DEFAULT_KEYMAP,
  NAMED_KEYS,
  planCharacterTyping,
  planLayoutTyping,
  type KeyStroke,
  type NamedKey,
} from '../../shared/keymaps.ts';
import { chord } from '../keysyms.ts';
import { initialLayout, type PasteInput } from '../paste-layout.ts';

/**
 * What the on-screen keyboard sends: text as the guest's key presses (the paste dialog's planner and layout choice),
 * keys by name, and the modifier bar's sticky modifiers around the next key. Pure functions: the touch view feeds
 * them from the hidden text field's events.
 */

export type Modifier = 'ctrl' | 'alt' | 'altgr';

export const MODIFIERS: readonly { readonly id: Modifier; readonly label: string; readonly key: NamedKey }[] = [
  { id: 'ctrl', label: 'Ctrl', key: 'Control_L' },
  { id: 'alt', label: 'Alt', key: 'Alt_L' },
  { id: 'altgr', label: 'AltGr', key: 'ISO_Level3_Shift' },
];

/** The strokes of each typable character of `text`, in the layout the paste dialog would use for this console. */
export function textStrokes(input: PasteInput, text: string): KeyStroke[][] {
  const plan =
    input.kind === 'characters'
      ? planCharacterTyping(text)
      : planLayoutTyping(initialLayout(input.vm, input.platformKeymap).keymap ?? DEFAULT_KEYMAP, text);
  return plan.characters.map((strokes) => [...strokes]);
}

/** The held modifiers pressed around `strokes` (a key or a character), released after it in reverse. */
export function withModifiers(held: readonly Modifier[], strokes: readonly KeyStroke[]): KeyStroke[] {
  const keys = MODIFIERS.filter((m) => held.includes(m.id)).map((m) => NAMED_KEYS[m.key]);
  const down = chord(keys).slice(0, keys.length);
  const up = chord(keys).slice(keys.length);
  return [...down, ...strokes, ...up];
}

/** A named key tapped. */
export function keyStrokes(key: NamedKey): KeyStroke[] {
  return chord([NAMED_KEYS[key]]);
}

/** The browser's `KeyboardEvent.key` of keys that type no text, as the guest's key names. */
const BROWSER_KEYS: Readonly<Record<string, NamedKey>> = {
  Escape: 'Escape',
  Tab: 'Tab',
  Enter: 'Return',
  Backspace: 'BackSpace',
  Delete: 'Delete',
  Insert: 'Insert',
  Home: 'Home',
  End: 'End',
  PageUp: 'Page_Up',
  PageDown: 'Page_Down',
  ArrowLeft: 'Left',
  ArrowUp: 'Up',
  ArrowRight: 'Right',
  ArrowDown: 'Down',
  ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`F${i + 1}`, `F${i + 1}` as NamedKey])),
};

export function namedKeyOf(browserKey: string): NamedKey | undefined {
  return Object.hasOwn(BROWSER_KEYS, browserKey) ? BROWSER_KEYS[browserKey] : undefined;
}

/**
 * How the text field changed between two values, as a guest would have to be told: erase `erase` characters at the
 * end, then type `text`. Autocorrect (a word deleted and retyped, or replaced at once), a finished composition and
 * plain typing all come down to this.
 */
export function textChange(before: string, after: string): { erase: number; text: string } {
  const a = [...before];
  const b = [...after];
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  return { erase: a.length - common, text: b.slice(common).join('') };
}
