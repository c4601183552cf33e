import { isWireClass, type WireClass } from '../api/wire.ts';

/** The UI's addresses. Pure: parsing and building paths, no history access. */

export const DETAIL_TABS = ['general', 'extensions', 'other-config', 'console', 'performance'] as const;
export type DetailTab = (typeof DETAIL_TABS)[number];

export type ConsoleKind = 'vm' | 'host';

export type Route =
  | { readonly name: 'inventory'; readonly cls?: WireClass; readonly uuid?: string; readonly tab: DetailTab }
  | { readonly name: 'console'; readonly kind: ConsoleKind; readonly uuid: string }
  /** A console shared by link: needs no login (the token is in the address's fragment, never sent to a server). */
  | { readonly name: 'share'; readonly kind: ConsoleKind; readonly uuid: string }
  | { readonly name: 'wall'; readonly source: WallSource }
  /** Console recordings (pool admins): the list, and one recording's player. */
  | { readonly name: 'recordings' }
  | { readonly name: 'recording'; readonly id: string }
  | { readonly name: 'not-found'; readonly path: string };

const UUID = /^[0-9a-fA-F-]{1,64}$/;
const RECORDING_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Which consoles a wall shows: every VM, a host's VMs, a search's matches, or a picked set. */
export type WallSource =
  | { readonly kind: 'all' }
  | { readonly kind: 'host'; readonly uuid: string }
  | { readonly kind: 'search'; readonly text: string }
  | { readonly kind: 'vms'; readonly uuids: readonly string[] };

/** A picked set longer than this is not a wall anyone asked for. */
const MAX_PICKED = 500;

function parseWall(parts: readonly string[]): WallSource | undefined {
  const [kind, value, ...rest] = parts;
  if (rest.length > 0) return undefined;
  if (kind === undefined) return { kind: 'all' };
  if (kind === 'host' && value !== undefined && UUID.test(value)) return { kind: 'host', uuid: value };
  if (kind === 'search' && value !== undefined) return { kind: 'search', text: value };
  if (kind === 'vms' && value !== undefined) {
    const uuids = value.split(',');
    return uuids.length <= MAX_PICKED && uuids.every((u) => UUID.test(u)) ? { kind: 'vms', uuids } : undefined;
  }
  return undefined;
}

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
  if (head === 'share' && (a === 'vm' || a === 'host') && b !== undefined && UUID.test(b) && c === undefined) {
    return { name: 'share', kind: a, uuid: b };
  }
  const source = head === 'wall' ? parseWall(parts.slice(1).map(safeDecode)) : undefined;
  if (source) return { name: 'wall', source };
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

export function wallPath(source: WallSource): string {
  switch (source.kind) {
    case 'all':
      return '/wall';
    case 'host':
      return `/wall/host/${encodeURIComponent(source.uuid)}`;
    case 'search':
      return `/wall/search/${encodeURIComponent(source.text)}`;
    case 'vms':
      return `/wall/vms/${source.uuids.map(encodeURIComponent).join(',')}`;
  }
}
