import type { ReactNode } from 'react';
import type { ConsoleKind } from '../navigation/routes.ts';
import { Glyph } from '../ui/Icon.tsx';
import { openConsoleWindow } from './console-window.ts';
import { KeyboardBar, PeoplePanel, type KeyboardActions } from './ConsolePresence.tsx';
import type { ConsoleController, ConsoleState } from './controller.ts';
import { isAlone, type ConsolePresence } from './presence.ts';

/** The parts of a console view that the graphical and the text view show alike. */

/** The toolbar's status word: connected, reconnecting (with the countdown), connecting, `waiting`, disconnected. */
export function consoleStatusLabel(state: ConsoleState, connected: boolean, now: number, waiting: string): string {
  if (connected) return 'Connected';
  switch (state.phase) {
    case 'retrying': {
      const retryIn = state.nextRetryAt ? Math.max(0, Math.ceil((state.nextRetryAt - now) / 1000)) : undefined;
      return `Reconnecting${retryIn !== undefined ? ` in ${retryIn} s` : ''}`;
    }
    case 'connecting':
      return 'Connecting…';
    case 'waiting':
      return waiting;
    default:
      return 'Disconnected';
  }
}

/** The status at the start of the toolbar; `children` adds to it (the graphical view's latency). */
export function ConsoleStatus(props: { connected: boolean; phase: string; label: string; children?: ReactNode }) {
  return (
    <span
      className={`console-status status-${props.connected ? 'connected' : props.phase}`}
      role="status"
      aria-live="polite"
    >
      <span className="status-dot" aria-hidden="true" />
      {props.label}
      {props.children}
    </span>
  );
}

/** What the console's input reaches, in the view's sentences. */
export function consoleSubject(kind: ConsoleKind): string {
  return kind === 'host' ? 'the host' : 'the VM';
}

/** Opens the console chrome-less in a new tab, as every "new window" control does (console-window.ts). */
export function OpenWindowButton({ kind, uuid }: { kind: ConsoleKind; uuid: string }) {
  return (
    <button type="button" onClick={() => openConsoleWindow(kind, uuid)} title="Open this console in a new window">
      <Glyph name="external" /> <span className="visually-hidden">Open in new window</span>
    </button>
  );
}

/** The people list (when open) and the keyboard bar, once someone else is on the console. */
export function PresenceBars(props: {
  presence: ConsolePresence | undefined;
  peopleOpen: boolean;
  peopleId: string;
  now: number;
  onClosePeople: () => void;
  viewOnly: boolean;
  actions: KeyboardActions;
}) {
  const { presence } = props;
  if (!presence || isAlone(presence)) return null;
  return (
    <>
      {props.peopleOpen ? (
        <PeoplePanel id={props.peopleId} presence={presence} now={props.now} onClose={props.onClosePeople} />
      ) : null}
      <KeyboardBar presence={presence} viewOnly={props.viewOnly} actions={props.actions} />
    </>
  );
}

/** What happened on the console, for this viewer (the notice line) and for screen readers (everything else). */
export function ConsoleNoticeLine({ controller, state }: { controller: ConsoleController; state: ConsoleState }) {
  return (
    <>
      {state.notice ? (
        <div className={`console-notice tone-${state.notice.tone ?? 'ok'}`} role="status">
          <Glyph name="info" /> {state.notice.text}
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => controller.dismissNotice()}>
            ×
          </button>
        </div>
      ) : null}
      <div className="visually-hidden" aria-live="polite">
        {state.announcement?.text}
      </div>
    </>
  );
}

/** Over the screen while the gateway finds the console again under its viewers (reboot, migration). */
export function ReattachingBanner({ kind }: { kind: ConsoleKind }) {
  return (
    <div className="console-reattaching" role="status">
      <span className="spinner" aria-hidden="true" />
      {kind === 'host' ? 'The server’s console is restarting — re-attaching…' : 'The VM is restarting — re-attaching…'}
    </div>
  );
}

/** Over the screen while there is no console: why, what the user can do (`children`), and Reconnect when it helps. */
export function ConsoleOverlay(props: { controller: ConsoleController; state: ConsoleState; children?: ReactNode }) {
  const { controller, state } = props;
  return (
    <div className="console-overlay">
      <div className="console-message" role="status">
        {state.phase === 'connecting' || state.phase === 'retrying' ? (
          <span className="spinner" aria-hidden="true" />
        ) : null}
        <p>{state.message}</p>
        {props.children}
        {(state.manual || state.phase === 'retrying') && !state.sessionEnded ? (
          <button type="button" onClick={() => controller.reconnectNow()}>
            <Glyph name="refresh" /> Reconnect now
          </button>
        ) : null}
      </div>
    </div>
  );
}
