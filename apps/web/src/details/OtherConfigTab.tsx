import { useMemo, useState } from 'react';
import { patchOtherConfig } from '../api/endpoints.ts';
import { describeError } from '../api/http.ts';
import { mapField, XAPI_CLASS, type AnyRec, type WireClass } from '../api/wire.ts';
import { findAliasOf, findEntry, mapTextProblem, roleAtLeast, type Role } from '../shared/catalogue.ts';
import { emptyDict, ownValue } from '../shared/dict.ts';
import { SaveBar } from '../ui/SaveBar.tsx';
import { toast } from '../ui/toasts.ts';
import {
  addNewEntry,
  checkNewEntries,
  clearDrafts,
  removeNewEntry,
  setDraft,
  updateNewEntry,
  useDrafts,
  useNewEntries,
} from './drafts.ts';
import { KeyValueTable } from './KeyValueTable.tsx';

/**
 * The raw other_config view: the keys the catalogue does not document (XenCenter's folders and custom fields, other
 * tools' keys). Pool admins can edit them through `PATCH …/other-config`; everyone else reads. Documented keys are
 * listed in the Extensions tab, where they are validated.
 */

export function isDocumentedKey(xapiCls: string, key: string): boolean {
  const patchKey = `other_config:${key}`;
  return findEntry(xapiCls, patchKey) !== undefined || findAliasOf(xapiCls, patchKey) !== undefined;
}

/** The gateway's own character rule (the catalogue's), so that the browser refuses exactly what it would. */
function keyProblem(key: string, xapiCls: string, existing: Readonly<Record<string, string>>): string | undefined {
  if (key === '') return 'Enter a key.';
  const problem = mapTextProblem(key);
  if (problem !== undefined) return `The key ${problem}.`;
  if (isDocumentedKey(xapiCls, key)) return `${key} is a documented extension: change it in the Extensions tab.`;
  if (Object.hasOwn(existing, key)) return `${key} already exists: edit its value above.`;
  return undefined;
}

function valueProblem(value: string): string | undefined {
  const problem = mapTextProblem(value);
  return problem === undefined ? undefined : `The value ${problem}.`;
}

/** Why a new value for a key the object holds cannot be saved: the value, or a key only other tools can write. */
function draftProblem(key: string, value: string): string | undefined {
  const problem = mapTextProblem(key);
  if (problem !== undefined) return `This key ${problem}: it can be removed, not rewritten.`;
  return valueProblem(value);
}

export function OtherConfigTab({
  cls,
  uuid,
  record,
  role,
  name,
}: {
  cls: WireClass;
  uuid: string;
  record: AnyRec;
  role: Role;
  name: string;
}) {
  const xapiCls = XAPI_CLASS[cls];
  const form = `raw:${cls}/${uuid}`;
  const drafts = useDrafts(form);
  const added = useNewEntries(form);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const canEdit = roleAtLeast(role, 'pool-admin');
  const map = mapField(record, 'other_config');

  const { unknown, documented } = useMemo(() => {
    const keys = Object.keys(map).sort((a, b) => a.localeCompare(b));
    return {
      unknown: keys.filter((k) => !isDocumentedKey(xapiCls, k)),
      documented: keys.filter((k) => isDocumentedKey(xapiCls, k)).length,
    };
  }, [map, xapiCls]);

  const patch = emptyDict<string | null>();
  const draftProblems = new Map<string, string>();
  for (const [key, value] of drafts) {
    const problem = value === null ? undefined : draftProblem(key, value);
    if (problem !== undefined) draftProblems.set(key, problem);
    else if (value !== ownValue(map, key)) patch[key] = value;
  }
  const addedProblems = added.map((entry) => keyProblem(entry.key.trim(), xapiCls, map) ?? valueProblem(entry.value));
  added.forEach((entry, i) => {
    if (addedProblems[i] === undefined) patch[entry.key.trim()] = entry.value;
  });
  const problems = draftProblems.size + addedProblems.filter((p) => p !== undefined).length;
  const shownProblems = draftProblems.size + added.filter((e, i) => e.checked && addedProblems[i]).length;
  const changes = Object.keys(patch).length;

  const save = async () => {
    checkNewEntries([form]);
    if (saving || changes === 0 || problems > 0) return;
    setSaving(true);
    setError(undefined);
    try {
      await patchOtherConfig(cls, uuid, patch);
      clearDrafts(form);
      removeNewEntry(form);
      toast('success', `Saved ${changes} other_config ${changes === 1 ? 'change' : 'changes'} to ${name}.`);
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setSaving(false);
    }
  };

  return (
    <form
      className="raw-config"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
      aria-label={`other_config of ${name}`}
    >
      <p className="tab-lead">
        Keys of <code>other_config</code> that the extension catalog does not document
        {documented > 0
          ? ` (${documented} documented ${documented === 1 ? 'key is' : 'keys are'} in the Extensions tab)`
          : ''}
        .{' '}
        {canEdit
          ? 'As a pool admin you can add, change and remove them; values are stored exactly as typed.'
          : 'Only pool admins can edit them here; you can read them.'}
      </p>
      <KeyValueTable
        caption={`other_config keys of ${name}`}
        rows={unknown.map((key) => ({
          key,
          stored: ownValue(map, key) ?? '',
          draft: drafts.get(key),
          error: draftProblems.get(key),
        }))}
        added={added.map((entry, i) => ({ entry, error: entry.checked ? addedProblems[i] : undefined }))}
        canEdit={canEdit}
        emptyText="No other keys."
        addLabel="Add key"
        onDraft={(key, draft) => setDraft(form, key, draft)}
        onAdd={() => addNewEntry(form, 'other_config', '')}
        onUpdateNew={(id, change) => updateNewEntry(form, id, change)}
        onDiscardNew={(id) => removeNewEntry(form, id)}
      />
      {canEdit ? (
        <SaveBar
          changes={changes}
          problems={shownProblems}
          error={error}
          saving={saving}
          canDiscard={drafts.size > 0 || added.length > 0}
          onDiscard={() => {
            clearDrafts(form);
            removeNewEntry(form);
            setError(undefined);
          }}
        />
      ) : null}
    </form>
  );
}
