import { lazy, Suspense, useEffect } from 'react';
import { useStore } from '../store/store.ts';
import { ToastHost } from '../ui/ToastHost.tsx';
import { LoginPage } from './LoginPage.tsx';
import { useRoute } from '../navigation/router.ts';
import { bootstrap, session } from '../session/session.ts';
import { SessionEndedDialog } from './SessionEndedDialog.tsx';
import { lazyPage } from './lazy-page.ts';

/**
 * The inventory and the console page are separate chunks: a console window loads neither the tree nor the catalogue,
 * and the inventory starts downloading at once (main.tsx) rather than after the session check.
 */
const Shell = lazy(() => import('./Shell.tsx'));
export const ConsolePage = lazyPage(() => import('../console/ConsolePage.tsx'));
const SharePage = lazy(() => import('../share/SharePage.tsx'));

export function App() {
  const state = useStore(session);
  const route = useRoute();

  // A share link's page has no use for the viewer's own login (nor its inventory stream).
  const shareLink = route.name === 'share';
  useEffect(() => {
    if (!shareLink) void bootstrap();
  }, [shareLink]);

  let body;
  if (route.name === 'share') {
    // A share link needs no login: whoever holds it watches, logged in or not.
    body = (
      <Suspense fallback={<div className="page-loading">Loading the shared console…</div>}>
        <SharePage kind={route.kind} uuid={route.uuid} />
      </Suspense>
    );
  } else if (state.status === 'unreachable') {
    body = (
      <main className="login-page">
        <div className="login-card">
          <h1>Cannot reach the gateway</h1>
          <p className="form-error" role="alert">
            {state.message}
          </p>
          <button type="button" className="primary" onClick={() => void bootstrap()}>
            Try again
          </button>
        </div>
      </main>
    );
  } else if (state.status === 'logged-out') {
    body = <LoginPage {...(state.notice ? { notice: state.notice } : {})} />;
  } else if (route.name === 'console') {
    // A console does not wait for the session check: it connects at once, and the gateway refuses it if the
    // session is not valid (the login page then replaces it).
    body = (
      <Suspense fallback={<div className="page-loading">Loading the console…</div>}>
        <ConsolePage
          kind={route.kind}
          uuid={route.uuid}
          role={state.status === 'logged-in' ? state.info.role : undefined}
        />
      </Suspense>
    );
  } else if (state.status === 'checking') {
    body = (
      <div className="page-loading" aria-busy="true">
        Connecting to the gateway…
      </div>
    );
  } else {
    body = (
      <Suspense
        fallback={
          <div className="page-loading" aria-busy="true">
            Loading…
          </div>
        }
      >
        <Shell info={state.info} route={route} />
      </Suspense>
    );
  }
  return (
    <>
      {body}
      {state.status === 'logged-in' && state.ended !== undefined ? (
        <SessionEndedDialog message={state.ended} user={state.info.user} />
      ) : null}
      <ToastHost />
    </>
  );
}
