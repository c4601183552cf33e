import { XapiError, type XapiValue } from '@xwc/api-client';
import type { Accounts, SessionInfo } from '../auth/accounts.ts';
import type { Tasks } from '../model/tasks.ts';
import { coerce } from './params.ts';
import { assertPermitted, check } from './rbac.ts';
import type { MethodSpec } from './registry.ts';

export type Outcome =
  | { readonly ok: true; readonly value: XapiValue; readonly raw?: boolean }
  | { readonly ok: false; readonly code: string; readonly params: readonly string[] };

export interface DispatchContext {
  readonly accounts: Accounts;
  readonly tasks: Tasks;
  /** The master's address when `host` is a pool member (every call there fails with HOST_IS_SLAVE). */
  masterAddressFor(host: string): string | undefined;
}

const ASYNC = 'Async.';
const SESSION = { kind: 'string' } as const;

/**
 * Runs one API call as XAPI's generated server does (`gen_server.ml`): parameter UTF-8 check, method lookup
 * (wire name or `Class_msg`), parameter count, unmarshalling, session check, RBAC, implementation;
 * `Async.` calls return a task at once.
 */
export class Dispatcher {
  readonly #methods = new Map<string, MethodSpec>();
  readonly #names: string[];

  constructor(
    private readonly ctx: DispatchContext,
    methods: readonly MethodSpec[],
  ) {
    // A later method of the same name replaces an earlier one: modelled behaviour over the generated default.
    for (const method of methods) {
      this.#methods.set(method.name, method);
      this.#methods.set(method.name.replace('.', '_'), method);
    }
    this.#names = [...new Set(methods.map((m) => m.name))];
  }

  /** Every permission name a role holds, for `session.rbac_permissions`. */
  permissionNames(allowed: (role: NonNullable<MethodSpec['role']>) => boolean): string[] {
    const out: string[] = [];
    for (const name of this.#names) {
      const method = this.#methods.get(name)!;
      if (method.role && allowed(method.role)) out.push(name.toLowerCase());
    }
    return out;
  }

  async dispatch(host: string, name: string, params: readonly XapiValue[]): Promise<Outcome> {
    try {
      if (name === 'system.listMethods') return { ok: true, value: this.#names, raw: true };
      if (name.startsWith('system.isAlive:')) {
        if (!params.length) throw new XapiError('INTERNAL_ERROR', ['Failure("hd")']);
        return { ok: true, value: params[0]! };
      }
      for (const param of params) assertUtf8(param);
      const master = this.ctx.masterAddressFor(host);
      if (master !== undefined) throw new XapiError('HOST_IS_SLAVE', [master]);
      return { ok: true, value: await this.#call(host, name, params) };
    } catch (error) {
      if (error instanceof XapiError) return { ok: false, code: error.code, params: error.params };
      return { ok: false, code: 'INTERNAL_ERROR', params: [error instanceof Error ? error.message : String(error)] };
    }
  }

  async #call(host: string, wireName: string, params: readonly XapiValue[]): Promise<XapiValue> {
    const isAsync = wireName.startsWith(ASYNC);
    const name = isAsync ? wireName.slice(ASYNC.length) : wireName;
    const method = this.#methods.get(name);
    if (!method || (isAsync && !method.async)) {
      // An unknown name called with a valid-looking session still has its session checked first.
      if (typeof params[0] === 'string' && params[0].startsWith('OpaqueRef:')) this.#session(params[0]);
      throw new XapiError('MESSAGE_METHOD_UNKNOWN', [wireName]);
    }
    const offset = method.session ? 1 : 0;
    const mandatory = method.params.filter((p) => !('default' in p)).length;
    const received = params.length - offset;
    const hasDefaults = mandatory < method.params.length;
    if (hasDefaults ? received < mandatory : received !== mandatory) {
      throw new XapiError('MESSAGE_PARAMETER_COUNT_MISMATCH', [name, String(mandatory), String(received)]);
    }
    const sessionRef = method.session ? (coerce(SESSION, params[0]!) as string) : undefined;
    const args = method.params.map((spec, i) =>
      i < received ? coerce(spec.type, params[i + offset]!) : (spec.default as unknown),
    );
    const session = sessionRef === undefined ? undefined : this.#session(sessionRef);
    if (session && method.role) {
      assertPermitted(session, method.permissions?.(args) ?? [check(method.name, method.role)]);
    }
    if (!isAsync) return method.call({ host, session }, args);
    const task = this.ctx.tasks.create(wireName, host, session);
    Promise.resolve()
      .then(() => method.call({ host, session, task }, args))
      .then(
        (value) => this.ctx.tasks.succeed(task, value),
        (error: unknown) => this.ctx.tasks.fail(task, error),
      );
    return task;
  }

  #session(ref: string): SessionInfo {
    const session = this.ctx.accounts.lookup(ref);
    if (!session) throw new XapiError('SESSION_INVALID', [ref]);
    return session;
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** XAPI refuses parameters that are not valid UTF-8 XML text; in JS that is a lone surrogate. */
function assertUtf8(value: XapiValue): void {
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value)) throw new XapiError('INVALID_VALUE', ['Invalid UTF-8 string in parameter', value]);
  } else if (Array.isArray(value)) value.forEach(assertUtf8);
  else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value)) {
      assertUtf8(k);
      assertUtf8(v as XapiValue);
    }
  }
}
