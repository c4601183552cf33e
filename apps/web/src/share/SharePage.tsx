import { useEffect, useRef, useState } from 'react';
import { describeError } from '../api/http.ts';
import type { ConsoleKind } from '../navigation/routes.ts';
import { LINK_TOKEN, type SharedConsoleView } from '../shared/contracts.ts';
import { useStore } from '../store/store.ts';
import { useDocumentTitle } from '../ui/dom.ts';
import { Glyph } from '../ui/Icon.tsx';
import { useNow } from '../ui/useNow.ts';
import { sharedConsole } from './api.ts';
import { GuestView } from './guest-view.ts';
import { clock, remaining } from './time.ts';
import './share.css';

/**
 * The page a share link opens (`/share/<kind>/<uuid>#<token>`), for someone without a pool login: a banner (who
 * shared it, view only, until when) over the console, watched through the gateway and never typed on.
 *
 * The token is taken out of the address at once (kept for this tab only, so a reload still works): it does not stay in
 * the history, a bookmark, or a screen share of the address bar.
 */
function takeToken(kind: ConsoleKind, uuid: string): string | undefined {
  const key = `xwc-share:${kind}/${uuid}`;
  const fromAddress = location.hash.slice(1);
  if (LINK_TOKEN.test(fromAddress)) {
    sessionStorage.setItem(key, fromAddress);
    history.replaceState(null, '', location.pathname);
    return fromAddress;
  }
  const kept = sessionStorage.getItem(key) ?? '';
  return LINK_TOKEN.test(kept) ? kept : undefined;
}

export default function SharePage({ kind, uuid }: { kind: ConsoleKind; uuid: string }) {
  const [token] = useState(() => takeToken(kind, uuid));
  const [shared, setShared] = useState<SharedConsoleView | undefined>();
  const [refused, setRefused] = useState<string | undefined>();
  const [attempt, setAttempt] = useState(0);
  useDocumentTitle(shared ? `${shared.objectName} — shared console` : 'Shared console');

  useEffect(() => {
    if (!token) return;
    let current = true;
    sharedConsole(kind, uuid, token).then(
      (view) => current && setShared(view),
      (error: unknown) => current && setRefused(describeError(error)),
    );
    return () => {
      current = false;
    };
  }, [kind, uuid, token, attempt]);

  let body;
  if (!token) {
    body = (
      <p className="form-error" role="alert">
        This link is incomplete: its secret part (after the #) is missing. Ask for the whole link again.
      </p>
    );
  } else if (refused) {
    body = (
      <p className="form-error" role="alert">
        {refused}
      </p>
    );
  } else if (!shared) {
    body = <p className="muted">Checking the link…</p>;
  } else {
    body = (
      <GuestScreen
        key={attempt}
        shared={shared}
        token={token}
        onRetry={() => {
          setShared(undefined);
          setAttempt((a) => a + 1);
        }}
      />
    );
  }
  return (
    <main className="share-page">
      <h1 className="visually-hidden">Shared console</h1>
      {body}
    </main>
  );
}

function GuestScreen({ shared, token, onRetry }: { shared: SharedConsoleView; token: string; onRetry: () => void }) {
  const screenRef = useRef<HTMLDivElement>(null);
  const [view, setView] = useState<GuestView | undefined>();
  const now = useNow(1000);

  useEffect(() => {
    const target = screenRef.current;
    if (!target) return;
    const guest = new GuestView(target, shared.console.kind, shared.console.uuid, token, () =>
      import('@novnc/novnc').then((module) => module.default),
    );
    setView(guest);
    void guest.connect();
    return () => guest.dispose();
  }, [shared, token]);

  return (
    <>
      <div className="banner banner-info share-banner" role="status">
        <Glyph name="eye" /> <strong>{shared.sharedBy}</strong> shared the console of{' '}
        <strong>{shared.objectName}</strong> with you. <span className="tag">View only</span> You can watch, not type.
        The link works until {clock(shared.expiresAt)} ({remaining(Date.parse(shared.expiresAt), now)} left)
        {shared.singleUse ? ', for this one viewing' : ''}.{view ? <Watching view={view} /> : null}
      </div>
      <div className="console-stage share-stage">
        <div ref={screenRef} className="console-screen" aria-label={`Console of ${shared.objectName}`} />
        {view ? <Overlay view={view} onRetry={onRetry} /> : null}
      </div>
    </>
  );
}

function Watching({ view }: { view: GuestView }) {
  const { watching } = useStore(view.state);
  if (watching === undefined) return null;
  return <span className="muted"> {watching === 1 ? 'Nobody else is watching.' : `${watching} people are here.`}</span>;
}

function Overlay({ view, onRetry }: { view: GuestView; onRetry: () => void }) {
  const state = useStore(view.state);
  if (state.phase === 'watching') return null;
  return (
    <div className="console-overlay">
      <div className="console-message" role="status">
        {state.phase === 'connecting' ? <span className="spinner" aria-hidden="true" /> : null}
        <p>{state.phase === 'connecting' ? 'Connecting to the console…' : state.message}</p>
        {state.canRetry ? (
          <button type="button" onClick={onRetry}>
            <Glyph name="refresh" /> Reconnect
          </button>
        ) : null}
      </div>
    </div>
  );
}
