import { LoginForm } from './LoginForm.tsx';
import { logIn } from './session.ts';

export function LoginPage({ notice }: { notice?: string }) {
  return (
    <main className="login-page">
      <div className="login-card">
        <h1>
          <img src="/favicon.svg" alt="" width="32" height="32" /> XenServer Web Console
        </h1>
        <p className="login-lead">Log in with your pool account (root, or an Active Directory user with a role).</p>
        {notice ? (
          <p className="login-notice" role="status">
            {notice}
          </p>
        ) : null}
        <LoginForm submitLabel="Log in" onSubmit={logIn} />
      </div>
    </main>
  );
}
