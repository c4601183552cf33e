import { Modal } from '../ui/Modal.tsx';
import { toast } from '../ui/toasts.ts';
import { LoginForm } from './LoginForm.tsx';
import { leaveEnded, resume } from '../session/session.ts';

/**
 * Shown over the whole UI when the session ends (the pool destroyed it, it expired, or a call answered 401). The page
 * underneath stays mounted, so unsaved edits are still there after logging in again.
 */
export function SessionEndedDialog({ message, user }: { message: string; user: string }) {
  return (
    <Modal title="Your session has ended" dismissable={false} className="session-ended">
      <p className="session-ended-message">{message}</p>
      <p>Log in again to carry on. Your unsaved changes are kept.</p>
      <LoginForm
        initialUser={user}
        autoFocusPassword
        submitLabel="Log in again"
        onSubmit={async (username, password) => {
          await resume(username, password);
          toast('success', 'Logged in again.');
        }}
      />
      <div className="dialog-actions">
        <button type="button" className="link-button" onClick={leaveEnded}>
          Go to the login page instead (discards unsaved changes)
        </button>
      </div>
    </Modal>
  );
}
