import { roleAtLeast, rolesFrom, XapiError, type Role } from '@xwc/api-client';
import type { SessionInfo } from '../auth/accounts.ts';

/** Who RBAC judges: a session's role, or local root, who bypasses RBAC. */
type Caller = Pick<SessionInfo, 'role' | 'superuser'>;

/** A permission name (lower-case, as XAPI spells it) and the least role that holds it. */
export interface PermissionCheck {
  readonly permission: string;
  readonly role: Role;
}

export const check = (permission: string, role: Role): PermissionCheck => ({
  permission: permission.toLowerCase(),
  role,
});

/** `<call>/key:<lower-cased key or pattern>`: XAPI's keyed permission for a protected map key. */
export const keyedPermission = (call: string, pattern: string): string => `${call}/key:${pattern}`.toLowerCase();

export function deniedMessage(role: Role): string {
  return `No permission in user session. (Roles with this permission: ${rolesFrom(role).join(', ')})`;
}

/** Raises XAPI's `RBAC_PERMISSION_DENIED [permission; message]` for the first check the session fails. */
export function assertPermitted(session: Caller, checks: readonly PermissionCheck[]): void {
  if (session.superuser) return;
  for (const { permission, role } of checks) {
    if (!roleAtLeast(session.role, role))
      throw new XapiError('RBAC_PERMISSION_DENIED', [permission, deniedMessage(role)]);
  }
}

export function permitted(session: Caller, role: Role): boolean {
  return session.superuser || roleAtLeast(session.role, role);
}
