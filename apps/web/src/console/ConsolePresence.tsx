import { isRole, ROLE_LABELS } from '../shared/roles.ts';
import { Avatar } from '../ui/Avatar.tsx';
import { Glyph } from '../ui/Icon.tsx';
import {
  hasRequested,
  isAlone,
  keyboardHolder,
  personName,
  sinceLabel,
  viewerName,
  type ConsolePresence,
} from './presence.ts';

/**
 * Who is on a shared console and who has the keyboard: the toolbar's faces ("Only you" when alone), the people list,
 * the keyboard bar (request, release, take, and the holder's answers to requests), and the hint a follower gets on
 * typing.
 */

/** The holder's answers to the oldest request, from anywhere in the page (also while the console has the keys). */
export const HAND_OVER_KEYS = { label: 'Ctrl+Alt+Y', aria: 'Control+Alt+Y', key: 'y' } as const;
export const DENY_KEYS = { label: 'Ctrl+Alt+N', aria: 'Control+Alt+N', key: 'n' } as const;

const MAX_FACES = 4;

const roleLabel = (role: string): string => (isRole(role) ? ROLE_LABELS[role] : role);

export function PeopleButton({
  presence,
  open,
  panelId,
  onToggle,
}: {
  presence: ConsolePresence;
  open: boolean;
  panelId: string;
  onToggle: () => void;
}) {
  if (isAlone(presence)) {
    return (
      <span className="console-people alone" title="Nobody else is on this console">
        <Glyph name="person" /> Only you
      </span>
    );
  }
  const { viewers } = presence;
  const hidden = viewers.length - MAX_FACES;
  return (
    <button
      type="button"
      className="console-people"
      aria-expanded={open}
      aria-controls={open ? panelId : undefined}
      aria-label={`People on this console: ${viewers.length}`}
      title={viewers.map((v) => personName(presence, v)).join(', ')}
      onClick={onToggle}
    >
      <span className="avatar-stack">
        {viewers.slice(0, MAX_FACES).map((v) => (
          <Avatar key={v.id} name={v.user} className={v.keyboard ? 'has-keyboard' : undefined} />
        ))}
      </span>
      {hidden > 0 ? <span className="avatar-more">+{hidden}</span> : null}
      <Glyph name="people" /> {viewers.length}
    </button>
  );
}

export function PeoplePanel({
  id,
  presence,
  now,
  onClose,
}: {
  id: string;
  presence: ConsolePresence;
  now: number;
  onClose: () => void;
}) {
  return (
    <section id={id} className="people-panel" aria-label="People on this console">
      <ul className="people-list">
        {presence.viewers.map((viewer) => (
          <li key={viewer.id} className="person">
            <Avatar name={viewer.user} className={viewer.keyboard ? 'has-keyboard' : undefined} />
            <span className="person-name">
              {personName(presence, viewer)}
              {viewer.id === presence.me ? ' (you)' : ''}
            </span>
            <span className="role-badge">{roleLabel(viewer.role)}</span>
            {viewer.keyboard ? (
              <span className="tag tag-keyboard">
                <Glyph name="keyboard" /> has the keyboard
              </span>
            ) : null}
            {presence.requests.includes(viewer.id) ? <span className="tag">asks for the keyboard</span> : null}
            {viewer.viewOnly ? (
              <span className="tag">
                <Glyph name="eye" /> view only
              </span>
            ) : null}
            {viewer.remote ? (
              <span
                className="tag"
                title="Connected through another instance of the gateway, which has its own keyboard holder"
              >
                via another gateway
              </span>
            ) : null}
            <time className="muted person-since" dateTime={viewer.since}>
              joined {sinceLabel(viewer.since, now)}
            </time>
          </li>
        ))}
      </ul>
      <button type="button" className="icon-button people-close" aria-label="Close the people list" onClick={onClose}>
        ×
      </button>
    </section>
  );
}

export interface KeyboardActions {
  request(): void;
  withdraw(): void;
  release(): void;
  /** Asks for confirmation first. */
  take(): void;
  handOver(viewer: string): void;
  deny(viewer: string): void;
}

/** Who has the keyboard and what this viewer can do about it; shown while anyone else is on the console. */
export function KeyboardBar({
  presence,
  viewOnly,
  actions,
}: {
  presence: ConsolePresence;
  viewOnly: boolean;
  actions: KeyboardActions;
}) {
  const holder = keyboardHolder(presence);
  const mine = holder !== undefined && holder.id === presence.me;
  const requested = hasRequested(presence);
  const holderName = holder ? personName(presence, holder) : '';
  let state: string;
  if (mine) state = 'You have the keyboard.';
  else if (viewOnly) state = `You are watching only${holder ? `; ${holderName} has the keyboard` : ''}.`;
  else if (!presence.canControl) state = 'You can only watch this console.';
  else if (holder) state = `${holderName} has the keyboard — your keys and pointer are not sent.`;
  else state = 'Nobody has the keyboard: type into the console to take it.';
  const mayAsk = !mine && !viewOnly && presence.canControl;

  return (
    <div className={`keyboard-bar${mine ? ' mine' : ''}`} role="region" aria-label="Keyboard control">
      <span className="keyboard-state">
        <Glyph name="keyboard" /> {state}
      </span>
      {mine ? (
        <button type="button" onClick={actions.release} title="Give up the keyboard: nobody has it until someone asks">
          Release keyboard
        </button>
      ) : null}
      {mayAsk ? (
        <button
          type="button"
          aria-disabled={requested}
          className={requested ? 'requested' : undefined}
          onClick={requested ? undefined : actions.request}
          title={holder ? `Ask ${holderName} for the keyboard` : 'Get the keyboard now'}
        >
          {requested ? `Requested — waiting for ${holderName || 'an answer'}` : 'Request keyboard'}
        </button>
      ) : null}
      {mayAsk && requested ? (
        <button type="button" onClick={actions.withdraw} title="Take back the request">
          Withdraw
        </button>
      ) : null}
      {mayAsk && holder && presence.canTake ? (
        <button type="button" className="danger-outline" onClick={actions.take}>
          Take keyboard…
        </button>
      ) : null}
      {/* Present before any request arrives, so that screen readers announce each one. */}
      <ul className="keyboard-requests" aria-live="polite">
        {mine
          ? presence.requests.map((id, index) => (
              <li key={id}>
                {viewerName(presence, id)} asks for the keyboard
                <button
                  type="button"
                  className="primary"
                  aria-keyshortcuts={index === 0 ? HAND_OVER_KEYS.aria : undefined}
                  title={index === 0 ? `Hand over (${HAND_OVER_KEYS.label})` : undefined}
                  onClick={() => actions.handOver(id)}
                >
                  Hand over
                </button>
                <button
                  type="button"
                  aria-keyshortcuts={index === 0 ? DENY_KEYS.aria : undefined}
                  title={index === 0 ? `Deny (${DENY_KEYS.label})` : undefined}
                  onClick={() => actions.deny(id)}
                >
                  Deny
                </button>
                {index === 0 ? (
                  <span className="muted keyboard-shortcut-hint">
                    <kbd>{HAND_OVER_KEYS.label}</kbd> / <kbd>{DENY_KEYS.label}</kbd>
                  </span>
                ) : null}
              </li>
            ))
          : null}
      </ul>
    </div>
  );
}

/** Shown for a moment when a follower types: their keys are dropped by the gateway, not lost silently. */
export function FollowerHint({ presence, onRequest }: { presence: ConsolePresence; onRequest: () => void }) {
  const holder = keyboardHolder(presence);
  const requested = hasRequested(presence);
  return (
    <div className="console-hint" role="status">
      <Glyph name="keyboard" /> {holder ? personName(presence, holder) : 'Someone else'} has the keyboard: your keys are
      not sent.
      {requested ? (
        <span className="muted">You have asked for it.</span>
      ) : presence.canControl ? (
        <button type="button" onClick={onRequest}>
          Request keyboard
        </button>
      ) : null}
    </div>
  );
}
