import { useEffect, useId, useState, type FormEvent } from 'react';
import type { CertificateChange } from '../shared/contracts.ts';
import { acceptCertificate, CertificateChangeNotice } from './CertificateChangeNotice.tsx';
import { loginErrorMessage } from './login-errors.ts';

/** User name and password with the gateway's login errors explained; shared by the login page and the re-login modal. */

/** A login limit the gateway announced: until when, and the sentence that explains it. */
interface Lock {
  until: number;
  message: string;
}

/** The key of a limit on every name (the address itself is limited); no typed name can be empty. */
const EVERY_NAME = '';
const nameKey = (username: string): string => username.trim().toLowerCase();

/** The lock that applies to this name now: its own, or one on every name, whichever ends later. */
function lockOf(locks: ReadonlyMap<string, Lock>, username: string, now: number): Lock | undefined {
  const live = [locks.get(nameKey(username)), locks.get(EVERY_NAME)].filter((lock) => lock && lock.until > now);
  return live.sort((a, b) => b!.until - a!.until)[0];
}

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
  const [certificate, setCertificate] = useState<CertificateChange | undefined>();
  // Per user name: a limit on one name must not stop someone who types another (docs/SECURITY.md, row 21).
  const [locks, setLocks] = useState<ReadonlyMap<string, Lock>>(() => new Map());
  const [now, setNow] = useState(() => Date.now());
  const userId = useId();
  const passId = useId();
  const errorId = useId();

  useEffect(() => {
    if (locks.size === 0) return;
    const timer = setInterval(() => {
      const t = Date.now();
      setNow(t);
      if ([...locks.values()].every((lock) => lock.until <= t)) setLocks(new Map());
    }, 250);
    return () => clearInterval(timer);
  }, [locks]);

  const lock = lockOf(locks, username, now);
  const remaining = lock ? Math.max(1, Math.ceil((lock.until - now) / 1000)) : 0;

  const submit = async (event?: FormEvent, accept?: CertificateChange) => {
    event?.preventDefault();
    if (busy || lock) return;
    if (username.trim() === '') {
      setError('Enter your user name.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      if (accept) await acceptCertificate(username.trim(), password, accept);
      setCertificate(undefined);
      await onSubmit(username.trim(), password);
    } catch (failure) {
      const { message, limit, certificate: changed } = loginErrorMessage(failure);
      if (changed) setCertificate(changed);
      if (limit) {
        const t = Date.now();
        setNow(t);
        setError(undefined);
        setLocks((previous) =>
          new Map(previous).set(limit.scope === 'user' ? nameKey(username) : EVERY_NAME, {
            until: t + limit.retryAfter * 1000,
            message,
          }),
        );
      } else setError(message);
      setPassword('');
    } finally {
      setBusy(false);
    }
  };

  const shownError = lock ? `${lock.message} Try again in ${remaining} s.` : error;

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
      {certificate ? (
        <CertificateChangeNotice
          change={certificate}
          busy={busy || password === ''}
          onAccept={() => void submit(undefined, certificate)}
        />
      ) : null}
      <button type="submit" className="primary" disabled={busy || lock !== undefined}>
        {busy ? 'Logging in…' : lock ? `Try again in ${remaining} s` : submitLabel}
      </button>
    </form>
  );
}
