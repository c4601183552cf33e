import { inspect } from 'node:util';
import type { CallOptions, MalformedRecord, XapiConnection } from './connection.ts';
import { XapiError } from './errors.ts';
import { expectString, expectStrings, expectStruct } from './expect.ts';
import { parseField, parseRecord, parseRecordOrReport } from './records.ts';
import { ROLES, type Role } from './roles.ts';
import { fieldSpec, NULL_REF, type KnownClass, type XapiRecord, type XapiRef } from './schema.ts';
import type { XapiValue } from './wire/values.ts';

/** The fields of class C that are string maps, the ones with `add_to_`/`remove_from_` messages. */
export type MapField<C extends KnownClass> = {
  [F in keyof XapiRecord<C>]: XapiRecord<C>[F] extends Readonly<Record<string, string>> ? F : never;
}[keyof XapiRecord<C>] &
  string;

/** What appears instead of this session's ref in error parameters (e.g. `SESSION_INVALID`). */
export const REDACTED_SESSION = 'OpaqueRef:(this session)';

function roleOf(label: string): Role | undefined {
  const name = label.trim().toLowerCase().replace(/_/g, '-');
  return (ROLES as readonly string[]).includes(name) ? (name as Role) : undefined;
}

/**
 * A logged-in XAPI session. Its ref is a bearer credential: it is readable through `ref` but kept
 * out of string, JSON and inspect output, and out of error messages.
 */
export class XapiSession {
  readonly #ref: XapiRef;

  constructor(
    readonly connection: XapiConnection,
    ref: XapiRef,
  ) {
    this.#ref = ref;
  }

  get ref(): XapiRef {
    return this.#ref;
  }

  /** Calls `method` with this session prepended; follows `HOST_IS_SLAVE` once (the master moved). */
  async call(method: string, args: readonly XapiValue[] = [], options: CallOptions = {}): Promise<XapiValue> {
    const params = [this.#ref, ...args];
    try {
      return await this.connection.call(method, params, options);
    } catch (error) {
      if (!this.connection.followMaster(error)) throw this.#redact(error);
      try {
        return await this.connection.call(method, params, options);
      } catch (retryError) {
        throw this.#redact(retryError);
      }
    }
  }

  async logout(options: CallOptions = {}): Promise<void> {
    await this.call('session.logout', [], options);
  }

  async getAllRecords<C extends KnownClass>(cls: C, options: CallOptions = {}): Promise<Map<XapiRef, XapiRecord<C>>> {
    const method = `${cls}.get_all_records`;
    const raw = expectStruct(await this.call(method, [], options), method);
    const records = new Map<XapiRef, XapiRecord<C>>();
    const report = (malformed: MalformedRecord): boolean => this.connection.emit('malformed-record', malformed);
    for (const [ref, record] of Object.entries(raw)) {
      const parsed = parseRecordOrReport(cls, ref, record, report);
      if (parsed) records.set(ref, parsed);
    }
    return records;
  }

  async getRecord<C extends KnownClass>(cls: C, ref: XapiRef, options: CallOptions = {}): Promise<XapiRecord<C>> {
    return parseRecord(cls, await this.call(`${cls}.get_record`, [ref], options));
  }

  /** The ref of the object of class `cls` with this uuid (`UUID_INVALID` if none). */
  async getByUuid(cls: KnownClass, uuid: string, options: CallOptions = {}): Promise<XapiRef> {
    const method = `${cls}.get_by_uuid`;
    return expectString(await this.call(method, [uuid], options), method);
  }

  /** One field through its generated getter (`VM.get_power_state`), parsed like a record field. */
  async getField<C extends KnownClass, F extends keyof XapiRecord<C> & string>(
    cls: C,
    ref: XapiRef,
    field: F,
    options: CallOptions = {},
  ): Promise<XapiRecord<C>[F]> {
    const spec = fieldSpec(cls, field);
    if (!spec) throw new TypeError(`${cls} has no field ${field}`);
    const value = await this.call(`${cls}.get_${field}`, [ref], options);
    return parseField(cls, field, spec, value) as XapiRecord<C>[F];
  }

  /** `<cls>.add_to_<field>(ref, key, value)`: XAPI refuses an existing key with `MAP_DUPLICATE_KEY`. */
  async addToMap<C extends KnownClass>(
    cls: C,
    ref: XapiRef,
    field: MapField<C>,
    key: string,
    value: string,
    options: CallOptions = {},
  ): Promise<void> {
    await this.call(`${cls}.add_to_${field}`, [ref, key, value], options);
  }

  /** `<cls>.remove_from_<field>(ref, key)`: removing a missing key is a no-op. */
  async removeFromMap<C extends KnownClass>(
    cls: C,
    ref: XapiRef,
    field: MapField<C>,
    key: string,
    options: CallOptions = {},
  ): Promise<void> {
    await this.call(`${cls}.remove_from_${field}`, [ref, key], options);
  }

  /**
   * The caller's effective role: local superusers are pool-admin; otherwise the highest known role
   * among its subject's roles. Undefined when the session has no role this client knows.
   */
  async role(options: CallOptions = {}): Promise<Role | undefined> {
    const record = expectStruct(await this.call('session.get_record', [this.#ref], options), 'session.get_record');
    if (record.is_local_superuser === true) return 'pool-admin';
    const subject = record.subject;
    if (typeof subject !== 'string' || subject === NULL_REF) return undefined;
    const roleRefs = expectStrings(await this.call('subject.get_roles', [subject], options), 'subject.get_roles');
    const labels = await Promise.all(
      roleRefs.map(async (roleRef) =>
        expectString(await this.call('role.get_name_label', [roleRef], options), 'role.get_name_label'),
      ),
    );
    const known = labels.map(roleOf).filter((role): role is Role => role !== undefined);
    known.sort((a, b) => ROLES.indexOf(a) - ROLES.indexOf(b));
    return known[0];
  }

  #redact(error: unknown): unknown {
    if (!(error instanceof XapiError) || !error.params.includes(this.#ref)) return error;
    return new XapiError(
      error.code,
      error.params.map((param) => (param === this.#ref ? REDACTED_SESSION : param)),
      error.method,
    );
  }

  toString(): string {
    return `XapiSession(${this.connection.master})`;
  }

  toJSON(): { master: string } {
    return { master: this.connection.master };
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
