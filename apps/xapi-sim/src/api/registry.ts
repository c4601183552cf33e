import type { Role, XapiValue } from '@xwc/api-client';
import type { SessionInfo } from '../auth/accounts.ts';
import { CLASSES } from '../db/tables.ts';
import type { XapiClass } from '../db/xapi-datamodel.ts';
import type { ParamSpec } from './params.ts';
import type { PermissionCheck } from './rbac.ts';

/** Who is calling, and through which host's listener. */
export interface Caller {
  readonly host: string;
  /** Present for every method that takes a session. */
  readonly session?: SessionInfo;
  /** The task of an `Async.` call. */
  readonly task?: string;
}

/** One API message: its wire name, parameters (session excluded), RBAC and implementation. */
export interface MethodSpec {
  readonly name: string;
  /** Whether the first wire parameter is a session ref (checked before RBAC and the call). */
  readonly session: boolean;
  readonly params: readonly ParamSpec[];
  /** The least role allowed (`_R_X`); absent for calls without RBAC (login). */
  readonly role?: Role;
  /** Checks that replace the default `<lower-case name>` permission, e.g. keyed map permissions. */
  readonly permissions?: (args: readonly unknown[]) => PermissionCheck[];
  /** Whether `Async.<name>` exists and returns a task. */
  readonly async?: boolean;
  readonly call: (caller: Caller, args: readonly unknown[]) => XapiValue | Promise<XapiValue>;
}

export const VOID = '';

/** The session a session-taking method was called with. */
export function sessionOf(caller: Caller): SessionInfo {
  if (!caller.session) throw new Error('method called without a session');
  return caller.session;
}

/** The least role xapi allows for `<cls>.<msg>` (its data model's word); a message the model lacks is a bug here. */
export function roleOf(cls: XapiClass, msg: string): Role {
  const role = CLASSES[cls].messages.get(msg)?.[1];
  if (!role) throw new Error(`${cls}.${msg} has no role in xapi's data model`);
  return role;
}
