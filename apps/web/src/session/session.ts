import { fetchSession, login, logout, type SessionInfo } from '../api/endpoints.ts';
import { EventStream, type LinkState } from '../api/events.ts';
import { setUnauthorizedListener, type ApiError } from '../api/http.ts';
import { clearAllDrafts } from '../details/drafts.ts';
import { cache } from '../store/cache.ts';
import { Store } from '../store/store.ts';
import { parseRoute } from '../navigation/routes.ts';

/**
 * The login session and the inventory stream that belongs to it. When the session ends under the user (the pool
 * destroyed it, or any call answers 401) the state moves to `ended`: the UI keeps everything mounted and asks for the
 * password in a modal, so unsaved forms survive.
 */

export type SessionState =
  | { readonly status: 'checking' }
  | { readonly status: 'unreachable'; readonly message: string }
  | { readonly status: 'logged-out'; readonly notice?: string }
  | { readonly status: 'logged-in'; readonly info: SessionInfo; readonly ended?: string };

export const session = new Store<SessionState>({ status: 'checking' });

export interface LinkStatus {
  readonly state: LinkState;
  readonly message?: string;
  /** Characters of the first snapshot received so far, while it loads. */
  readonly received?: number;
}
export const link = new Store<LinkStatus>({ state: 'connecting' });

/** A console window (it has no way to the inventory) follows only its own VM or host, not the whole pool. */
function streamUrl(): string {
  const route = parseRoute(window.location.pathname);
  return route.name === 'console' ? `/api/events?${route.kind}=${encodeURIComponent(route.uuid)}` : '/api/events';
}

const stream = new EventStream(
  {
    snapshot: (snapshot) => cache.replace(snapshot),
    changes: (changes) => cache.apply(changes),
    sessionEnded: (message) => markEnded(message),
    link: (state, message) => link.set({ state, ...(message ? { message } : {}) }),
    progress: (received) => link.set((current) => ({ ...current, received })),
  },
  streamUrl(),
);

setUnauthorizedListener((error: ApiError) => markEnded(error.message));

export function markEnded(message: string): void {
  const current = session.get();
  if (current.status !== 'logged-in' || current.ended !== undefined) return;
  stream.stop();
  session.set({ ...current, ended: message || 'Your session has ended.' });
}

export async function bootstrap(): Promise<void> {
  try {
    const info = await fetchSession();
    if (info) start(info);
    else session.set({ status: 'logged-out' });
  } catch (error) {
    session.set({
      status: 'unreachable',
      message: error instanceof Error ? error.message : 'The gateway did not answer.',
    });
  }
}

/** Logs in; throws ApiError for the login form to explain. */
export async function logIn(username: string, password: string): Promise<void> {
  const info = await login(username, password);
  start(info);
}

/**
 * Logs in again after the session ended. The cache is replaced by the new stream's snapshot; nothing is unmounted.
 * A different user may log in: the role then follows the new session.
 */
export async function resume(username: string, password: string): Promise<void> {
  const info = await login(username, password);
  start(info);
}

export async function logOut(): Promise<void> {
  stream.stop();
  try {
    await logout();
  } catch {
    // Logging out of a session that already ended is fine.
  }
  cache.clear();
  clearAllDrafts();
  session.set({ status: 'logged-out', notice: 'You have logged out.' });
}

/** Abandons an ended session without logging in again. */
export function leaveEnded(): void {
  stream.stop();
  cache.clear();
  clearAllDrafts();
  session.set({ status: 'logged-out' });
}

function start(info: SessionInfo): void {
  performance.mark('xwc:session');
  session.set({ status: 'logged-in', info });
  stream.stop();
  stream.start();
}
