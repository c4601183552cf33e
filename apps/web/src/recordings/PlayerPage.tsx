import type RFB from '@novnc/novnc';
import { useEffect, useMemo, useRef, useState } from 'react';
import { describeError } from '../api/http.ts';
import { followLink } from '../navigation/router.ts';
import { useStore } from '../store/store.ts';
import { fetchRecording, recordingFileUrl, type RecordingDetail } from './api.ts';
import { RecordingPlayer, SPEEDS, type Speed } from './player.ts';
import { rangeFetcher } from './record-reader.ts';
import { formatClock, markersOf, usersOf } from './timeline.ts';
import './recordings.css';

const loadRfb = (): Promise<typeof RFB> => import('@novnc/novnc').then((module) => module.default);

/** One recording: its details from the gateway, then the player. Needs nothing of the pool (the VM may be gone). */
export default function PlayerPage({ id }: { id: string }) {
  const [detail, setDetail] = useState<RecordingDetail | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    let live = true;
    fetchRecording(id).then(
      (d) => live && setDetail(d),
      (e: unknown) => live && setError(describeError(e)),
    );
    return () => {
      live = false;
    };
  }, [id]);
  return (
    <section className="player-page" aria-labelledby="player-title">
      <p>
        <a href="/recordings" onClick={(e) => followLink(e, '/recordings')}>
          ← All recordings
        </a>
      </p>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      {detail ? <Player detail={detail} /> : error ? null : <p aria-busy="true">Loading the recording…</p>}
    </section>
  );
}

function Player({ detail }: { detail: RecordingDetail }) {
  const screenRef = useRef<HTMLDivElement>(null);
  const [player] = useState(() => new RecordingPlayer(detail, loadRfb, rangeFetcher(recordingFileUrl(detail.id))));
  const state = useStore(player.state);
  const markers = useMemo(() => markersOf(detail.events), [detail.events]);
  const users = useMemo(() => usersOf(detail.events), [detail.events]);
  const [, setTick] = useState(0);

  useEffect(() => {
    const screen = screenRef.current;
    if (!screen) return;
    player.attach(screen);
    return () => player.dispose();
  }, [player]);
  // The clock moves between the player's own updates: redraw the time while playing.
  useEffect(() => {
    if (!state.playing) return;
    const timer = setInterval(() => setTick((t) => t + 1), 250);
    return () => clearInterval(timer);
  }, [state.playing]);

  const position = state.playing ? player.position() : state.position;
  const duration = detail.durationMs;
  const at = (time: number) => `${duration > 0 ? (time / duration) * 100 : 0}%`;
  const title = detail.objectName || detail.console;

  return (
    <>
      <div className="player-head">
        <h2 id="player-title">
          Recording of {title}{' '}
          <span className="muted small">{detail.started ? new Date(detail.started).toLocaleString() : ''}</span>
        </h2>
        <a className="button" href={`${recordingFileUrl(detail.id)}?download=1`} download>
          Download
        </a>
      </div>
      {detail.problem ? (
        <p className="banner banner-warning" role="status">
          {detail.problem}
        </p>
      ) : null}
      <p className="muted small">
        {detail.keys ? 'Keys pressed were captured.' : 'Key presses are recorded as “a key”, never which.'}
        {detail.eventsDropped > 0 ? ` ${detail.eventsDropped} later events are not listed.` : ''}
      </p>
      <div className="player-stage">
        <div ref={screenRef} className="player-screen" aria-label={`Recorded screen of ${title}`} />
        {state.phase === 'loading' ? (
          <div className="player-overlay" aria-busy="true">
            <span className="spinner" aria-hidden="true" />
          </div>
        ) : null}
      </div>
      {state.message ? (
        <p
          className={state.phase === 'error' ? 'form-error' : 'player-message'}
          role={state.phase === 'error' ? 'alert' : 'status'}
        >
          {state.message}
        </p>
      ) : null}
      <div className="player-controls" role="group" aria-label="Playback">
        <button
          type="button"
          className="primary"
          disabled={state.phase === 'loading' || state.phase === 'error'}
          onClick={() => (state.playing ? player.pause() : player.play())}
        >
          {state.playing ? 'Pause' : state.phase === 'ended' ? 'Play again' : 'Play'}
        </button>
        <span className="player-time" aria-label="Position">
          {formatClock(position)} / {formatClock(duration)}
        </span>
        <label className="player-speed">
          Speed{' '}
          <select value={state.speed} onChange={(e) => player.setSpeed(Number(e.target.value) as Speed)}>
            {SPEEDS.map((s) => (
              <option key={s} value={s}>
                {s}×
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="player-timeline">
        <input
          type="range"
          aria-label="Seek"
          min={0}
          max={duration}
          step={100}
          value={Math.round(position)}
          onChange={(e) => void player.seek(Number(e.target.value))}
        />
        <div className="player-markers" aria-hidden="true">
          {markers.map((m, i) => (
            <span key={i} className={`player-marker marker-${m.kind}`} style={{ left: at(m.time) }} title={m.label} />
          ))}
        </div>
      </div>
      <div className="player-lists">
        <div>
          <h3>People</h3>
          <ul className="player-users">
            {users.map((u) => (
              <li key={u.user}>
                {u.user}{' '}
                <span className="muted small">
                  ({u.role}, from {formatClock(u.since)})
                </span>
              </li>
            ))}
          </ul>
        </div>
        <div>
          <h3>Markers</h3>
          <ol className="player-marker-list">
            {markers.map((m, i) => (
              <li key={i}>
                <button
                  type="button"
                  className="link-button"
                  data-time={m.time}
                  onClick={() => void player.seek(m.time)}
                >
                  {formatClock(m.time)}
                </button>{' '}
                <span className={`marker-dot marker-${m.kind}`} aria-hidden="true" /> {m.label}
              </li>
            ))}
          </ol>
        </div>
      </div>
    </>
  );
}
