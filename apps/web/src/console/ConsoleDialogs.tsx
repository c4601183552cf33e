import { useId, useRef, useState } from 'react';
import { Modal } from '../ui/Modal.tsx';
import { toast } from '../ui/toasts.ts';
import { textToKeystrokes } from './keysyms.ts';

/**
 * Paste as keystrokes: for consoles without a clipboard (a BIOS, an installer, a text console), the text is typed out
 * key by key, with progress and a Stop button for long texts.
 */
export function PasteDialog({
  onClose,
  type,
}: {
  onClose: () => void;
  type: (text: string, onProgress: (done: number, total: number) => void, signal: AbortSignal) => Promise<number>;
}) {
  const [text, setText] = useState('');
  const [progress, setProgress] = useState<{ done: number; total: number } | undefined>();
  const abort = useRef<AbortController | undefined>(undefined);
  const textId = useId();
  const { characters, skipped } = textToKeystrokes(text);

  const start = async () => {
    if (characters.length === 0) return;
    const controller = new AbortController();
    abort.current = controller;
    setProgress({ done: 0, total: characters.length });
    const sent = await type(text, (done, total) => setProgress({ done, total }), controller.signal);
    abort.current = undefined;
    if (sent === characters.length) {
      toast('success', `Typed ${sent} ${sent === 1 ? 'character' : 'characters'}.`);
      onClose();
    } else {
      toast('error', `Stopped after ${sent} of ${characters.length} characters.`);
      setProgress(undefined);
    }
  };

  return (
    <Modal
      title="Paste as keystrokes"
      onClose={() => {
        abort.current?.abort();
        onClose();
      }}
    >
      <label htmlFor={textId}>Text to type into the console</label>
      <textarea
        id={textId}
        className="paste-text"
        rows={8}
        value={text}
        disabled={progress !== undefined}
        onChange={(e) => setText(e.target.value)}
        spellCheck={false}
        autoFocus
      />
      <p className="field-help">
        Each character is sent as a key press; a new line becomes Return. Symbols assume the guest uses a US keyboard
        layout. {characters.length} {characters.length === 1 ? 'key' : 'keys'} to type
        {skipped > 0 ? `; ${skipped} control ${skipped === 1 ? 'character is' : 'characters are'} left out` : ''}.
      </p>
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
          disabled={characters.length === 0 || progress !== undefined}
          onClick={() => void start()}
        >
          Type it
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
