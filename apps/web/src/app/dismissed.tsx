/** Notices a user has put away for this browser session (sessionStorage: a new session shows them again). */

const PREFIX = 'xwc.dismissed.';

export function isDismissed(id: string): boolean {
  try {
    return sessionStorage.getItem(PREFIX + id) === '1';
  } catch {
    return false;
  }
}

export function dismiss(id: string): void {
  try {
    sessionStorage.setItem(PREFIX + id, '1');
  } catch {
    // Storage refused (private browsing): the notice stays away until the page reloads.
  }
}

/** The × at the end of a banner. */
export function DismissButton({ what, onDismiss }: { what: string; onDismiss: () => void }) {
  return (
    <button type="button" className="icon-button banner-dismiss" aria-label={`Dismiss ${what}`} onClick={onDismiss}>
      ×
    </button>
  );
}
