import { isWireClass, type WireClass } from '../api/wire.ts';

/** The UI's addresses. Pure: parsing and building paths, no history access. */

export const DETAIL_TABS = ['general', 'extensions', 'other-config', 'console', 'performance'] as const;
export type DetailTab = (typeof DETAIL_TABS)[number];

export type ConsoleKind = 'vm' | 'host';

export type Route =
  | { readonly name: 'inventory'; readonly cls?: WireClass; readonly uuid?: string; readonly tab: DetailTab }
  | { readonly name: 'console'; readonly kind: ConsoleKind; readonly uuid: string }
  /** Console recordings (pool admins): the list, and one recording's player. */
  | { readonly name: 'recordings' }
  | { readonly name: 'recording'; readonly id: string }
  | { readonly name: 'not-found'; readonly path: string };

const UUID = /^[0-9a-fA-F-]{1,64}$/;
const RECORDING_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function parseRoute(pathname: string): Route {
  const parts = pathname.split('/').filter((part) => part !== '');
  if (parts.length === 0) return { name: 'inventory', tab: 'general' };
  const [head, a, b, c, ...rest] = parts.map(safeDecode);
  if (head === 'object' && a !== undefined && isWireClass(a) && b !== undefined && UUID.test(b) && rest.length === 0) {
    const tab = (DETAIL_TABS as readonly string[]).includes(c ?? '') ? (c as DetailTab) : 'general';
    if (c !== undefined && tab !== c) return { name: 'not-found', path: pathname };
    return { name: 'inventory', cls: a, uuid: b, tab };
  }
  if (head === 'console' && (a === 'vm' || a === 'host') && b !== undefined && UUID.test(b) && c === undefined) {
    return { name: 'console', kind: a, uuid: b };
  }
  if (head === 'recordings' && a === undefined) return { name: 'recordings' };
  if (head === 'recordings' && a !== undefined && RECORDING_ID.test(a) && b === undefined) {
    return { name: 'recording', id: a };
  }
  return { name: 'not-found', path: pathname };
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

export function objectPath(cls: WireClass, uuid: string, tab: DetailTab = 'general'): string {
  const base = `/object/${cls}/${encodeURIComponent(uuid)}`;
  return tab === 'general' ? base : `${base}/${tab}`;
}

export function consolePath(kind: ConsoleKind, uuid: string): string {
  return `/console/${kind}/${encodeURIComponent(uuid)}`;
}
