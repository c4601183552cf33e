import { useEffect, useId, useRef, useState } from 'react';
import { describeError, request } from '../api/http.ts';
import type { MessageRec, WireClass } from '../api/wire.ts';
import { roleAtLeast, ROLE_LABELS, type Role } from '../shared/roles.ts';
import { cache } from '../store/cache.ts';
import { useClassVersion } from '../store/hooks.ts';
import { toast } from '../ui/toasts.ts';
import { DISMISS_ROLE, severityOf, sortedAlerts, titleOf } from './alerts.ts';

/** The wire classes a message's `cls` names, to show the object it is about. */
const SUBJECT_CLASS: Readonly<Record<string, WireClass>> = {
  VM: 'vm',
  Host: 'host',
  Pool: 'pool',
  SR: 'sr',
  VDI: 'vdi',
};

function subjectOf(message: MessageRec): string {
  const cls = SUBJECT_CLASS[message.cls];
  const record = cls ? cache.getAny(cls, message.obj_uuid) : undefined;
  const name = typeof record?.name_label === 'string' && record.name_label !== '' ? record.name_label : undefined;
  return `${message.cls}${name ? ` ${name}` : ''}`;
}

/**
 * The pool's alerts (XAPI messages) behind a header button with their count, newest first; each can be dismissed
 * (`message.destroy`) by a pool operator or above — other roles see why not — and disappears for everyone once the
 * pool's event stream reports it gone.
 */
export function Notifications({ role }: { role: Role }) {
  useClassVersion('message');
  const [open, setOpen] = useState(false);
  const [dismissing, setDismissing] = useState<ReadonlySet<string>>(new Set());
  const panelId = useId();
  const rootRef = useRef<HTMLDivElement>(null);
  const alerts = sortedAlerts(cache.all('message').values());
  const denied = roleAtLeast(role, DISMISS_ROLE)
    ? undefined
    : `Dismissing an alert needs the ${ROLE_LABELS[DISMISS_ROLE]} role or higher; you are ${ROLE_LABELS[role]}.`;

  useEffect(() => {
    if (!open) return;
    const onDown = (event: PointerEvent) => {
      if (!rootRef.current?.contains(event.target as Node)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setOpen(false);
    };
    document.addEventListener('pointerdown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  const dismiss = async (message: MessageRec) => {
    setDismissing((s) => new Set(s).add(message.uuid));
    try {
      await request(`/api/objects/message/${encodeURIComponent(message.uuid)}`, { method: 'DELETE' });
    } catch (error) {
      toast('error', `Could not dismiss the alert: ${describeError(error)}`);
    } finally {
      setDismissing((s) => {
        const next = new Set(s);
        next.delete(message.uuid);
        return next;
      });
    }
  };

  return (
    <div className="notifications" ref={rootRef} style={{ position: 'relative' }}>
      <button
        type="button"
        className="header-link"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        onClick={() => setOpen((o) => !o)}
      >
        Alerts{alerts.length > 0 ? ` (${alerts.length})` : ''}
      </button>
      {open ? (
        <section
          id={panelId}
          className="panel notifications-panel"
          aria-label="Alerts"
          style={{
            position: 'absolute',
            right: 0,
            top: '100%',
            zIndex: 20,
            width: 420,
            maxHeight: 480,
            overflow: 'auto',
          }}
        >
          {alerts.length === 0 ? <p className="muted">No alerts.</p> : null}
          <ul style={{ listStyle: 'none', margin: 0, padding: 0 }}>
            {alerts.map((message) => (
              <li key={message.uuid} className="notification" aria-label={titleOf(message.name)}>
                <strong>{titleOf(message.name)}</strong>{' '}
                <span className="muted">
                  {severityOf(message.priority)} · {subjectOf(message)} ·{' '}
                  <time dateTime={message.timestamp}>{new Date(message.timestamp).toLocaleString()}</time>
                </span>
                <p style={{ margin: '4px 0' }}>{message.body}</p>
                {/* Disabled buttons get no hover in every browser: the wrapper carries the reason. */}
                <span title={denied}>
                  <button
                    type="button"
                    disabled={denied !== undefined || dismissing.has(message.uuid)}
                    onClick={() => void dismiss(message)}
                  >
                    Dismiss
                  </button>
                </span>
              </li>
            ))}
          </ul>
          {denied ? <p className="field-locked">{denied}</p> : null}
        </section>
      ) : null}
    </div>
  );
}
