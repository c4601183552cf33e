import { isRole, type Role } from '../shared/roles.ts';
import { ApiError, request } from './http.ts';
import { asRecord, isObject, type AnyRec, type WireClass } from './wire.ts';

/** The gateway's REST calls (docs/api.md), each parsed into the UI's types. */

export interface SessionInfo {
  readonly user: string;
  readonly role: Role;
  readonly pool: { readonly uuid: string; readonly name: string } | undefined;
}

function parseSession(body: unknown): SessionInfo {
  if (!isObject(body) || typeof body.user !== 'string' || !isRole(body.role)) {
    throw new ApiError(502, 'BAD_RESPONSE', 'The gateway sent an unexpected session answer.');
  }
  const pool = isObject(body.pool) && typeof body.pool.uuid === 'string' ? body.pool : undefined;
  return {
    user: body.user,
    role: body.role,
    pool: pool ? { uuid: String(pool.uuid), name: typeof pool.name === 'string' ? pool.name : '' } : undefined,
  };
}

/** The current session, or undefined when not logged in. */
export async function fetchSession(): Promise<SessionInfo | undefined> {
  try {
    return parseSession(await request('/api/session', { quietUnauthorized: true }));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return undefined;
    throw error;
  }
}

export async function login(username: string, password: string): Promise<SessionInfo> {
  const body = await request<unknown>('/api/session', {
    method: 'POST',
    body: { username, password },
    quietUnauthorized: true,
  });
  const partial = parseSession({ ...(isObject(body) ? body : {}), pool: undefined });
  // The login answer carries no pool; ask once so the header can name it.
  const full = await fetchSession().catch(() => undefined);
  return full ?? partial;
}

export async function logout(): Promise<void> {
  await request('/api/session', { method: 'DELETE', quietUnauthorized: true });
}

export interface ObjectDetails {
  readonly cls: WireClass;
  readonly uuid: string;
  /** Undefined when the answer carried no usable record. */
  readonly record: AnyRec | undefined;
}

/** Values are the exact strings to store; null removes the key. */
export type Patch = Readonly<Record<string, string | null>>;

export async function patchExtensions(cls: WireClass, uuid: string, patch: Patch): Promise<ObjectDetails> {
  const body = await request<unknown>(`/api/objects/${cls}/${encodeURIComponent(uuid)}/extensions`, {
    method: 'PATCH',
    body: patch,
  });
  return { cls, uuid, record: isObject(body) ? asRecord(body.record) : undefined };
}

export async function patchOtherConfig(cls: WireClass, uuid: string, patch: Patch): Promise<void> {
  await request(`/api/objects/${cls}/${encodeURIComponent(uuid)}/other-config`, { method: 'PATCH', body: patch });
}

export const POWER_ACTIONS = [
  'start',
  'shutdown',
  'hard_shutdown',
  'reboot',
  'hard_reboot',
  'suspend',
  'resume',
] as const;
export type PowerAction = (typeof POWER_ACTIONS)[number];

export async function powerAction(uuid: string, action: PowerAction): Promise<void> {
  await request(`/api/objects/vm/${encodeURIComponent(uuid)}/power`, { method: 'POST', body: { action } });
}

export async function migrateVm(uuid: string, hostUuid: string): Promise<void> {
  await request(`/api/objects/vm/${encodeURIComponent(uuid)}/migrate`, { method: 'POST', body: { host: hostUuid } });
}

export function rdpFileUrl(uuid: string): string {
  return `/api/objects/vm/${encodeURIComponent(uuid)}/rdp`;
}
