import { useCallback, useEffect, useId, useState } from 'react';
import { describeError } from '../api/http.ts';
import type { ConsoleKind } from '../navigation/routes.ts';
import type { ShareLinkView } from '../shared/contracts.ts';
import { Glyph } from '../ui/Icon.tsx';
import { Modal } from '../ui/Modal.tsx';
import { toast } from '../ui/toasts.ts';
import { createLink, listLinks, revokeLink, type MadeLink } from './api.ts';
import { clock } from './time.ts';
import './share.css';

/** Lifetimes offered (seconds); the gateway allows 10 s to 24 h. */
const LIFETIMES: readonly [seconds: number, label: string][] = [
  [15 * 60, '15 minutes'],
  [3600, '1 hour'],
  [4 * 3600, '4 hours'],
  [8 * 3600, '8 hours'],
  [24 * 3600, '24 hours'],
];

const STATE_LABELS: Record<ShareLinkView['state'], string> = {
  active: 'active',
  expired: 'expired',
  revoked: 'revoked',
  ended: 'ended with its maker’s session',
  used: 'used (single use)',
};

/** The toolbar's Share button and its dialog. */
export function ShareButton({ kind, uuid, name }: { kind: ConsoleKind; uuid: string; name: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)} title="Make a view-only link to this console">
        <Glyph name="people" /> Share
      </button>
      {open ? <ShareDialog kind={kind} uuid={uuid} name={name} onClose={() => setOpen(false)} /> : null}
    </>
  );
}

/**
 * Makes a view-only link to one console, says plainly when it stops working, and lists this console's links (the
 * user's own; every one for pool admins) with a Revoke button each.
 */
function ShareDialog({
  kind,
  uuid,
  name,
  onClose,
}: {
  kind: ConsoleKind;
  uuid: string;
  name: string;
  onClose: () => void;
}) {
  const [lifetime, setLifetime] = useState(3600);
  const [singleUse, setSingleUse] = useState(false);
  const [busy, setBusy] = useState(false);
  const [made, setMade] = useState<MadeLink | undefined>();
  const [links, setLinks] = useState<readonly ShareLinkView[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const lifetimeId = useId();

  const refresh = useCallback(() => {
    listLinks()
      .then((all) => setLinks(all.filter((l) => l.console.kind === kind && l.console.uuid === uuid)))
      .catch((e: unknown) => setError(describeError(e)));
  }, [kind, uuid]);
  useEffect(refresh, [refresh]);

  const create = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setMade(await createLink(kind, uuid, lifetime, singleUse));
      refresh();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (link: ShareLinkView) => {
    try {
      await revokeLink(link.id);
      if (made?.link.id === link.id) setMade(undefined);
      toast('success', 'Link revoked: anyone watching through it was cut off.');
      refresh();
    } catch (e) {
      toast('error', `Could not revoke the link: ${describeError(e)}`);
    }
  };

  const copy = (url: string) =>
    void navigator.clipboard
      ?.writeText(url)
      .then(() => toast('success', 'Link copied.'))
      .catch(() => toast('error', 'The browser refused to copy; select the link and copy it by hand.'));

  return (
    <Modal title={`Share the console of ${name}`} onClose={onClose} className="share-dialog">
      <p>
        Anyone who has the link can <strong>watch</strong> this console without logging in: they never get the keyboard
        or pointer, and the VM’s clipboard is not sent to them. They are listed on the console as your guests.
      </p>
      <p className="share-terms" role="note">
        The link stops working when it expires, when you revoke it, or when your session ends (you log out, or it times
        out): whoever is watching is cut off at once and told why.
      </p>
      <form
        className="share-form"
        onSubmit={(event) => {
          event.preventDefault();
          void create();
        }}
      >
        <label htmlFor={lifetimeId}>Expires after</label>
        <select id={lifetimeId} value={lifetime} onChange={(e) => setLifetime(Number(e.target.value))}>
          {LIFETIMES.map(([seconds, label]) => (
            <option key={seconds} value={seconds}>
              {label}
            </option>
          ))}
        </select>
        <label className="check">
          <input type="checkbox" checked={singleUse} onChange={(e) => setSingleUse(e.target.checked)} /> Single use (one
          viewing)
        </label>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create link'}
        </button>
      </form>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      {made ? (
        <div className="share-made" role="status">
          <input readOnly value={made.url} aria-label="Share link" onFocus={(e) => e.target.select()} />
          <button type="button" onClick={() => copy(made.url)}>
            <Glyph name="clipboard" /> Copy
          </button>
          <p className="muted">
            Works until {clock(made.link.expiresAt)}
            {made.link.singleUse ? ', for one viewing' : ''}. This is the only time the link is shown.
          </p>
        </div>
      ) : null}
      <h3>Links to this console</h3>
      {links === undefined ? (
        <p className="muted">Loading…</p>
      ) : links.length === 0 ? (
        <p className="muted">None yet.</p>
      ) : (
        <ul className="share-links" aria-label="Links to this console">
          {links.map((link) => (
            <li key={link.id}>
              <span>
                by {link.createdBy}, until {clock(link.expiresAt)}
                {link.singleUse ? ', single use' : ''}
              </span>
              <span className={`tag${link.state === 'active' ? '' : ' tag-warning'}`}>
                {STATE_LABELS[link.state]}
                {link.revokedBy ? ` by ${link.revokedBy}` : ''}
              </span>
              {link.state === 'active' || link.state === 'used' ? (
                <button type="button" className="danger-outline" onClick={() => void revoke(link)}>
                  Revoke
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Modal>
  );
}
