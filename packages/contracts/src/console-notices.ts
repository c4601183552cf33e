import type { ConsoleNotice, ConsoleViewer, ControlChange, GrantHow, ReleaseWhy } from './console-control.ts';

/**
 * The gateway's text frames on the console WebSocket, parsed once into `ConsoleNotice` (packages/contracts). Anything
 * that is not exactly a known notice is undefined: the caller ignores it. Only the contract's fields are copied, so a
 * notice holds nothing the contract does not describe.
 */

type Fields = Readonly<Record<string, unknown>>;

const GRANT_HOW: ReadonlySet<string> = new Set<GrantHow>(['first', 'request', 'hand-over', 'take', 'typed']);
const RELEASE_WHY: ReadonlySet<string> = new Set<ReleaseWhy>(['released', 'idle', 'left', 'view-only']);
/** Far beyond any real console; a list longer than this is not a presence list. */
const MAX_VIEWERS = 1000;

const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';
const isFlag = (value: unknown): value is boolean => typeof value === 'boolean';

function parseViewer(value: unknown): ConsoleViewer | undefined {
  if (!isObject(value)) return undefined;
  const { id, user, role, since, viewOnly, keyboard, remote, via } = value;
  if (!isText(id) || !isText(user) || !isText(role) || !isText(since) || Number.isNaN(Date.parse(since)))
    return undefined;
  if (!isFlag(viewOnly) || !isFlag(keyboard) || !isFlag(remote)) return undefined;
  if (via !== undefined && !isText(via)) return undefined;
  return { id, user, role, since, viewOnly, keyboard, remote, ...(via === undefined ? {} : { via }) };
}

function parseChange(value: unknown): ControlChange | undefined {
  if (!isObject(value) || !isText(value.viewer)) return undefined;
  const { viewer } = value;
  switch (value.kind) {
    case 'granted': {
      const { how, from } = value;
      if (typeof how !== 'string' || !GRANT_HOW.has(how)) return undefined;
      if (from === undefined) return { kind: 'granted', viewer, how: how as GrantHow };
      return isText(from) ? { kind: 'granted', viewer, how: how as GrantHow, from } : undefined;
    }
    case 'released':
      return typeof value.why === 'string' && RELEASE_WHY.has(value.why)
        ? { kind: 'released', viewer, why: value.why as ReleaseWhy }
        : undefined;
    case 'requested':
      return { kind: 'requested', viewer };
    case 'denied':
      return isText(value.by) ? { kind: 'denied', viewer, by: value.by } : undefined;
    default:
      return undefined;
  }
}

function parseFields(value: Fields): ConsoleNotice | undefined {
  switch (value.type) {
    case 'welcome': {
      const { viewer, canControl, canTake } = value;
      return isText(viewer) && isFlag(canControl) && isFlag(canTake)
        ? { type: 'welcome', viewer, canControl, canTake }
        : undefined;
    }
    case 'presence': {
      const { viewers, requests } = value;
      if (!Array.isArray(viewers) || !Array.isArray(requests) || viewers.length > MAX_VIEWERS) return undefined;
      if (requests.length > MAX_VIEWERS || !requests.every(isText)) return undefined;
      const parsed = viewers.map(parseViewer);
      return parsed.every((v) => v !== undefined) ? { type: 'presence', viewers: parsed, requests } : undefined;
    }
    case 'control': {
      const change = parseChange(value.change);
      return change ? { type: 'control', change } : undefined;
    }
    case 'refused':
      return isText(value.reason) ? { type: 'refused', reason: value.reason } : undefined;
    case 'upstream':
      return value.state === 'live' || value.state === 'reattaching'
        ? { type: 'upstream', state: value.state }
        : undefined;
    case 'recording': {
      const { state, keys, reason } = value;
      if ((state !== 'on' && state !== 'failed') || !isFlag(keys)) return undefined;
      if (reason === undefined) return { type: 'recording', state, keys };
      return isText(reason) ? { type: 'recording', state, keys, reason } : undefined;
    }
    default:
      return undefined;
  }
}

export function parseConsoleNotice(text: string): ConsoleNotice | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isObject(value) ? parseFields(value) : undefined;
}
