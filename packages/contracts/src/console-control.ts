/**
 * The console WebSocket's text frames: presence and control between the gateway and each viewer. Binary frames stay
 * raw RFB for noVNC; text frames carry one JSON object each, in the shapes below.
 */

/** One person on a console, as every viewer of it sees them. */
export interface ConsoleViewer {
  /** Opaque, per connection; not a secret (it identifies a viewer to the others, nothing more). */
  readonly id: string;
  readonly user: string;
  readonly role: string;
  /** When this viewer joined (ISO 8601). */
  readonly since: string;
  /** Asked to watch only: never given the keyboard. */
  readonly viewOnly: boolean;
  /** Holds the keyboard: their keys and pointer reach the guest. */
  readonly keyboard: boolean;
  /**
   * Connected through another gateway instance, which has its own connection to the console (a load balancer that
   * does not keep a console's viewers together); that instance has its own keyboard holder.
   */
  readonly remote: boolean;
  /**
   * A guest watching through a share link (no pool login of their own): the user who made the link. Such a viewer
   * watches only, never gets the keyboard, and is listed as "guest via <via>'s link".
   */
  readonly via?: string;
}

export type ControlChange =
  /** `viewer` got the keyboard; `from` had it (hand-over or take), absent when nobody had it. */
  | { readonly kind: 'granted'; readonly viewer: string; readonly how: GrantHow; readonly from?: string }
  /** `viewer` no longer has the keyboard and nobody has it now. */
  | { readonly kind: 'released'; readonly viewer: string; readonly why: ReleaseWhy }
  /** `viewer` asks the controller for the keyboard. */
  | { readonly kind: 'requested'; readonly viewer: string }
  /** The controller turned `viewer`'s request down. */
  | { readonly kind: 'denied'; readonly viewer: string; readonly by: string };

export type GrantHow = 'first' | 'request' | 'hand-over' | 'take' | 'typed';
export type ReleaseWhy = 'released' | 'idle' | 'left' | 'view-only';

/** Gateway → viewer. */
export type ConsoleNotice =
  /** First text frame: who this connection is and what it may do. */
  | { readonly type: 'welcome'; readonly viewer: string; readonly canControl: boolean; readonly canTake: boolean }
  /** The whole presence list, after every change. */
  | {
      readonly type: 'presence';
      readonly viewers: readonly ConsoleViewer[];
      /** Viewers waiting for the keyboard, oldest first. */
      readonly requests: readonly string[];
    }
  | { readonly type: 'control'; readonly change: ControlChange }
  /** A command of this viewer's was turned down (why, in a sentence). */
  | { readonly type: 'refused'; readonly reason: string }
  /** The upstream console is being re-attached (reboot, migration) under the viewers, or is live again. */
  | { readonly type: 'upstream'; readonly state: 'live' | 'reattaching' }
  /**
   * This console is being recorded (`on`; `keys`: which keys are pressed is captured too), or its recording failed
   * and stopped (`failed`, with why). Sent to every viewer on joining and on every change: never hidden.
   */
  | { readonly type: 'recording'; readonly state: RecordingState; readonly keys: boolean; readonly reason?: string };

export type RecordingState = 'on' | 'failed';

/** Viewer → gateway. */
export type ConsoleCommand =
  | { readonly type: 'request-control' }
  /** Takes back a request still waiting. */
  | { readonly type: 'withdraw-request' }
  | { readonly type: 'release-control' }
  | { readonly type: 'take-control' }
  | { readonly type: 'hand-over'; readonly to: string }
  | { readonly type: 'deny-control'; readonly to: string }
  | { readonly type: 'view-only'; readonly on: boolean }
  /** While on, nothing of this viewer's input is recorded (typing a secret); the input still reaches the guest. */
  | { readonly type: 'secret'; readonly on: boolean };

/** Longest text frame a viewer may send; commands are tiny. */
export const MAX_COMMAND_BYTES = 256;

const VIEWER_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Parses one text frame from a viewer; undefined when it is not exactly one known command. */
export function parseConsoleCommand(text: string): ConsoleCommand | undefined {
  if (text.length > MAX_COMMAND_BYTES) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const command = value as Record<string, unknown>;
  const keys = Object.keys(command);
  const only = (...allowed: string[]): boolean => keys.every((k) => allowed.includes(k));
  switch (command.type) {
    case 'request-control':
    case 'withdraw-request':
    case 'release-control':
    case 'take-control':
      return only('type') ? { type: command.type } : undefined;
    case 'hand-over':
    case 'deny-control':
      return only('type', 'to') && typeof command.to === 'string' && VIEWER_ID.test(command.to)
        ? { type: command.type, to: command.to }
        : undefined;
    case 'view-only':
    case 'secret':
      return only('type', 'on') && typeof command.on === 'boolean' ? { type: command.type, on: command.on } : undefined;
    default:
      return undefined;
  }
}
