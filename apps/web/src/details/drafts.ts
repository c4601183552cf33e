import { useCallback, useSyncExternalStore } from 'react';
import { Store, useStore } from '../store/store.ts';
import type { Draft } from './extension-form.ts';

/**
 * Unsaved edits, kept outside the components that show them: they survive switching tabs or objects, a session that
 * ends and is resumed, and re-renders from live events. Keyed by form (`ext:vm/<uuid>`, `raw:vm/<uuid>`).
 */

type Forms = ReadonlyMap<string, ReadonlyMap<string, Draft>>;

export const drafts = new Store<Forms>(new Map());
const EMPTY: ReadonlyMap<string, Draft> = new Map();

export function useDrafts(form: string): ReadonlyMap<string, Draft> {
  const get = useCallback(() => drafts.get().get(form) ?? EMPTY, [form]);
  return useSyncExternalStore(drafts.subscribe, get);
}

export function setDraft(form: string, key: string, value: Draft | undefined): void {
  drafts.set((forms) => {
    const next = new Map(forms.get(form) ?? EMPTY);
    if (value === undefined) next.delete(key);
    else next.set(key, value);
    const all = new Map(forms);
    if (next.size === 0) all.delete(form);
    else all.set(form, next);
    return all;
  });
}

export function clearDrafts(form: string, keys?: Iterable<string>): void {
  drafts.set((forms) => {
    if (!forms.has(form)) return forms;
    const all = new Map(forms);
    if (keys === undefined) all.delete(form);
    else {
      const next = new Map(forms.get(form)!);
      for (const key of keys) next.delete(key);
      if (next.size === 0) all.delete(form);
      else all.set(form, next);
    }
    return all;
  });
}

/** Forgets every unsaved edit (logging out: the next user must not find them). */
export function clearAllDrafts(): void {
  drafts.set(new Map());
  newEntries.set(new Map());
}

/** Whether any of these forms holds an unsaved edit or a new row: one page's dirty marker. */
export function useDirtyForms(forms: readonly string[]): boolean {
  const all = useStore(drafts);
  const added = useStore(newEntries);
  return forms.some((form) => all.has(form) || added.has(form));
}

export function hasAnyDrafts(): boolean {
  return drafts.get().size > 0 || newEntries.get().size > 0;
}

// Leaving the page would lose unsaved edits: let the browser ask first.
window.addEventListener('beforeunload', (event) => {
  if (hasAnyDrafts()) event.preventDefault();
});

/** Map entries being added (the vm-data table's new rows), kept like drafts so they survive the same events. */
export interface NewEntry {
  readonly id: number;
  readonly field: string;
  readonly key: string;
  readonly value: string;
  /** Checked (and its problems shown) once its key field was left or a save was tried: not while first typed. */
  readonly checked: boolean;
}

export const newEntries = new Store<ReadonlyMap<string, readonly NewEntry[]>>(new Map());
const NO_ENTRIES: readonly NewEntry[] = [];
let nextEntryId = 1;

export function useNewEntries(form: string): readonly NewEntry[] {
  const get = useCallback(() => newEntries.get().get(form) ?? NO_ENTRIES, [form]);
  return useSyncExternalStore(newEntries.subscribe, get);
}

/** Adds an empty row and returns its id (the table focuses its key field). */
export function addNewEntry(form: string, field: string, key: string): number {
  const id = nextEntryId++;
  newEntries.set((all) =>
    new Map(all).set(form, [...(all.get(form) ?? []), { id, field, key, value: '', checked: false }]),
  );
  return id;
}

/** A save was tried: every new row of these forms is checked from now on. */
export function checkNewEntries(forms: readonly string[]): void {
  newEntries.set((all) => {
    if (!forms.some((form) => all.has(form))) return all;
    const next = new Map(all);
    for (const form of forms) {
      const list = all.get(form);
      if (list)
        next.set(
          form,
          list.map((e) => (e.checked ? e : { ...e, checked: true })),
        );
    }
    return next;
  });
}

export function updateNewEntry(
  form: string,
  id: number,
  change: Partial<Pick<NewEntry, 'key' | 'value' | 'checked'>>,
): void {
  newEntries.set((all) =>
    new Map(all).set(
      form,
      (all.get(form) ?? []).map((e) => (e.id === id ? { ...e, ...change } : e)),
    ),
  );
}

export function removeNewEntry(form: string, id?: number): void {
  newEntries.set((all) => {
    const list = (all.get(form) ?? []).filter((e) => id !== undefined && e.id !== id);
    const next = new Map(all);
    if (list.length === 0) next.delete(form);
    else next.set(form, list);
    return next;
  });
}
