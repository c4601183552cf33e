import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { ApiError } from '../../api/http.ts';
import type { DvdDisc, IsoLibrary } from '../../shared/contracts.ts';
import { Modal } from '../../ui/Modal.tsx';
import { fetchIsoLibraries } from './dvd-api.ts';
import { matchingIsos, sizeText } from './iso-search.ts';

/**
 * The ISOs of the pool's ISO libraries the VM can use, grouped by library, searchable: choosing one inserts it. Arrow
 * keys move between them, Enter chooses.
 */
export function IsoPicker(props: {
  vm: string;
  /** The disc in the drive now, marked in the list. */
  current: string | undefined;
  onChoose: (iso: DvdDisc) => void;
  onClose: () => void;
}) {
  const [libraries, setLibraries] = useState<readonly IsoLibrary[]>();
  const [error, setError] = useState<string>();
  const [query, setQuery] = useState('');
  const listRef = useRef<HTMLDivElement>(null);
  const hintId = useId();

  useEffect(() => {
    const abort = new AbortController();
    fetchIsoLibraries(props.vm, abort.signal).then(
      (view) => setLibraries(view.libraries),
      (failure: unknown) => {
        if (!abort.signal.aborted)
          setError(failure instanceof ApiError ? failure.message : 'The ISOs could not be read.');
      },
    );
    return () => abort.abort();
  }, [props.vm]);

  const shown = useMemo(() => matchingIsos(libraries ?? [], query), [libraries, query]);

  const move = (event: KeyboardEvent<HTMLDivElement>): void => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    event.preventDefault();
    const options = [...(listRef.current?.querySelectorAll<HTMLElement>('[role="option"]') ?? [])];
    const at = options.indexOf(document.activeElement as HTMLElement);
    const next = event.key === 'ArrowDown' ? Math.min(options.length - 1, at + 1) : Math.max(0, at - 1);
    options[next]?.focus();
  };

  return (
    <Modal title="Choose an ISO" onClose={props.onClose} className="iso-picker">
      <input
        type="search"
        aria-label="Search ISOs"
        aria-describedby={hintId}
        placeholder="Search ISOs"
        value={query}
        autoFocus
        onChange={(event) => setQuery(event.target.value)}
        onKeyDown={(event) => {
          if (event.key !== 'ArrowDown') return;
          event.preventDefault();
          listRef.current?.querySelector<HTMLElement>('[role="option"]')?.focus();
        }}
      />
      <p id={hintId} className="muted iso-picker-hint">
        The ISO libraries (SRs of content type ISO) this VM’s server reaches. Choosing an ISO puts it in the drive
        {props.current ? `, after ejecting ${props.current}` : ''}.
      </p>
      {error ? (
        <p role="alert" className="error-text">
          {error}
        </p>
      ) : libraries === undefined ? (
        <p className="muted">Reading the ISO libraries…</p>
      ) : libraries.length === 0 ? (
        <p className="muted">
          No ISO library is reachable from this VM’s server. A pool admin can add one (an NFS or SMB ISO SR) in
          XenCenter or with <code>xe sr-create type=iso</code>.
        </p>
      ) : shown.length === 0 ? (
        <p className="muted">No ISO matches “{query.trim()}”.</p>
      ) : null}
      {shown.length > 0 ? (
        <div ref={listRef} role="listbox" aria-label="ISOs" className="iso-list" onKeyDown={move}>
          {shown.map((library) => (
            <div key={library.uuid} role="group" aria-label={library.name} className="iso-library">
              <div className="iso-library-name" aria-hidden="true">
                {library.name}
                {library.description ? <span className="muted"> — {library.description}</span> : null}
              </div>
              {library.isos.map((iso) => (
                <div
                  key={iso.uuid}
                  role="option"
                  aria-label={iso.name}
                  aria-selected={iso.name === props.current}
                  tabIndex={0}
                  className="iso-option"
                  onClick={() => props.onChoose(iso)}
                  onKeyDown={(event) => {
                    if (event.key !== 'Enter' && event.key !== ' ') return;
                    event.preventDefault();
                    props.onChoose(iso);
                  }}
                >
                  <span className="iso-name">{iso.name}</span>
                  <span className="muted">
                    {iso.name === props.current ? 'in the drive · ' : ''}
                    {sizeText(iso.size)}
                  </span>
                </div>
              ))}
            </div>
          ))}
        </div>
      ) : null}
    </Modal>
  );
}
