import type { RecordingEvent } from '../shared/contracts.ts';

/** What the player's timeline marks and lists, from a recording's events. Pure. */

export interface Marker {
  readonly time: number;
  readonly kind: 'join' | 'leave' | 'control' | 'keys' | 'upstream';
  readonly label: string;
}

export interface RecordedUser {
  readonly user: string;
  readonly role: string;
  /** When they first joined (ms). */
  readonly since: number;
}

/** Keys this close together are one stretch of typing: one marker, not one per key. */
const TYPING_GAP_MS = 2000;

const HOW: Readonly<Record<string, string>> = {
  first: 'has the keyboard',
  request: 'was given the keyboard',
  'hand-over': 'was handed the keyboard',
  take: 'took the keyboard',
  typed: 'took the keyboard by typing',
};

export function markersOf(events: readonly { time: number; event: RecordingEvent }[]): Marker[] {
  const markers: Marker[] = [];
  const lastKey = new Map<string, number>();
  for (const { time, event } of events) {
    switch (event.kind) {
      case 'join':
        markers.push({ time, kind: 'join', label: `${event.user} connected${event.viewOnly ? ' (view only)' : ''}` });
        break;
      case 'leave':
        markers.push({ time, kind: 'leave', label: `${event.user} left` });
        break;
      case 'control':
        if (event.how !== 'released') {
          markers.push({ time, kind: 'control', label: `${event.user} ${HOW[event.how] ?? 'took the keyboard'}` });
        }
        break;
      case 'key': {
        const previous = lastKey.get(event.viewer);
        lastKey.set(event.viewer, time);
        if (event.down && (previous === undefined || time - previous > TYPING_GAP_MS)) {
          markers.push({ time, kind: 'keys', label: `${event.user} typing${event.forwarded ? '' : ' (not sent)'}` });
        }
        break;
      }
      case 'upstream':
        if (event.state === 'live') markers.push({ time, kind: 'upstream', label: 'Console re-attached' });
        break;
      default:
        break;
    }
  }
  return markers;
}

export function usersOf(events: readonly { time: number; event: RecordingEvent }[]): RecordedUser[] {
  const users = new Map<string, RecordedUser>();
  for (const { time, event } of events) {
    if (event.kind === 'join' && !users.has(event.user))
      users.set(event.user, { user: event.user, role: event.role, since: time });
  }
  return [...users.values()];
}

/** `m:ss` (or `h:mm:ss`) for a position in ms. */
export function formatClock(ms: number): string {
  const total = Math.floor(Math.max(0, ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}
