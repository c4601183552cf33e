import { useId, useMemo, useState, type ReactNode } from 'react';
import { patchExtensions } from '../api/endpoints.ts';
import { ApiError, describeError } from '../api/http.ts';
import { NULL_REF, XAPI_CLASS, type AnyRec, type NetworkRec, type WireClass } from '../api/wire.ts';
import {
  EFFECTS,
  formatForDisplay,
  formatUtc,
  GROUPS,
  readExtensions,
  ROLE_LABELS,
  roleAtLeast,
  type Entry,
  type Group,
  type RecordExtension,
  type Role,
} from '../shared/catalogue.ts';
import { dictOf } from '../shared/dict.ts';
import { cache } from '../store/cache.ts';
import { Glyph } from '../ui/Icon.tsx';
import { SaveBar } from '../ui/SaveBar.tsx';
import { toast } from '../ui/toasts.ts';
import { useNow } from '../ui/useNow.ts';
import {
  addNewEntry,
  clearDrafts,
  removeNewEntry,
  setDraft,
  updateNewEntry,
  useDrafts,
  useNewEntries,
  type NewEntry,
} from './drafts.ts';
import { checkDraft, checkForm, inputOf, isRelevant, type Draft } from './extension-form.ts';
import { renderControl } from './fields.tsx';

/**
 * The Extensions form, generated from the catalogue for any object: one control per documented key, inline validation
 * with the catalogue's own rules, when each change takes effect, and one PATCH with only the changed keys.
 */

export const fieldDomId = (key: string): string => `ext-${key.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/** Why the user cannot change an entry, or undefined when they can. */
export function disabledReason(entry: Entry, record: AnyRec, role: Role): string | undefined {
  if (!entry.editable) return entry.readOnlyReason;
  if (!roleAtLeast(role, entry.writeRole)) {
    return `Changing this needs the ${ROLE_LABELS[entry.writeRole]} role or higher; you are ${ROLE_LABELS[role]}.`;
  }
  const condition = entry.writableWhen;
  if (condition && record[condition.field] === condition.notEquals) return condition.reason;
  return undefined;
}

interface ServerError {
  readonly key?: string;
  readonly message: string;
}

const isPatternTable = (entry: Entry): boolean => entry.field === 'xenstore_data';
/** Read-only keys matched by a pattern (licence restrictions…): listed compactly, their shared help shown once. */
const isReadOnlyPattern = (entry: Entry): boolean => entry.keyPattern !== undefined && !entry.editable;

export function ExtensionsForm({
  cls,
  uuid,
  record,
  role,
  name,
  embedded,
}: {
  cls: WireClass;
  uuid: string;
  record: AnyRec;
  role: Role;
  /** The object's display name, for messages. */
  name: string;
  /** Inside another object's form (a VM's NICs): no sticky save bar. */
  embedded?: boolean;
}) {
  const xapiCls = XAPI_CLASS[cls];
  const form = `ext:${cls}/${uuid}`;
  const drafts = useDrafts(form);
  const added = useNewEntries(form);
  const [saving, setSaving] = useState(false);
  const [serverError, setServerError] = useState<ServerError | undefined>();
  const now = useNow(30_000);

  const extensions = useMemo(
    () => readExtensions(xapiCls, record).filter((ext) => isRelevant(ext, xapiCls, record)),
    [xapiCls, record],
  );
  const check = useMemo(() => checkForm(xapiCls, record, role, drafts), [xapiCls, record, role, drafts]);
  const addedChecks = useMemo(
    () =>
      added.map((entry) => ({
        entry,
        result:
          entry.key.trim() === ''
            ? ({ ok: false, message: 'Enter a key under vm-data/.' } as const)
            : checkDraft(xapiCls, record, role, `${entry.field}:${entry.key.trim()}`, entry.value),
      })),
    [added, xapiCls, record, role],
  );

  const patch = dictOf(Object.entries(check.patch));
  for (const { entry, result } of addedChecks)
    if (result.ok) patch[`${entry.field}:${entry.key.trim()}`] = result.normalized;
  const changeCount = Object.keys(patch).length;
  const errorCount = check.errors.size + addedChecks.filter((a) => !a.result.ok).length;

  const save = async () => {
    if (saving || changeCount === 0 || errorCount > 0) return;
    setSaving(true);
    setServerError(undefined);
    try {
      const result = await patchExtensions(cls, uuid, patch);
      if (result.record) cache.apply([{ op: 'mod', cls, uuid, ref: result.record.$ref, record: result.record }]);
      // Everything left was either saved or equal to the stored value.
      clearDrafts(form);
      removeNewEntry(form);
      toast('success', `Saved ${changeCount} ${changeCount === 1 ? 'change' : 'changes'} to ${name}.`);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'INVALID_EXTENSION') {
        const key = typeof error.details.key === 'string' ? error.details.key : undefined;
        setServerError({ ...(key ? { key } : {}), message: error.message });
        if (key) document.getElementById(fieldDomId(key))?.scrollIntoView({ block: 'center', behavior: 'smooth' });
      } else {
        setServerError({ message: describeError(error) });
      }
    } finally {
      setSaving(false);
    }
  };

  const discard = () => {
    clearDrafts(form);
    removeNewEntry(form);
    setServerError(undefined);
  };

  const byGroup = new Map<Group, RecordExtension[]>();
  for (const ext of extensions) {
    const list = byGroup.get(ext.entry.group) ?? [];
    list.push(ext);
    byGroup.set(ext.entry.group, list);
  }

  const fieldProps = (ext: RecordExtension) => {
    const key = ext.key;
    const draft = drafts.get(key);
    const value = draft === undefined ? inputOf(ext) : (draft ?? '');
    const serverMessage = serverError?.key === key ? serverError.message : undefined;
    return {
      ext,
      value,
      changed: check.changed.has(key),
      error: check.errors.get(key) ?? serverMessage,
      disabled: disabledReason(ext.entry, record, role),
      onChange: (next: string) => {
        if (serverError?.key === key) setServerError(undefined);
        setDraft(form, key, next === inputOf(ext) ? undefined : (next as Draft));
      },
      onReset: () => setDraft(form, key, undefined),
      now,
    };
  };

  const sections: ReactNode[] = [];
  for (const group of GROUPS) {
    const list = byGroup.get(group);
    if (!list && !(group === 'xenstore' && xapiCls === 'VM')) continue;
    const table = (list ?? []).filter((ext) => isPatternTable(ext.entry));
    const listed = (list ?? []).filter((ext) => !isPatternTable(ext.entry) && isReadOnlyPattern(ext.entry));
    const plain = (list ?? []).filter((ext) => !isPatternTable(ext.entry) && !isReadOnlyPattern(ext.entry));
    sections.push(
      <section key={group} className="ext-group" aria-labelledby={`${form}-${group}`}>
        <h3 id={`${form}-${group}`}>{group}</h3>
        {plain.map((ext) => (
          <FieldRow key={ext.key} {...fieldProps(ext)} record={record} cls={cls} />
        ))}
        {listed.length > 0 ? <PatternValues extensions={listed} now={now} /> : null}
        {group === 'xenstore' && xapiCls === 'VM' ? (
          <XenstoreTable
            form={form}
            rows={table}
            added={addedChecks}
            drafts={drafts}
            disabled={disabledReason(
              extensions.find((e) => e.entry.keyPattern === 'vm-data/*')?.entry ??
                table[0]?.entry ??
                ({ editable: false, readOnlyReason: 'Not available' } as unknown as Entry),
              record,
              role,
            )}
            serverError={serverError}
          />
        ) : null}
      </section>,
    );
  }

  return (
    <form
      className={`ext-form${embedded ? ' embedded' : ''}`}
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
      onKeyDown={(event) => {
        if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 's') {
          event.preventDefault();
          void save();
        }
      }}
      aria-label={`Extensions of ${name}`}
    >
      {sections.length === 0 ? (
        <p className="empty-state">The catalogue documents no extensions for this object.</p>
      ) : (
        sections
      )}
      {!extensions.some((ext) => ext.entry.editable) ? null : (
        <SaveBar
          changes={changeCount}
          problems={errorCount}
          error={
            serverError === undefined
              ? undefined
              : serverError.key
                ? `The pool refused ${serverError.key}: ${serverError.message}`
                : serverError.message
          }
          saving={saving}
          canDiscard={drafts.size > 0 || added.length > 0}
          onDiscard={discard}
        />
      )}
    </form>
  );
}

function FieldRow({
  ext,
  value,
  changed,
  error,
  disabled,
  onChange,
  onReset,
  record,
  cls,
  now,
}: {
  ext: RecordExtension;
  value: string;
  changed: boolean;
  error: string | undefined;
  disabled: string | undefined;
  onChange(value: string): void;
  onReset(): void;
  record: AnyRec;
  cls: WireClass;
  now: number;
}) {
  const { entry } = ext;
  const id = useId();
  const metaId = `${id}-meta`;
  const control = entry.editable
    ? renderControl({
        id,
        entry,
        value,
        disabled: disabled !== undefined,
        invalid: error !== undefined,
        describedBy: metaId,
        onChange,
      })
    : undefined;
  const isMtu = entry.field === 'MTU' && cls === 'network';
  return (
    <div
      id={fieldDomId(ext.key)}
      className={`field${changed ? ' changed' : ''}${error ? ' invalid' : ''}${disabled && entry.editable ? ' locked' : ''}`}
    >
      <div className="field-label">
        {control ? <label htmlFor={id}>{entry.label}</label> : <span>{entry.label}</span>}
        {entry.experimental ? <span className="tag tag-warning">experimental</span> : null}
        {changed ? <span className="tag tag-changed">changed</span> : null}
      </div>
      <div className="field-control">
        {control ?? <ReadOnlyValue ext={ext} now={now} />}
        {changed ? (
          <button
            type="button"
            className="icon-button"
            aria-label={`Undo the change to ${entry.label}`}
            onClick={onReset}
          >
            <Glyph name="undo" />
          </button>
        ) : null}
      </div>
      <div className="field-meta" id={metaId}>
        {error ? (
          <p className="field-error" role="alert">
            {error}
          </p>
        ) : null}
        {isMtu ? <MtuNotes value={value} record={record} changed={changed} /> : null}
        {ext.problem ? <p className="field-problem">Stored value: {ext.problem}.</p> : null}
        <p className="field-help">{entry.help}</p>
        {entry.editable ? (
          <p className="field-effect">
            <span className="effect-label">Takes effect:</span> {EFFECTS[entry.effect]}
            {!ext.isSet ? <span className="field-absent"> · Not set: {entry.absentMeans}</span> : null}
          </p>
        ) : null}
        {disabled && entry.editable ? <p className="field-locked">{disabled}</p> : null}
      </div>
    </div>
  );
}

function PatternValues({ extensions, now }: { extensions: readonly RecordExtension[]; now: number }) {
  const byEntry = new Map<Entry, RecordExtension[]>();
  for (const ext of extensions) byEntry.set(ext.entry, [...(byEntry.get(ext.entry) ?? []), ext]);
  return (
    <>
      {[...byEntry].map(([entry, list]) => (
        <div key={entry.id} className="field pattern-values">
          <div className="field-label">{entry.label}</div>
          <dl className="pattern-list">
            {list.map((ext) => (
              <div key={ext.key} id={fieldDomId(ext.key)}>
                <dt>
                  <code>{ext.key.slice(ext.key.indexOf(':') + 1)}</code>
                </dt>
                <dd>{formatForDisplay(entry, ext.value, { now: new Date(now) })}</dd>
              </div>
            ))}
          </dl>
          <div className="field-meta">
            <p className="field-help">{entry.help}</p>
          </div>
        </div>
      ))}
    </>
  );
}

function MtuNotes({ value, record, changed }: { value: string; record: AnyRec; changed: boolean }) {
  const current = typeof record.MTU === 'number' ? record.MTU : 1500;
  const min = Math.min(1500, current);
  const max = Math.max(9216, current);
  const network = record as unknown as NetworkRec;
  const management = cache.byRefs('pif', network.PIFs).find((pif) => pif.management);
  const toolless = cache.byRefs('vif', network.VIFs).some((vif) => {
    const vm = cache.byRef('vm', vif.VM);
    return vm?.power_state === 'Running' && vm.guest_metrics === NULL_REF;
  });
  return (
    <>
      <p className="field-info">{min === max ? `Allowed MTU value: ${min}` : `Allowed MTU range: ${min} to ${max}`}.</p>
      {changed && value !== String(current) ? (
        <p className="field-warning" role="note">
          <Glyph name="warning" /> Warning: Your network will be temporarily disrupted when you apply these settings.
          NICs take the new MTU when they are next plugged, which briefly interrupts traffic on every attached VM and
          host.
          {management
            ? ` This network carries the management interface '${management.device}': the pool's own traffic is interrupted too.`
            : ''}
          {toolless
            ? ' Some running VMs on it have no guest tools and may not take the new MTU until they restart.'
            : ''}
        </p>
      ) : null}
    </>
  );
}

function ReadOnlyValue({ ext, now }: { ext: RecordExtension; now: number }) {
  const { entry } = ext;
  if (entry.key === 'import_task' && typeof ext.value === 'string') return <TaskValue refOrUuid={ext.value} />;
  const text = formatForDisplay(entry, ext.value, { now: new Date(now) });
  const title =
    ext.value instanceof Date ? `${ext.value.toLocaleString()} (your time) · ${formatUtc(ext.value)}` : undefined;
  return (
    <output className={`readonly-value${ext.isSet ? '' : ' unset'}`} title={title}>
      {text}
    </output>
  );
}

/** An import task: its name, state and progress while it exists in the cache, else the stored reference. */
function TaskValue({ refOrUuid }: { refOrUuid: string }) {
  const task = cache.byRef('task', refOrUuid) ?? cache.get('task', refOrUuid);
  if (!task) return <output className="readonly-value">{refOrUuid} (task no longer exists)</output>;
  const percent = Math.round((task.progress ?? 0) * 100);
  return (
    <span className="task-value">
      <output className="readonly-value">
        {task.name_label || 'Import'} — {task.status}
        {task.other_config.object_creation === 'complete' ? ', all objects created' : ''}
      </output>
      {task.status === 'pending' ? (
        <progress max={100} value={percent} aria-label="Task progress">
          {percent}%
        </progress>
      ) : null}
    </span>
  );
}

function XenstoreTable({
  form,
  rows,
  added,
  drafts,
  disabled,
  serverError,
}: {
  form: string;
  rows: readonly RecordExtension[];
  added: readonly { entry: NewEntry; result: ReturnType<typeof checkDraft> }[];
  drafts: ReadonlyMap<string, Draft>;
  disabled: string | undefined;
  serverError: ServerError | undefined;
}) {
  const locked = disabled !== undefined;
  return (
    <div className="kv-table-wrap">
      <table className="kv-table">
        <caption className="visually-hidden">xenstore entries of this VM</caption>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Value</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && added.length === 0 ? (
            <tr>
              <td colSpan={3} className="empty-cell">
                No xenstore entries. Add one to pass data to guest agents under vm-data/.
              </td>
            </tr>
          ) : null}
          {rows.map((ext) => {
            const draft = drafts.get(ext.key);
            const removed = draft === null;
            const outside = !ext.entry.editable;
            const error = serverError?.key === ext.key ? serverError.message : undefined;
            const mapKey = ext.key.slice(ext.key.indexOf(':') + 1);
            return (
              <tr
                key={ext.key}
                id={fieldDomId(ext.key)}
                className={`${removed ? 'removed' : ''}${outside ? ' outside' : ''}`}
              >
                <th scope="row">
                  <code>{mapKey}</code>
                  {outside ? (
                    <span className="tag tag-warning" title={ext.entry.readOnlyReason}>
                      ignored by XAPI
                    </span>
                  ) : null}
                </th>
                <td>
                  {outside ? (
                    <output>{ext.raw}</output>
                  ) : (
                    <input
                      aria-label={`Value of ${mapKey}`}
                      value={draft ?? ext.raw ?? ''}
                      disabled={locked || removed}
                      aria-invalid={error !== undefined}
                      onChange={(e) => setDraft(form, ext.key, e.target.value === ext.raw ? undefined : e.target.value)}
                    />
                  )}
                  {error ? <p className="field-error">{error}</p> : null}
                </td>
                <td>
                  {outside ? null : removed ? (
                    <button
                      type="button"
                      className="icon-button"
                      aria-label={`Keep ${mapKey}`}
                      onClick={() => setDraft(form, ext.key, undefined)}
                    >
                      <Glyph name="undo" />
                    </button>
                  ) : (
                    <button
                      type="button"
                      className="icon-button"
                      aria-label={`Remove ${mapKey}`}
                      disabled={locked}
                      onClick={() => setDraft(form, ext.key, null)}
                    >
                      <Glyph name="trash" />
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
          {added.map(({ entry, result }) => {
            const patchKey = `${entry.field}:${entry.key.trim()}`;
            const error = !result.ok ? result.message : serverError?.key === patchKey ? serverError.message : undefined;
            return (
              <tr key={entry.id} id={fieldDomId(patchKey)} className="added">
                <th scope="row">
                  <input
                    aria-label="New key"
                    value={entry.key}
                    aria-invalid={error !== undefined}
                    onChange={(e) => updateNewEntry(form, entry.id, { key: e.target.value })}
                    spellCheck={false}
                  />
                </th>
                <td>
                  <input
                    aria-label={`Value of the new key ${entry.key}`}
                    value={entry.value}
                    onChange={(e) => updateNewEntry(form, entry.id, { value: e.target.value })}
                  />
                  {error ? (
                    <p className="field-error" role="alert">
                      {error}
                    </p>
                  ) : null}
                </td>
                <td>
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Discard the new key ${entry.key}`}
                    onClick={() => removeNewEntry(form, entry.id)}
                  >
                    <Glyph name="trash" />
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <button
        type="button"
        className="add-row"
        disabled={locked}
        onClick={() => addNewEntry(form, 'xenstore_data', 'vm-data/')}
      >
        <Glyph name="plus" /> Add xenstore entry
      </button>
      {locked ? <p className="field-locked">{disabled}</p> : null}
      <p className="field-help">
        Only keys under <code>vm-data/</code> reach the guest (read them with <code>xenstore-read</code>); XAPI drops
        anything else when the VM starts. Changes reach a running guest at once.
      </p>
    </div>
  );
}
