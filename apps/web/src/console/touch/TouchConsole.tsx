import { useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';
import type { KeyStroke, NamedKey } from '../../shared/keymaps.ts';
import { Glyph } from '../../ui/Icon.tsx';
import { TOUCH, useMedia } from '../../ui/media.ts';
import type { ConsoleController } from '../controller.ts';
import type { PasteInput } from '../paste-layout.ts';
import {
  keyStrokes,
  MODIFIERS,
  namedKeyOf,
  textChange,
  textStrokes,
  withModifiers,
  type Modifier,
} from './soft-typing.ts';
import { TouchView } from './touch-view.ts';
import './touch.css';

/**
 * The console on a phone or tablet: a button that raises the on-screen keyboard (a hidden text field takes its
 * typing), a bar of the keys such keyboards lack with sticky modifiers for the next key, and pinch-zoom and pan over
 * noVNC's own tap, long-press and two-finger gestures (touch-view.ts).
 */

const KEYS: readonly { readonly key: NamedKey; readonly label: string; readonly name?: string }[] = [
  { key: 'Escape', label: 'Esc' },
  { key: 'Tab', label: 'Tab' },
  { key: 'Left', label: '←', name: 'Left arrow' },
  { key: 'Up', label: '↑', name: 'Up arrow' },
  { key: 'Down', label: '↓', name: 'Down arrow' },
  { key: 'Right', label: '→', name: 'Right arrow' },
];
const FUNCTION_KEYS = Array.from({ length: 12 }, (_, i) => `F${i + 1}` as NamedKey);

/** Past this many characters the hidden field starts again (after a line break it always does). */
const FIELD_LIMIT = 200;

export function TouchConsole(props: {
  controller: ConsoleController;
  screen: RefObject<HTMLElement | null>;
  /** Scale to fit (zoom applies) or 1:1 (pan only). */
  fit: boolean;
  enabled: boolean;
  input: PasteInput;
  onCtrlAltDel: () => void;
}) {
  const touch = useMedia(TOUCH);
  return touch ? <TouchControls {...props} /> : null;
}

function TouchControls({ controller, screen, fit, enabled, input, onCtrlAltDel }: Parameters<typeof TouchConsole>[0]) {
  const [held, setHeld] = useState<readonly Modifier[]>([]);
  const [functionKeys, setFunctionKeys] = useState(false);
  const [typing, setTyping] = useState(false);
  const field = useRef<HTMLTextAreaElement>(null);
  const sent = useRef('');
  const composing = useRef(false);
  const fitRef = useRef(fit);
  const view = useRef<TouchView | undefined>(undefined);
  // Read by the field's and the gestures' listeners, which are attached once.
  const latest = useRef({ held, input });
  useLayoutEffect(() => {
    fitRef.current = fit;
    latest.current = { held, input };
  });

  useEffect(() => {
    const element = screen.current;
    if (!element) return;
    const touchView = new TouchView(element, () => fitRef.current);
    view.current = touchView;
    return () => touchView.dispose();
  }, [screen]);
  useEffect(() => {
    if (!fit) view.current?.reset();
  }, [fit]);

  /** Sends one key or character with the held modifiers, which then let go. */
  const send = (strokes: readonly KeyStroke[]) => {
    controller.sendStrokes(withModifiers(latest.current.held, strokes));
    if (latest.current.held.length > 0) setHeld([]);
  };

  const restart = () => {
    sent.current = '';
    if (field.current) field.current.value = '';
  };

  /** The field's text since last sent, to the guest: backspaces for what went, then what came. */
  const sendChange = () => {
    const value = field.current?.value ?? '';
    const { erase, text } = textChange(sent.current, value);
    sent.current = value;
    for (let i = 0; i < erase; i++) send(keyStrokes('BackSpace'));
    for (const strokes of textStrokes(latest.current.input, text)) send(strokes);
    if (value.length > FIELD_LIMIT) restart();
  };

  useEffect(() => {
    const element = field.current;
    if (!element) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.isComposing || composing.current) return;
      const named = namedKeyOf(event.key);
      // Backspace and Delete with text in the field are edits the input event reports (autocorrect follows them).
      const edit = (named === 'BackSpace' || named === 'Delete') && element.value !== '';
      const shortcut = (event.ctrlKey || event.altKey) && !event.getModifierState('AltGraph') && event.key.length === 1;
      if ((!named || edit) && !shortcut) return;
      event.preventDefault();
      const extra: Modifier[] = [
        ...(event.ctrlKey ? ['ctrl' as const] : []),
        ...(event.altKey ? ['alt' as const] : []),
      ];
      const strokes = named ? keyStrokes(named) : (textStrokes(latest.current.input, event.key.toLowerCase())[0] ?? []);
      controller.sendStrokes(withModifiers(extra, withModifiers(latest.current.held, strokes)));
      if (latest.current.held.length > 0) setHeld([]);
      if (named === 'Return') restart();
    };
    const onBeforeInput = (event: InputEvent) => {
      // Backspace in an empty field deletes nothing, so no input event would say so.
      if (event.inputType === 'deleteContentBackward' && element.value === '') {
        event.preventDefault();
        send(keyStrokes('BackSpace'));
      }
    };
    const onInput = (event: Event) => {
      // A composition (IME, or a phone keyboard's word in progress) is sent once finished, not letter by letter.
      if ((event as InputEvent).isComposing || composing.current) return;
      sendChange();
    };
    const onCompositionStart = () => {
      composing.current = true;
    };
    const onCompositionEnd = () => {
      composing.current = false;
      sendChange();
    };
    element.addEventListener('keydown', onKeyDown);
    element.addEventListener('beforeinput', onBeforeInput);
    element.addEventListener('input', onInput);
    element.addEventListener('compositionstart', onCompositionStart);
    element.addEventListener('compositionend', onCompositionEnd);
    return () => {
      element.removeEventListener('keydown', onKeyDown);
      element.removeEventListener('beforeinput', onBeforeInput);
      element.removeEventListener('input', onInput);
      element.removeEventListener('compositionstart', onCompositionStart);
      element.removeEventListener('compositionend', onCompositionEnd);
    };
    // The listeners read what changes through refs.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [controller]);

  const toggle = (modifier: Modifier) =>
    setHeld((current) => (current.includes(modifier) ? current.filter((m) => m !== modifier) : [...current, modifier]));

  return (
    <div
      className="touch-bar"
      role="toolbar"
      aria-label="Touch keys"
      // Tapping a key must not take the focus from the hidden field: the on-screen keyboard would close.
      onMouseDown={(event) => event.preventDefault()}
    >
      <textarea
        ref={field}
        className="touch-field"
        aria-label="Type into the console"
        autoCapitalize="off"
        autoComplete="off"
        spellCheck={false}
        disabled={!enabled}
        onFocus={() => setTyping(true)}
        onBlur={() => setTyping(false)}
      />
      <div className="touch-keys">
        <button
          type="button"
          aria-pressed={typing}
          disabled={!enabled}
          onClick={() => {
            if (typing) field.current?.blur();
            else field.current?.focus({ preventScroll: true });
          }}
        >
          <Glyph name="keyboard" /> Keyboard
        </button>
        {MODIFIERS.map((m) => (
          <button
            key={m.id}
            type="button"
            className="touch-modifier"
            aria-pressed={held.includes(m.id)}
            disabled={!enabled}
            title={`${m.label} for the next key`}
            onClick={() => toggle(m.id)}
          >
            {m.label}
          </button>
        ))}
        {KEYS.map((k) => (
          <button
            key={k.key}
            type="button"
            aria-label={k.name}
            disabled={!enabled}
            onClick={() => send(keyStrokes(k.key))}
          >
            {k.label}
          </button>
        ))}
        <button
          type="button"
          aria-expanded={functionKeys}
          disabled={!enabled}
          onClick={() => setFunctionKeys((shown) => !shown)}
        >
          F1–F12
        </button>
        <button type="button" disabled={!enabled} onClick={onCtrlAltDel}>
          Ctrl+Alt+Del
        </button>
      </div>
      {functionKeys ? (
        <div className="touch-keys" role="group" aria-label="Function keys">
          {FUNCTION_KEYS.map((key) => (
            <button key={key} type="button" disabled={!enabled} onClick={() => send(keyStrokes(key))}>
              {key}
            </button>
          ))}
        </div>
      ) : null}
    </div>
  );
}
