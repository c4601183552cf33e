import { useState, type ReactNode } from 'react';
import { Glyph } from '../ui/Icon.tsx';
import type { NewEntry } from './drafts.ts';
import type { Draft } from './extension-form.ts';

/**
 * A map field as a table of keys and values (a VM's xenstore entries, the undocumented other_config keys): change,
 * remove, keep, undo, add. Problems of a new row show once the row was left or a save was tried, never while the
 * key is first typed; a new row takes the focus.
 */

export interface KeyValueRow {
  readonly key: string;
  readonly stored: string;
  /** The unsaved edit: text, null to remove, undefined for none. */
  readonly draft: Draft | undefined;
  readonly error?: string | undefined;
  /** A key shown but never edited here, with a short tag and why. */
  readonly fixed?: { readonly tag: string; readonly why: string } | undefined;
  /** The row's DOM id, for scrolling to a refused key. */
  readonly domId?: string;
}

export interface KeyValueNewRow {
  readonly entry: NewEntry;
  /** Shown only when the row is checked (left, or a save was tried). */
  readonly error: string | undefined;
  readonly domId?: string;
}

export function KeyValueTable({
  caption,
  rows,
  added,
  canEdit,
  emptyText,
  addLabel,
  onDraft,
  onAdd,
  onUpdateNew,
  onDiscardNew,
}: {
  caption: string;
  rows: readonly KeyValueRow[];
  added: readonly KeyValueNewRow[];
  canEdit: boolean;
  emptyText: ReactNode;
  addLabel: string;
  onDraft(key: string, draft: Draft | undefined): void;
  /** Adds a row and returns its id. */
  onAdd(): number;
  onUpdateNew(id: number, change: Partial<Pick<NewEntry, 'key' | 'value' | 'checked'>>): void;
  onDiscardNew(id: number): void;
}) {
  const [focusId, setFocusId] = useState<number | undefined>();
  return (
    <div className="kv-table-wrap">
      <table className="kv-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Value</th>
            {canEdit ? (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && added.length === 0 ? (
            <tr>
              <td colSpan={3} className="empty-cell">
                {emptyText}
              </td>
            </tr>
          ) : null}
          {rows.map((row) => (
            <StoredRow key={row.key} row={row} canEdit={canEdit} onDraft={onDraft} />
          ))}
          {added.map(({ entry, error, domId }) => (
            <tr key={entry.id} id={domId} className="added">
              <th scope="row">
                <input
                  aria-label="New key"
                  value={entry.key}
                  aria-invalid={error !== undefined}
                  autoFocus={entry.id === focusId}
                  onChange={(e) => onUpdateNew(entry.id, { key: e.target.value })}
                  onBlur={() => {
                    if (!entry.checked) onUpdateNew(entry.id, { checked: true });
                  }}
                  spellCheck={false}
                />
              </th>
              <td>
                <input
                  aria-label={`Value of the new key ${entry.key}`}
                  value={entry.value}
                  onChange={(e) => onUpdateNew(entry.id, { value: e.target.value })}
                />
                <CellError error={error} />
              </td>
              <td>
                <button
                  type="button"
                  className="icon-button"
                  aria-label={`Discard the new key ${entry.key}`}
                  onClick={() => onDiscardNew(entry.id)}
                >
                  <Glyph name="trash" />
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {canEdit ? (
        <button type="button" className="add-row" onClick={() => setFocusId(onAdd())}>
          <Glyph name="plus" /> {addLabel}
        </button>
      ) : null}
    </div>
  );
}

function StoredRow({
  row,
  canEdit,
  onDraft,
}: {
  row: KeyValueRow;
  canEdit: boolean;
  onDraft(key: string, draft: Draft | undefined): void;
}) {
  const { key, stored, draft, error, fixed } = row;
  const removed = draft === null;
  const editable = canEdit && !fixed;
  return (
    <tr
      id={row.domId}
      className={removed ? 'removed' : draft !== undefined ? 'changed' : fixed ? 'outside' : undefined}
    >
      <th scope="row">
        <code>{key}</code>
        {fixed ? (
          <span className="tag tag-warning" title={fixed.why}>
            {fixed.tag}
          </span>
        ) : null}
      </th>
      <td>
        {editable ? (
          <input
            aria-label={`Value of ${key}`}
            value={draft ?? stored}
            disabled={removed}
            aria-invalid={error !== undefined}
            onChange={(e) => onDraft(key, e.target.value === stored ? undefined : e.target.value)}
          />
        ) : (
          <output className="raw-value">{stored}</output>
        )}
        <CellError error={error} />
      </td>
      {canEdit ? (
        <td>
          {editable ? (
            <button
              type="button"
              className="icon-button"
              aria-label={removed ? `Keep ${key}` : draft !== undefined ? `Undo the change to ${key}` : `Remove ${key}`}
              onClick={() => onDraft(key, draft === undefined ? null : undefined)}
            >
              <Glyph name={draft === undefined ? 'trash' : 'undo'} />
            </button>
          ) : null}
        </td>
      ) : null}
    </tr>
  );
}

function CellError({ error }: { error: string | undefined }) {
  return error ? (
    <p className="field-error" role="alert">
      {error}
    </p>
  ) : null;
}
