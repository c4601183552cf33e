import { useEffect, useState } from 'react';
import { LoginForm } from './LoginForm.tsx';
import { fetchLoginPool, type LoginPool } from './login-pool.ts';
import { PRODUCT_NAME } from '../product/product.ts';
import { logIn } from '../session/session.ts';

export function LoginPage({ notice }: { notice?: string }) {
  const [pool, setPool] = useState<LoginPool | undefined>();
  useEffect(() => {
    let live = true;
    void fetchLoginPool().then((found) => {
      if (live) setPool(found);
    });
    return () => {
      live = false;
    };
  }, []);
  return (
    <main className="login-page">
      <div className="login-card">
        <h1>
          <img src="/favicon.svg" alt="" width="32" height="32" /> {PRODUCT_NAME}
        </h1>
        {pool ? (
          <p className="login-pool">
            Pool{' '}
            {pool.name ? (
              <>
                <strong>{pool.name}</strong> at <code>{pool.address}</code>
              </>
            ) : (
              <code>{pool.address}</code>
            )}
            {pool.brand ? ` (${pool.brand})` : ''}
          </p>
        ) : null}
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
