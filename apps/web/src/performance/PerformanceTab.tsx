import { useEffect, useMemo, useRef, useState } from 'react';
import { describeError, request } from '../api/http.ts';
import { archiveSpan, STATS_RANGES, type StatsRange, type StatsReply } from '../shared/contracts.ts';
import { Chart } from './Chart.tsx';
import { chartsOf, layoutOf } from './charts.ts';
import { appendRows } from './rows.ts';
import './performance.css';

const RANGE_LABELS: Record<StatsRange, string> = {
  '10m': '10 minutes',
  '2h': '2 hours',
  '1w': '1 week',
  '1y': '1 year',
};

const STEP_NAMES: Record<StatsRange, string> = { '10m': '5 s', '2h': 'minute', '1w': 'hour', '1y': 'day' };

/** How often a range is asked for new rows: its step, but at least once a minute (the gateway's cache absorbs it). */
const pollSeconds = (range: StatsRange): number => Math.min(STATS_RANGES[range].step, 60);

const statsPath = (cls: 'vm' | 'host', uuid: string, range: StatsRange, start?: number): string => {
  const query = new URLSearchParams({ range, interval: String(STATS_RANGES[range].step) });
  if (start !== undefined) query.set('start', String(start));
  return `/api/stats/${cls}/${encodeURIComponent(uuid)}?${query}`;
};

const time = (seconds: number | undefined): string =>
  seconds === undefined ? '—' : new Date(seconds * 1000).toLocaleString();

/**
 * The Performance tab of a VM or host: CPU, memory, network and disk graphs over one of xapi's four archives, new
 * rows every step while live (10 minutes: every 5 s), pausable. A VM that does not run shows what it last recorded.
 */
export default function PerformanceTab({
  kind: cls,
  uuid,
  powerState,
}: {
  kind: 'vm' | 'host';
  uuid: string;
  /** The VM's power state from the live inventory: a change reloads the graphs. */
  powerState?: string;
}) {
  const [range, setRange] = useState<StatsRange>('10m');
  const [paused, setPaused] = useState(false);
  const pausedRef = useRef(false);
  /** Bumped on resume: the graphs are fetched afresh and polling starts again. */
  const [resumed, setResumed] = useState(0);
  const [shown, setShown] = useState<{ key: string; reply: StatsReply } | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  // What is shown belongs to one object, range and power state: anything else is not shown, even for a moment.
  const key = `${cls}/${uuid}/${range}/${powerState}/${resumed}`;
  const reply = shown?.key === key ? shown.reply : undefined;

  useEffect(() => {
    const controller = new AbortController();
    const span = archiveSpan(STATS_RANGES[range]);
    let current: StatsReply | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async (): Promise<void> => {
      try {
        const since = current?.live ? current.t.at(-1) : undefined;
        const next = await request<StatsReply>(statsPath(cls, uuid, range, since), { signal: controller.signal });
        const merged = since === undefined ? next : next.live ? appendRows(current!, next, span) : undefined;
        // The series changed (an interface came, the VM moved) or the VM stopped: start over with a whole reply.
        if (!merged) {
          current = undefined;
          return await load();
        }
        current = merged;
        setShown({ key, reply: merged });
        setError(undefined);
      } catch (failure) {
        if (controller.signal.aborted) return;
        setError(describeError(failure));
      }
      if (!pausedRef.current && (current?.live ?? true) && !controller.signal.aborted) {
        timer = setTimeout(() => void (pausedRef.current || load()), pollSeconds(range) * 1000);
      }
    };
    void load();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [cls, uuid, range, key]);

  const togglePause = (): void => {
    pausedRef.current = !paused;
    setPaused(!paused);
    if (paused) setResumed((n) => n + 1);
  };

  const charts = useMemo(() => (reply ? chartsOf(reply) : []), [reply]);
  const layout = layoutOf(charts);
  const syncKey = `perf:${cls}:${uuid}:${range}:${layout}`;
  const live = reply?.live ?? true;

  return (
    <section className="performance" aria-label="Performance">
      <div className="perf-toolbar">
        <div className="perf-ranges" role="group" aria-label="Time range">
          {(Object.keys(STATS_RANGES) as StatsRange[]).map((r) => (
            <button
              key={r}
              type="button"
              className={`button${r === range ? ' primary' : ''}`}
              aria-pressed={r === range}
              onClick={() => setRange(r)}
            >
              {RANGE_LABELS[r]}
            </button>
          ))}
        </div>
        {live ? (
          <button type="button" className="button" aria-pressed={paused} onClick={togglePause}>
            {paused ? 'Resume' : 'Pause'}
          </button>
        ) : null}
        <p className="perf-status" role="status">
          {!live
            ? `This VM is ${String(reply?.powerState).toLowerCase()}: these are the statistics it recorded until it stopped.`
            : paused
              ? 'Paused.'
              : range === '10m'
                ? 'Live, updated every 5 s.'
                : `One value per ${STEP_NAMES[range]}, checked every minute.`}{' '}
          <span className="perf-latest">Latest: {time(reply?.t.at(-1))}</span>
        </p>
      </div>
      {error ? (
        <p className="perf-error" role="alert">
          {error}
        </p>
      ) : null}
      {!reply && !error ? <p className="muted">Loading the statistics…</p> : null}
      {reply && charts.length === 0 ? (
        <p className="muted">The pool has no statistics for this {cls === 'vm' ? 'VM' : 'server'} yet.</p>
      ) : null}
      <div className="perf-charts">
        {charts.map((spec) => (
          <Chart key={`${syncKey}:${spec.key}`} spec={spec} t={reply!.t} syncKey={syncKey} />
        ))}
      </div>
    </section>
  );
}
