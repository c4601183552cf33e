import { useEffect, useState } from 'react';
import { describeError } from '../api/http.ts';
import { followLink } from '../navigation/router.ts';
import {
  fetchRecordings,
  recordingFileUrl,
  recordingPath,
  type RecordingStatus,
  type RecordingSummary,
} from './api.ts';
import { formatClock } from './timeline.ts';
import './recordings.css';

const STATUS_LABEL: Record<RecordingStatus, string> = {
  recording: 'Recording now',
  complete: 'Complete',
  failed: 'Failed',
  'cut-short': 'Cut short',
  damaged: 'Damaged',
};

const size = (bytes: number): string =>
  bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;

/** Every console recording the gateway keeps (pool admins only: the gateway refuses anyone else). */
export default function RecordingsPage() {
  const [list, setList] = useState<{ recordings: RecordingSummary[]; problem?: string } | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let live = true;
    fetchRecordings().then(
      (result) => live && (setList(result), setError(undefined)),
      (e: unknown) => live && setError(describeError(e)),
    );
    return () => {
      live = false;
    };
  }, [version]);

  return (
    <section className="recordings-page" aria-labelledby="recordings-title">
      <div className="recordings-head">
        <h2 id="recordings-title">Console recordings</h2>
        <button type="button" onClick={() => setVersion((v) => v + 1)}>
          Refresh
        </button>
      </div>
      <p className="muted">
        Consoles are recorded when their VM, host or pool asks for it (<code>other_config:xwc-recording</code>). Key
        presses are kept as “a key” unless key capture is on for that console.
      </p>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      {list?.problem ? (
        <p className="banner banner-warning" role="alert">
          {list.problem}
        </p>
      ) : null}
      {!list && !error ? <p aria-busy="true">Loading…</p> : null}
      {list && list.recordings.length === 0 ? <p>No recordings yet.</p> : null}
      {list && list.recordings.length > 0 ? (
        <table className="recordings-table">
          <thead>
            <tr>
              <th scope="col">Console</th>
              <th scope="col">Started</th>
              <th scope="col">Length</th>
              <th scope="col">Size</th>
              <th scope="col">Keys</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.recordings.map((r) => (
              <tr key={r.id} data-recording={r.id}>
                <td>
                  <a href={recordingPath(r.id)} onClick={(e) => followLink(e, recordingPath(r.id))}>
                    {r.objectName || r.console || r.id}
                  </a>
                  <div className="muted small">{r.console}</div>
                </td>
                <td>{r.started ? new Date(r.started).toLocaleString() : '—'}</td>
                <td>{formatClock(r.durationMs)}</td>
                <td>{size(r.bytes)}</td>
                <td>{r.keys ? 'Captured' : 'Redacted'}</td>
                <td>
                  <span className={`recording-status status-${r.status}`}>{STATUS_LABEL[r.status]}</span>
                  {r.problem ? <div className="muted small">{r.problem}</div> : null}
                </td>
                <td>
                  <a href={`${recordingFileUrl(r.id)}?download=1`} download>
                    Download
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
