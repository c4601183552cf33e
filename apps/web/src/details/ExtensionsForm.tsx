import { useId, useMemo, useState, type ReactNode } from 'react';
import { NULL_REF, XAPI_CLASS, type AnyRec, type WireClass } from '../api/wire.ts';
import {
  EFFECT_BADGES,
  EFFECTS,
  findEntry,
  formatForDisplay,
  formatUtc,
  GROUPS,
  readExtensions,
  type Entry,
  type Group,
  type RecordExtension,
  type Role,
} from '../shared/catalogue.ts';
import { useReads } from '../store/reads.ts';
import { Glyph } from '../ui/Icon.tsx';
import { addNewEntry, removeNewEntry, setDraft, updateNewEntry, useDrafts } from './drafts.ts';
import { inputOf, isRelevant, roleLock, stateLock, type ObjectCheck } from './extension-form.ts';
import { renderControl } from './fields.tsx';
import { KeyValueTable } from './KeyValueTable.tsx';

/**
 * One object's extensions, generated from the catalogue: one line per documented key (label, control, when a change
 * takes effect, and the entry's help behind "About"), grouped as the catalogue groups them. The page around it owns
 * the drafts' one Save bar (ExtensionsTab).
 */

export const fieldDomId = (key: string): string => `ext-${key.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/** A key the pool refused on the last save. */
export interface ServerError {
  readonly form?: string;
  readonly key?: string;
  readonly message: string;
}

const isPatternTable = (entry: Entry): boolean => entry.field === 'xenstore_data';
/** Read-only keys matched by a pattern (license restrictions…): listed on one line, their shared help once. */
const isReadOnlyPattern = (entry: Entry): boolean => entry.keyPattern !== undefined && !entry.editable;

/** The object's extensions as the form lists them. */
export function formExtensions(cls: WireClass, record: AnyRec): RecordExtension[] {
  const xapiCls = XAPI_CLASS[cls];
  return readExtensions(xapiCls, record).filter((ext) => isRelevant(ext, xapiCls, record));
}

/** Whether this role may change anything in the object's form (else it gets no Save bar). */
export function canEditSome(cls: WireClass, record: AnyRec, role: Role): boolean {
  const entries = formExtensions(cls, record).map((ext) => ext.entry);
  const xenstore = cls === 'vm' ? findEntry('VM', VM_DATA_KEY) : undefined;
  if (xenstore) entries.push(xenstore);
  return entries.some((entry) => entry.editable && roleLock(entry, role) === undefined);
}

/** Any key under vm-data/: finds the catalogue entry that rules new xenstore entries. */
const VM_DATA_KEY = 'xenstore_data:vm-data/key';

export function ExtensionSections({
  cls,
  record,
  role,
  form,
  check,
  serverError,
  now,
}: {
  cls: WireClass;
  record: AnyRec;
  role: Role;
  /** The drafts' key: `ext:<cls>/<uuid>`. */
  form: string;
  check: ObjectCheck;
  serverError: ServerError | undefined;
  now: number;
}) {
  const xapiCls = XAPI_CLASS[cls];
  const extensions = useMemo(() => formExtensions(cls, record), [cls, record]);
  const refused = serverError?.form === form ? serverError : undefined;

  const byGroup = new Map<Group, RecordExtension[]>();
  for (const ext of extensions) byGroup.set(ext.entry.group, [...(byGroup.get(ext.entry.group) ?? []), ext]);

  const sections = GROUPS.flatMap((group) => {
    const list = byGroup.get(group) ?? [];
    const withXenstore = group === 'xenstore' && xapiCls === 'VM';
    if (list.length === 0 && !withXenstore) return [];
    const plain = list.filter((ext) => !isPatternTable(ext.entry) && !isReadOnlyPattern(ext.entry));
    const listed = list.filter((ext) => !isPatternTable(ext.entry) && isReadOnlyPattern(ext.entry));
    const xenstoreEntry = withXenstore ? findEntry('VM', VM_DATA_KEY) : undefined;
    // Said once for the section, not under every field.
    const roleNotices = new Set(
      [...plain.map((ext) => ext.entry), ...(xenstoreEntry ? [xenstoreEntry] : [])]
        .map((entry) => roleLock(entry, role))
        .filter((notice) => notice !== undefined),
    );
    const headingId = `${form}-${group}`;
    return [
      <section key={group} className="ext-group" aria-labelledby={headingId}>
        <h3 id={headingId}>{group}</h3>
        {[...roleNotices].map((notice) => (
          <p key={notice} className="role-notice">
            <Glyph name="info" /> {notice}
          </p>
        ))}
        {plain.map((ext) => (
          <FieldRow
            key={ext.key}
            ext={ext}
            form={form}
            check={check}
            record={record}
            cls={cls}
            role={role}
            refused={refused?.key === ext.key ? refused.message : undefined}
            now={now}
          />
        ))}
        {listed.length > 0 ? <PatternValues extensions={listed} now={now} /> : null}
        {withXenstore ? (
          <XenstoreTable
            form={form}
            rows={list.filter((ext) => isPatternTable(ext.entry))}
            check={check}
            canEdit={xenstoreEntry !== undefined && roleLock(xenstoreEntry, role) === undefined}
            refused={refused}
          />
        ) : null}
      </section>,
    ];
  });

  return sections.length === 0 ? (
    <p className="empty-state">The catalog documents no extensions for this object.</p>
  ) : (
    sections
  );
}

function FieldRow({
  ext,
  form,
  check,
  record,
  cls,
  role,
  refused,
  now,
}: {
  ext: RecordExtension;
  form: string;
  check: ObjectCheck;
  record: AnyRec;
  cls: WireClass;
  role: Role;
  refused: string | undefined;
  now: number;
}) {
  const { entry, key } = ext;
  const id = useId();
  const aboutId = `${id}-about`;
  const stored = inputOf(ext);
  const drafted = useDrafts(form).get(key);
  const value = drafted === undefined ? stored : (drafted ?? '');
  const changed = check.changed.has(key);
  const error = check.errors.get(key) ?? refused;
  const locked = stateLock(entry, record);
  // Who may not edit reads the value; the section says why once.
  const readable = entry.editable && roleLock(entry, role) === undefined;
  const control = readable
    ? renderControl({
        id,
        entry,
        value,
        disabled: locked !== undefined,
        invalid: error !== undefined,
        describedBy: aboutId,
        onChange: (next) => setDraft(form, key, next === stored ? undefined : next),
      })
    : undefined;
  const isMtu = entry.field === 'MTU' && cls === 'network';
  return (
    <div
      id={fieldDomId(key)}
      className={`field${changed ? ' changed' : ''}${error ? ' invalid' : ''}${locked && entry.editable ? ' locked' : ''}`}
    >
      <div className="field-label">
        {control ? <label htmlFor={id}>{entry.label}</label> : <span>{entry.label}</span>}
        {entry.experimental ? <span className="tag tag-warning">experimental</span> : null}
      </div>
      <div className="field-control">
        {control ?? <ReadOnlyValue ext={ext} now={now} />}
        {changed ? (
          <button
            type="button"
            className="icon-button"
            aria-label={`Undo the change to ${entry.label}`}
            onClick={() => setDraft(form, key, undefined)}
          >
            <Glyph name="undo" />
          </button>
        ) : null}
      </div>
      {entry.effect === 'informational' ? (
        <span />
      ) : (
        <span className="effect-badge" title={`Takes effect: ${EFFECTS[entry.effect]}`}>
          {EFFECT_BADGES[entry.effect]}
        </span>
      )}
      <About id={aboutId} label={entry.label}>
        <p>{entry.help}</p>
        <p>
          Stored as <code>{ext.key}</code>. Takes effect: {EFFECTS[entry.effect]}.
          {!ext.isSet ? ` Not set: ${entry.absentMeans}.` : ''}
          {isMtu ? ` ${mtuRange(record)}.` : ''}
        </p>
      </About>
      {error ? (
        <p className="field-line field-error" role="alert">
          {error}
        </p>
      ) : null}
      {isMtu && changed ? <MtuWarning value={value} record={record} /> : null}
      {ext.problem ? <p className="field-line field-problem">Stored value: {ext.problem}.</p> : null}
      {locked && entry.editable ? <p className="field-line field-locked">{locked}</p> : null}
    </div>
  );
}

function PatternValues({ extensions, now }: { extensions: readonly RecordExtension[]; now: number }) {
  const byEntry = new Map<Entry, RecordExtension[]>();
  for (const ext of extensions) byEntry.set(ext.entry, [...(byEntry.get(ext.entry) ?? []), ext]);
  return (
    <>
      {[...byEntry].map(([entry, list]) => (
        <PatternRow key={entry.id} entry={entry} list={list} now={now} />
      ))}
    </>
  );
}

function PatternRow({ entry, list, now }: { entry: Entry; list: readonly RecordExtension[]; now: number }) {
  const aboutId = useId();
  return (
    <div className="field pattern-values">
      <div className="field-label">{entry.label}</div>
      <ul className="pattern-list">
        {list.map((ext) => (
          <li key={ext.key} id={fieldDomId(ext.key)}>
            <code>{ext.key.slice(ext.key.indexOf(':') + 1)}</code>:{' '}
            {formatForDisplay(entry, ext.value, { now: new Date(now) })}
          </li>
        ))}
      </ul>
      <About id={aboutId} label={entry.label}>
        <p>{entry.help}</p>
      </About>
    </div>
  );
}

/** An entry's help (the wire details, where XenCenter and the docs disagree) behind a button at the row's end. */
function About({ id, label, children }: { id: string; label: string; children: ReactNode }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        className="icon-button about-button"
        title={`About ${label}`}
        aria-expanded={open}
        aria-controls={id}
        onClick={() => setOpen(!open)}
      >
        <Glyph name="info" />
      </button>
      <div id={id} className="field-about" hidden={!open}>
        {open ? children : null}
      </div>
    </>
  );
}

function mtuRange(record: AnyRec): string {
  const current = typeof record.MTU === 'number' ? record.MTU : 1500;
  const min = Math.min(1500, current);
  const max = Math.max(9216, current);
  return min === max ? `Allowed MTU value: ${min}` : `Allowed MTU range: ${min} to ${max}`;
}

function MtuWarning({ value, record }: { value: string; record: AnyRec }) {
  const reads = useReads();
  const network = reads.byRef('network', record.$ref);
  if (!network || value === String(network.MTU)) return null;
  const management = reads.byRefs('pif', network.PIFs).find((pif) => pif.management);
  const toolless = reads.byRefs('vif', network.VIFs).some((vif) => {
    const vm = reads.byRef('vm', vif.VM);
    return vm?.power_state === 'Running' && vm.guest_metrics === NULL_REF;
  });
  return (
    <p className="field-line field-warning" role="note">
      <Glyph name="warning" /> Your network will be temporarily disrupted when you apply these settings: NICs take the
      new MTU when they are next plugged, which briefly interrupts traffic on every attached VM and host.
      {management
        ? ` This network carries the management interface '${management.device}': the pool's own traffic is interrupted too.`
        : ''}
      {toolless ? ' Some running VMs on it have no guest tools and may not take the new MTU until they restart.' : ''}
    </p>
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

/** An import task: its name, state and progress while it exists, else the stored reference. */
function TaskValue({ refOrUuid }: { refOrUuid: string }) {
  const reads = useReads();
  const task = reads.byRef('task', refOrUuid) ?? reads.get('task', refOrUuid);
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

/** A VM's xenstore entries: the shared key/value table, checked by the catalogue's vm-data/ rule. */
function XenstoreTable({
  form,
  rows,
  check,
  canEdit,
  refused,
}: {
  form: string;
  rows: readonly RecordExtension[];
  check: ObjectCheck;
  canEdit: boolean;
  refused: ServerError | undefined;
}) {
  const drafts = useDrafts(form);
  const mapKey = (patchKey: string) => patchKey.slice(patchKey.indexOf(':') + 1);
  return (
    <>
      <KeyValueTable
        caption="xenstore entries of this VM"
        rows={rows.map((ext) => ({
          key: mapKey(ext.key),
          stored: ext.raw ?? '',
          draft: drafts.get(ext.key),
          error: check.errors.get(ext.key) ?? (refused?.key === ext.key ? refused.message : undefined),
          fixed: ext.entry.editable ? undefined : { tag: 'ignored by XAPI', why: stateLock(ext.entry, {}) ?? '' },
          domId: fieldDomId(ext.key),
        }))}
        added={check.added.map(({ entry, patchKey, result, shown }) => ({
          entry,
          error: !result.ok && shown ? result.message : refused?.key === patchKey ? refused.message : undefined,
          domId: fieldDomId(patchKey),
        }))}
        canEdit={canEdit}
        emptyText="No xenstore entries. Add one to pass data to guest agents under vm-data/."
        addLabel="Add xenstore entry"
        onDraft={(key, draft) => setDraft(form, `xenstore_data:${key}`, draft)}
        onAdd={() => addNewEntry(form, 'xenstore_data', 'vm-data/')}
        onUpdateNew={(id, change) => updateNewEntry(form, id, change)}
        onDiscardNew={(id) => removeNewEntry(form, id)}
      />
      <p className="field-help">
        Only keys under <code>vm-data/</code> reach the guest (read them with <code>xenstore-read</code>); XAPI drops
        anything else when the VM starts. Changes reach a running guest at once.
      </p>
    </>
  );
}
