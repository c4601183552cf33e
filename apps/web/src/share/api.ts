import { ApiError, request } from '../api/http.ts';
import { isObject } from '../api/wire.ts';
import type { ConsoleKind } from '../navigation/routes.ts';
import type { LinkState, SharedConsoleView, ShareLinkView } from '../shared/contracts.ts';

/** The gateway's share-link calls (docs/api.md), each answer parsed into the contract's shapes. */

const STATES: ReadonlySet<string> = new Set<LinkState>(['active', 'expired', 'revoked', 'ended', 'used']);

const isText = (value: unknown): value is string => typeof value === 'string';
const isKind = (value: unknown): value is ConsoleKind => value === 'vm' || value === 'host';
const isTime = (value: unknown): value is string => isText(value) && !Number.isNaN(Date.parse(value));

function parseConsole(value: unknown): { kind: ConsoleKind; uuid: string } | undefined {
  return isObject(value) && isKind(value.kind) && isText(value.uuid)
    ? { kind: value.kind, uuid: value.uuid }
    : undefined;
}

function parseLink(value: unknown): ShareLinkView | undefined {
  if (!isObject(value)) return undefined;
  const { id, objectName, createdBy, createdAt, expiresAt, singleUse, state, revokedBy } = value;
  const console = parseConsole(value.console);
  if (!console || ![id, objectName, createdBy].every(isText) || !isTime(createdAt) || !isTime(expiresAt)) {
    return undefined;
  }
  if (typeof singleUse !== 'boolean' || !isText(state) || !STATES.has(state)) return undefined;
  return {
    id: id as string,
    console,
    objectName: objectName as string,
    createdBy: createdBy as string,
    createdAt,
    expiresAt,
    singleUse,
    state: state as LinkState,
    ...(isText(revokedBy) ? { revokedBy } : {}),
  };
}

const unexpected = (): ApiError => new ApiError(502, 'BAD_RESPONSE', 'The gateway sent an unexpected answer.');

export interface MadeLink {
  readonly link: ShareLinkView;
  /** The address to hand out: this page's origin, the link's path and its token in the fragment. */
  readonly url: string;
}

export async function createLink(
  kind: ConsoleKind,
  uuid: string,
  expiresIn: number,
  singleUse: boolean,
): Promise<MadeLink> {
  const body = await request<unknown>('/api/shares', { method: 'POST', body: { kind, uuid, expiresIn, singleUse } });
  const link = isObject(body) ? parseLink(body.link) : undefined;
  if (!link || !isObject(body) || !isText(body.path) || !body.path.startsWith('/share/')) throw unexpected();
  return { link, url: `${location.origin}${body.path}` };
}

/** The links this user may see (pool admins: everyone's), newest first. */
export async function listLinks(): Promise<ShareLinkView[]> {
  const body = await request<unknown>('/api/shares');
  if (!isObject(body) || !Array.isArray(body.links)) throw unexpected();
  return body.links.flatMap((value) => parseLink(value) ?? []);
}

export async function revokeLink(id: string): Promise<void> {
  await request(`/api/shares/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/** What a guest holding `token` may know of the shared console; an ApiError (LINK_…) when the link does not work. */
export async function sharedConsole(kind: ConsoleKind, uuid: string, token: string): Promise<SharedConsoleView> {
  const body = await request<unknown>(`/api/shared/${kind}/${encodeURIComponent(uuid)}`, {
    headers: { Authorization: `Bearer ${token}` },
    quietUnauthorized: true,
  });
  const console = isObject(body) ? parseConsole(body.console) : undefined;
  if (!console || !isObject(body) || !isText(body.objectName) || !isText(body.sharedBy) || !isTime(body.expiresAt)) {
    throw unexpected();
  }
  return {
    console,
    objectName: body.objectName,
    sharedBy: body.sharedBy,
    expiresAt: body.expiresAt,
    singleUse: body.singleUse === true,
    viewOnly: true,
  };
}
