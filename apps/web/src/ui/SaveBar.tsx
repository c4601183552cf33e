/** The bar under an editable form: what is pending, the last error, Discard and Save. */
export function SaveBar({
  changes,
  problems,
  error,
  saving,
  canDiscard,
  onDiscard,
}: {
  changes: number;
  problems: number;
  error: string | undefined;
  saving: boolean;
  canDiscard: boolean;
  onDiscard: () => void;
}) {
  const summary =
    problems > 0
      ? `${problems} ${problems === 1 ? 'value needs' : 'values need'} fixing`
      : changes > 0
        ? `${changes} unsaved ${changes === 1 ? 'change' : 'changes'}`
        : 'No unsaved changes';
  return (
    <div className={`save-bar${changes > 0 || problems > 0 || error ? ' dirty' : ''}`}>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <span className="save-summary" aria-live="polite">
        {summary}
      </span>
      <button type="button" onClick={onDiscard} disabled={saving || !canDiscard}>
        Discard
      </button>
      {/* Enabled with anything pending: saving checks what was not checked yet (a new row never left). */}
      <button type="submit" className="primary" disabled={saving || !canDiscard || problems > 0}>
        {saving ? 'Saving…' : 'Save'}
      </button>
    </div>
  );
}
