import { useEffect, useId, useRef, type ReactNode } from 'react';

/**
 * A modal on the native <dialog>: the browser traps focus, makes the page underneath inert and restores focus on
 * close. Nothing underneath is unmounted, so unsaved forms stay as they were.
 */
export function Modal({
  title,
  onClose,
  children,
  dismissable = true,
  className,
}: {
  title: string;
  /** Called for Esc and the close button; absent (or not dismissable) for dialogs that need an answer. */
  onClose?: () => void;
  children: ReactNode;
  dismissable?: boolean;
  className?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (!dialog.open) dialog.showModal();
    return () => dialog.close();
  }, []);

  return (
    <dialog
      ref={ref}
      className={`modal${className ? ` ${className}` : ''}`}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        if (dismissable) onClose?.();
      }}
    >
      <header className="modal-header">
        <h2 id={titleId}>{title}</h2>
        {dismissable && onClose ? (
          <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
            ×
          </button>
        ) : null}
      </header>
      <div className="modal-body">{children}</div>
    </dialog>
  );
}

/** A yes/no question in a modal. */
export function ConfirmDialog({
  title,
  message,
  confirmLabel,
  danger,
  onConfirm,
  onCancel,
}: {
  title: string;
  message: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <Modal title={title} onClose={onCancel}>
      <div className="confirm-message">{message}</div>
      <div className="dialog-actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button
          type="button"
          className={danger ? 'danger' : 'primary'}
          // The confirming action gets focus so Enter confirms, as in XenCenter's message boxes.
          autoFocus
          onClick={onConfirm}
        >
          {confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
