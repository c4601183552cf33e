import type { ConsoleNotice, ConsoleViewer, ControlChange, RecordingState } from '../shared/contracts.ts';

/**
 * Who is on a console and who has the keyboard, as this viewer knows it from the gateway's notices, and what each
 * change means in words. Pure: notices in, state and sentences out.
 */

export interface ConsolePresence {
  /** This connection's viewer id (from `welcome`; undefined until it arrives). */
  readonly me: string | undefined;
  readonly canControl: boolean;
  /** May take the keyboard from whoever has it (pool admins). */
  readonly canTake: boolean;
  readonly viewers: readonly ConsoleViewer[];
  /** Viewers waiting for the keyboard, oldest first. */
  readonly requests: readonly string[];
  /** `reattaching` while the gateway looks for the console again under its viewers (reboot, migration). */
  readonly upstream: 'live' | 'reattaching';
  /** This console is being recorded, or its recording failed (the gateway's `recording` notice); absent: not recorded. */
  readonly recording?: { readonly state: RecordingState; readonly keys: boolean; readonly reason?: string };
}

/** A change put in words: `mine` when it concerns this viewer (shown to them), else only announced. */
export interface ControlNote {
  readonly text: string;
  readonly mine: boolean;
  readonly tone: 'ok' | 'info' | 'warning';
}

export const NO_PRESENCE: ConsolePresence = {
  me: undefined,
  canControl: false,
  canTake: false,
  viewers: [],
  requests: [],
  upstream: 'live',
};

/** Folds one notice into the presence; `note` says what happened, when it is worth saying. */
export function applyNotice(
  presence: ConsolePresence,
  notice: ConsoleNotice,
): { presence: ConsolePresence; note?: ControlNote } {
  switch (notice.type) {
    case 'welcome':
      return {
        presence: { ...NO_PRESENCE, me: notice.viewer, canControl: notice.canControl, canTake: notice.canTake },
      };
    case 'presence':
      return { presence: { ...presence, viewers: notice.viewers, requests: notice.requests } };
    case 'control': {
      const note = describeChange(presence, notice.change);
      return note ? { presence, note } : { presence };
    }
    case 'refused':
      return { presence, note: { text: notice.reason, mine: true, tone: 'warning' } };
    case 'upstream':
      return { presence: { ...presence, upstream: notice.state } };
    case 'recording': {
      const { type: _type, ...recording } = notice;
      const next = { presence: { ...presence, recording } };
      return recording.state === 'failed'
        ? {
            ...next,
            note: {
              text: `Recording failed: ${recording.reason ?? 'the gateway stopped recording.'}`,
              mine: true,
              tone: 'warning',
            },
          }
        : next;
    }
  }
}

/** Whoever has the keyboard on this gateway instance (a viewer on another instance only has that one's keyboard). */
export function keyboardHolder(presence: ConsolePresence): ConsoleViewer | undefined {
  return presence.viewers.find((v) => v.keyboard && !v.remote);
}

/** Someone else has the keyboard here: this viewer's keys and pointer are dropped by the gateway. */
export function isFollower(presence: ConsolePresence): boolean {
  const holder = keyboardHolder(presence);
  return holder !== undefined && holder.id !== presence.me;
}

/** Whether this viewer's request for the keyboard is waiting. */
export function hasRequested(presence: ConsolePresence): boolean {
  return presence.me !== undefined && presence.requests.includes(presence.me);
}

/** Whether this viewer is alone on the console (nobody else here or on another gateway). */
export function isAlone(presence: ConsolePresence): boolean {
  return presence.viewers.every((v) => v.id === presence.me);
}

/** A viewer's name as this viewer should read it: the same user's other connections are told apart. */
export function personName(presence: ConsolePresence, viewer: ConsoleViewer): string {
  if (viewer.via !== undefined) return `guest via ${viewer.via}’s link`;
  const mine = presence.viewers.find((v) => v.id === presence.me);
  return viewer.id !== presence.me && mine?.user === viewer.user ? `${viewer.user} (another window)` : viewer.user;
}

export function viewerName(presence: ConsolePresence, id: string | undefined): string {
  const viewer = presence.viewers.find((v) => v.id === id);
  return viewer ? personName(presence, viewer) : 'Someone';
}

function describeChange(presence: ConsolePresence, change: ControlChange): ControlNote | undefined {
  const { me } = presence;
  const name = (id: string | undefined) => viewerName(presence, id);
  const mine = (text: string, tone: ControlNote['tone'] = 'info'): ControlNote => ({ text, mine: true, tone });
  const others = (text: string): ControlNote => ({ text, mine: false, tone: 'info' });
  switch (change.kind) {
    case 'granted':
      if (change.viewer === me) {
        switch (change.how) {
          // Joining a console nobody types on is not news.
          case 'first':
            return undefined;
          case 'hand-over':
            return mine(`${name(change.from)} handed you the keyboard.`, 'ok');
          case 'take':
            return mine(
              change.from ? `You took the keyboard from ${name(change.from)}.` : 'You have the keyboard.',
              'ok',
            );
          case 'request':
            return mine(
              change.from ? `${name(change.from)} let go of the keyboard: you have it now.` : 'You have the keyboard.',
              'ok',
            );
          case 'typed':
            return mine('You have the keyboard: nobody had it when you typed.', 'ok');
        }
      }
      if (change.from !== undefined && change.from === me) {
        if (change.how === 'take') return mine(`${name(change.viewer)} took the keyboard.`, 'warning');
        if (change.how === 'hand-over') return mine(`You handed the keyboard to ${name(change.viewer)}.`);
        return mine(`${name(change.viewer)} has the keyboard now.`);
      }
      if (change.how === 'first') return undefined;
      return others(
        change.how === 'take' && change.from
          ? `${name(change.viewer)} took the keyboard from ${name(change.from)}.`
          : `${name(change.viewer)} has the keyboard.`,
      );
    case 'released':
      if (change.viewer === me) {
        if (change.why === 'idle') return mine('You lost the keyboard after a while without typing.', 'warning');
        if (change.why === 'view-only') return mine('You gave up the keyboard to watch only.');
        return mine('You released the keyboard. Nobody has it now.');
      }
      return others(
        change.why === 'left'
          ? `${name(change.viewer)} left; nobody has the keyboard.`
          : `${name(change.viewer)} released the keyboard; nobody has it.`,
      );
    case 'requested': {
      if (change.viewer === me) {
        const holder = keyboardHolder(presence);
        return mine(`You asked for the keyboard; ${holder ? `${holder.user} is asked to hand it over` : 'waiting'}.`);
      }
      return others(`${name(change.viewer)} asks for the keyboard.`);
    }
    case 'denied':
      if (change.viewer === me)
        return mine(`Your request for the keyboard was denied by ${name(change.by)}.`, 'warning');
      if (change.by === me) return mine(`You turned down ${name(change.viewer)}’s request for the keyboard.`);
      return others(`${name(change.by)} turned down ${name(change.viewer)}’s request for the keyboard.`);
  }
}

/** "just now", "4 min ago", "2 h ago", "3 d ago": when `since` (ISO 8601) was, for the people list. */
export function sinceLabel(since: string, now: number): string {
  const seconds = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}
