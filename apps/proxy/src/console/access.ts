import { roleAtLeast } from '@xwc/api-client';
import type { UserSession } from '../auth/sessions.ts';
import type { ConsoleOwner } from './resolve.ts';

/**
 * xapi lets vm-operators and above open VM consoles, and only pool admins the control domain's
 * (`http/connect_console`): whoever joins a console the gateway already holds, shares or shows is checked the same way.
 */
export const mayOpen = (session: Pick<UserSession, 'role'>, owner: ConsoleOwner): boolean =>
  roleAtLeast(session.role, owner === 'host' ? 'pool-admin' : 'vm-operator');
