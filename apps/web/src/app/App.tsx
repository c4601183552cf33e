import { useEffect } from 'react';
import { useStore } from '../store/store.ts';
import { ToastHost } from '../ui/ToastHost.tsx';
import { LoginPage } from './LoginPage.tsx';
import { useRoute } from './router.ts';
import { bootstrap, session } from './session.ts';
import { SessionEndedDialog } from './SessionEndedDialog.tsx';
import { Shell } from './Shell.tsx';

export function App() {
  const state = useStore(session);
  const route = useRoute();

  // A console window should not wait for the session check to start loading the console's code.
  const consoleRoute = route.name === 'console';
  useEffect(() => {
    if (consoleRoute) void import('../console/ConsolePage.tsx');
    void bootstrap();
    // Only at start-up: later navigation loads the code through the lazy route.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  let body;
  switch (state.status) {
    case 'checking':
      body = (
        <div className="page-loading" aria-busy="true">
          Connecting to the gateway…
        </div>
      );
      break;
    case 'unreachable':
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
      break;
    case 'logged-out':
      body = <LoginPage {...(state.notice ? { notice: state.notice } : {})} />;
      break;
    case 'logged-in':
      body = (
        <>
          <Shell info={state.info} route={route} />
          {state.ended !== undefined ? <SessionEndedDialog message={state.ended} user={state.info.user} /> : null}
        </>
      );
      break;
  }
  return (
    <>
      {body}
      <ToastHost />
    </>
  );
}
