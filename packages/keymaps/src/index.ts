export { composeDead, DEAD_KEYS, isDeadKey, type DeadKey } from './dead-keys.ts';
export { DEFAULT_KEYMAP, KEYMAPS, keymapById, readPlatformKeymap, type PlatformKeymap } from './keymaps.ts';
export { charOfKeysym, keyOfNamedKeysym, keysymOfChar, NAMED_KEYS, type NamedKey } from './keysyms.ts';
export {
  Keymap,
  levelOf,
  type KeyLevels,
  type KeySymbol,
  type LayoutTable,
  type Level,
  type Press,
  type WritingKey,
} from './layout.ts';
export { isKeyCode, keyOfScancode, MODIFIER_KEYS, SCANCODES, type KeyCode } from './physical-keys.ts';
export {
  planCharacterTyping,
  planLayoutTyping,
  pressStrokes,
  type KeyStroke,
  type TypingPlan,
  type Untypable,
} from './typing.ts';
