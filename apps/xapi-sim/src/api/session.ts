import type { Accounts } from '../auth/accounts.ts';
import { param } from './params.ts';
import { roleOf, sessionOf, VOID, type MethodSpec } from './registry.ts';

/** `session.login_with_password` and `session.logout`; the session getters are generated. */
export function sessionMethods(accounts: Accounts): MethodSpec[] {
  return [
    {
      name: 'session.login_with_password',
      session: false,
      params: [
        param('uname', 'string'),
        param('pwd', 'string'),
        param('version', 'string', { default: '1.1' }),
        param('originator', 'string', { default: '' }),
      ],
      call: (caller, [uname, pwd, , originator]) =>
        accounts.login(uname as string, pwd as string, caller.host, originator as string),
    },
    {
      name: 'session.logout',
      session: true,
      params: [],
      role: roleOf('session', 'logout'),
      call: (caller) => {
        accounts.destroy(sessionOf(caller).ref);
        return VOID;
      },
    },
  ];
}
