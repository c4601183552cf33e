import { useId, useMemo, useRef, useState } from 'react';
import {
  KEYMAPS,
  keymapById,
  planCharacterTyping,
  planLayoutTyping,
  type Keymap,
  type KeyStroke,
  type TypingPlan,
  type Untypable,
} from '../shared/keymaps.ts';
import { Modal } from '../ui/Modal.tsx';
import { toast } from '../ui/toasts.ts';
import type { TypingOutcome } from './controller.ts';
import { initialLayout, rememberLayout, type PasteInput } from './paste-layout.ts';

/** Longest text typed at once (about a hundred seconds of typing); longer pastes are refused, not cut. */
export const MAX_PASTE_CHARACTERS = 50_000;
/** Untypable characters listed by name; the rest are counted. */
const LISTED_UNTYPABLE = 12;

const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;

/** A character as the list of untypable ones shows it: itself where it is visible, and its code point. */
function describeUntypable({ char, count, codePoint }: Untypable): string {
  const hex = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  const visible = /[\p{L}\p{N}\p{P}\p{S}]/u.test(char);
  return `${visible ? `“${char}” ` : 'control character '}${hex}${count > 1 ? ` ×${count}` : ''}`;
}

type Typer = (
  characters: readonly (readonly KeyStroke[])[],
  onProgress: (done: number, total: number) => void,
  signal: AbortSignal,
  secret: boolean,
) => Promise<TypingOutcome>;

const STOPPED: Record<NonNullable<TypingOutcome['stopped']>, string> = {
  aborted: 'Stopped',
  disconnected: 'The console disconnected',
  stalled: 'The console stopped taking keys',
  secret: 'The gateway could not be told to keep this secret, so nothing was typed',
};

/**
 * Paste as keys: for consoles without a clipboard (a BIOS, an installer, a login prompt), the text is typed key by
 * key in the guest's keyboard layout (an HVM guest) or as characters (a text console). What cannot be typed is listed
 * before anything is sent; typing shows progress and can be stopped; a secret stays out of the audit log and any
 * recording, and is hidden on screen.
 */
export function PasteDialog({ input, onClose, type }: { input: PasteInput; onClose: () => void; type: Typer }) {
  const [text, setText] = useState('');
  const [secret, setSecret] = useState(false);
  const [start] = useState(() => (input.kind === 'layout' ? initialLayout(input.vm, input.platformKeymap) : undefined));
  const [keymap, setKeymap] = useState<Keymap | undefined>(start?.keymap);
  const [progress, setProgress] = useState<{ done: number; total: number } | undefined>();
  const abort = useRef<AbortController | undefined>(undefined);
  const textId = useId();
  const layoutId = useId();
  const helpId = useId();

  // Counting code points of a huge paste is cheap; planning it is not, and it is refused anyway.
  const length = text.length > MAX_PASTE_CHARACTERS * 2 ? text.length : [...text].length;
  const tooLong = length > MAX_PASTE_CHARACTERS;
  const plan: TypingPlan | undefined = useMemo(() => {
    if (tooLong) return undefined;
    if (input.kind === 'characters') return planCharacterTyping(text);
    return keymap ? planLayoutTyping(keymap, text) : undefined;
  }, [input.kind, keymap, text, tooLong]);
  const count = plan?.characters.length ?? 0;
  const untypable = plan?.untypable ?? [];
  const left = untypable.reduce((sum, u) => sum + u.count, 0);
  const where = input.kind === 'characters' ? 'this text console' : (keymap?.name ?? '');

  const run = async () => {
    if (!plan || count === 0) return;
    const controller = new AbortController();
    abort.current = controller;
    setProgress({ done: 0, total: count });
    const outcome = await type(
      plan.characters,
      (done, total) => setProgress({ done, total }),
      controller.signal,
      secret,
    );
    abort.current = undefined;
    if (secret) setText('');
    if (!outcome.stopped) {
      toast('success', `Typed ${plural(outcome.sent, 'character', 'characters')}.`);
      onClose();
    } else {
      toast(
        'error',
        `${STOPPED[outcome.stopped]} after ${outcome.sent.toLocaleString('en-GB')} of ${plural(count, 'character', 'characters')}.`,
      );
      setProgress(undefined);
    }
  };

  return (
    <Modal
      title="Paste as keys"
      onClose={() => {
        abort.current?.abort();
        onClose();
      }}
    >
      <label htmlFor={textId}>Text to type into the console</label>
      <textarea
        id={textId}
        className={`paste-text${secret ? ' secret' : ''}`}
        rows={8}
        value={text}
        disabled={progress !== undefined}
        onChange={(e) => setText(e.target.value)}
        spellCheck={false}
        autoComplete="off"
        aria-describedby={helpId}
        autoFocus
      />
      {input.kind === 'layout' ? (
        <div className="paste-layout">
          <label htmlFor={layoutId}>Guest keyboard layout</label>
          <select
            id={layoutId}
            value={keymap?.id ?? ''}
            disabled={progress !== undefined}
            onChange={(e) => {
              const chosen = keymapById(e.target.value);
              setKeymap(chosen);
              if (chosen) rememberLayout(input.vm, chosen);
            }}
          >
            {keymap ? null : <option value="">Choose…</option>}
            {KEYMAPS.map((k) => (
              <option key={k.id} value={k.id}>
                {k.name} ({k.id})
              </option>
            ))}
          </select>
          <p className="field-help">
            {keymap === start?.keymap ? start?.why : 'Remembered for this VM.'} The text is typed as this layout’s key
            presses (with Shift, AltGr and accent keys where it needs them), whatever your own keyboard is.
          </p>
        </div>
      ) : (
        <p className="field-help">
          A text console reads characters, whatever the keyboard layout: letters of Latin-1 are sent as they are.
        </p>
      )}
      <label className="checkbox-line">
        <input
          type="checkbox"
          checked={secret}
          disabled={progress !== undefined}
          onChange={(e) => setSecret(e.target.checked)}
        />{' '}
        Secret (a passphrase): hide it here, and keep it out of the audit log and any recording
      </label>
      <p id={helpId} className="field-help">
        {tooLong
          ? ''
          : `${plural(count, 'character', 'characters')} to type; a new line becomes Return. You can stop at any time.`}
      </p>
      {tooLong ? (
        <p className="form-error" role="alert">
          The text has {plural(length, 'character', 'characters')}; at most{' '}
          {MAX_PASTE_CHARACTERS.toLocaleString('en-GB')} can be typed at once. Paste it in parts.
        </p>
      ) : null}
      {left > 0 ? (
        <div className="callout callout-warning" role="alert">
          {plural(left, 'character', 'characters')} cannot be typed on {where} and will be left out:
          <ul className="untypable-list">
            {untypable.slice(0, LISTED_UNTYPABLE).map((u) => (
              <li key={u.char}>{secret ? `${plural(u.count, 'character', 'characters')}` : describeUntypable(u)}</li>
            ))}
            {untypable.length > LISTED_UNTYPABLE ? <li>and {untypable.length - LISTED_UNTYPABLE} more</li> : null}
          </ul>
        </div>
      ) : null}
      {progress ? (
        <div className="progress-line" role="status">
          <progress max={progress.total} value={progress.done} aria-label="Typing progress" />
          <span>
            {progress.done} / {progress.total}
          </span>
        </div>
      ) : null}
      <div className="dialog-actions">
        {progress ? (
          <button type="button" onClick={() => abort.current?.abort()}>
            Stop
          </button>
        ) : (
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        )}
        <button
          type="button"
          className="primary"
          disabled={count === 0 || progress !== undefined}
          onClick={() => void run()}
        >
          {left > 0 ? 'Leave them out and type the rest' : 'Type it'}
        </button>
      </div>
    </Modal>
  );
}

/** The clipboard panel: what the VM put on its clipboard (inert text, with Copy) and text to send to its clipboard. */
export function ClipboardPanel({
  text,
  connected,
  onSend,
  onClose,
}: {
  text: string | undefined;
  connected: boolean;
  onSend: (text: string) => void;
  onClose: () => void;
}) {
  const [outgoing, setOutgoing] = useState('');
  const fromId = useId();
  const toId = useId();
  const fromRef = useRef<HTMLTextAreaElement>(null);
  const copy = async () => {
    if (text === undefined) return;
    try {
      // The asynchronous clipboard needs a secure context (HTTPS or localhost).
      if (!navigator.clipboard) throw new Error('no clipboard API');
      await navigator.clipboard.writeText(text);
      toast('success', 'Copied to your clipboard.');
    } catch {
      const area = fromRef.current;
      area?.focus();
      area?.select();
      const copied = area !== null && document.execCommand('copy');
      if (copied) toast('success', 'Copied to your clipboard.');
      else toast('error', 'The browser refused clipboard access; the text is selected: press Ctrl+C.');
    }
  };
  return (
    <section className="clipboard-panel" aria-label="Clipboard">
      <div className="clipboard-column">
        <label htmlFor={fromId}>From the VM</label>
        <textarea
          id={fromId}
          ref={fromRef}
          readOnly
          rows={3}
          value={text ?? ''}
          placeholder="Nothing yet: text the VM copies appears here."
          className="clipboard-from"
        />
        <button type="button" disabled={text === undefined || text === ''} onClick={() => void copy()}>
          Copy
        </button>
      </div>
      <div className="clipboard-column">
        <label htmlFor={toId}>To the VM’s clipboard</label>
        <textarea id={toId} rows={3} value={outgoing} onChange={(e) => setOutgoing(e.target.value)} />
        <button type="button" disabled={!connected || outgoing === ''} onClick={() => onSend(outgoing)}>
          Send
        </button>
      </div>
      <button
        type="button"
        className="icon-button clipboard-close"
        aria-label="Close the clipboard panel"
        onClick={onClose}
      >
        ×
      </button>
    </section>
  );
}
