import type { Accounts } from '../auth/accounts.ts';
import { sessionOf, VOID, type MethodSpec } from './registry.ts';

/** `session.login_with_password` and `session.logout`; the session getters are generated. */
export function sessionMethods(accounts: Accounts): MethodSpec[] {
  return [
    {
      name: 'session.login_with_password',
      session: false,
      params: [
        { name: 'uname', type: 'string' },
        { name: 'pwd', type: 'string' },
        { name: 'version', type: 'string', default: '1.1' },
        { name: 'originator', type: 'string', default: '' },
      ],
      call: (caller, [uname, pwd, , originator]) =>
        accounts.login(uname as string, pwd as string, caller.host, originator as string),
    },
    {
      name: 'session.logout',
      session: true,
      params: [],
      role: 'read-only',
      call: (caller) => {
        accounts.destroy(sessionOf(caller).ref);
        return VOID;
      },
    },
  ];
}
