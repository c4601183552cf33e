import { useEffect, useId, useState, type FormEvent } from 'react';
import { loginErrorMessage } from './login-errors.ts';

/** User name and password with the gateway's login errors explained; shared by the login page and the re-login modal. */

export function LoginForm({
  initialUser = '',
  submitLabel,
  onSubmit,
  autoFocusPassword,
}: {
  initialUser?: string;
  submitLabel: string;
  onSubmit: (username: string, password: string) => Promise<void>;
  autoFocusPassword?: boolean;
}) {
  const [username, setUsername] = useState(initialUser);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [lockedUntil, setLockedUntil] = useState<number | undefined>();
  const [now, setNow] = useState(() => Date.now());
  const userId = useId();
  const passId = useId();
  const errorId = useId();

  useEffect(() => {
    if (lockedUntil === undefined) return;
    const timer = setInterval(() => {
      const t = Date.now();
      setNow(t);
      if (t >= lockedUntil) setLockedUntil(undefined);
    }, 250);
    return () => clearInterval(timer);
  }, [lockedUntil]);

  const remaining = lockedUntil === undefined ? 0 : Math.max(0, Math.ceil((lockedUntil - now) / 1000));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy || remaining > 0) return;
    if (username.trim() === '') {
      setError('Enter your user name.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await onSubmit(username.trim(), password);
    } catch (failure) {
      const { message, retryAfter } = loginErrorMessage(failure);
      setError(message);
      if (retryAfter !== undefined) {
        const t = Date.now();
        setNow(t);
        setLockedUntil(t + retryAfter * 1000);
      }
      setPassword('');
    } finally {
      setBusy(false);
    }
  };

  const shownError = error ? (remaining > 0 ? `${error} Try again in ${remaining} s.` : error) : undefined;

  return (
    <form className="login-form" onSubmit={submit} noValidate aria-describedby={shownError ? errorId : undefined}>
      <label htmlFor={userId}>User name</label>
      <input
        id={userId}
        name="username"
        autoComplete="username"
        autoFocus={!autoFocusPassword}
        value={username}
        onChange={(e) => setUsername(e.target.value)}
        disabled={busy}
        spellCheck={false}
        autoCapitalize="none"
      />
      <label htmlFor={passId}>Password</label>
      <input
        id={passId}
        name="password"
        type="password"
        autoComplete="current-password"
        autoFocus={autoFocusPassword}
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        disabled={busy}
      />
      {shownError ? (
        <p id={errorId} className="form-error" role="alert">
          {shownError}
        </p>
      ) : null}
      <button type="submit" className="primary" disabled={busy || remaining > 0}>
        {busy ? 'Logging in…' : remaining > 0 ? `Try again in ${remaining} s` : submitLabel}
      </button>
    </form>
  );
}
