import { useCallback, useEffect, useRef, useState } from 'react';
import { preferences } from '../preferences/preferences.ts';
import { followLink, navigate } from '../navigation/router.ts';
import { objectPath, wallPath, type WallSource } from '../navigation/routes.ts';
import { ROLE_LABELS, roleAtLeast, type Role } from '../shared/roles.ts';
import { closeMeaning, type WallConsoleKey } from '../shared/contracts.ts';
import { cache } from '../store/cache.ts';
import { useClassesVersion } from '../store/hooks.ts';
import { useStore } from '../store/store.ts';
import { useDocumentTitle } from '../ui/dom.ts';
import { Glyph } from '../ui/Icon.tsx';
import { wallEntries, type WallEntry } from './entries.ts';
import { WallClient, type Tile } from './wall-client.ts';
import './wall.css';

/**
 * The console wall: many consoles at once as live thumbnails from the gateway. Only tiles on screen are watched (the
 * gateway does no work for the rest); clicking one opens its console. Consoles the user's role may not open say so,
 * and VMs that are not running show their state.
 */

const POWER_LABELS: Record<string, string> = { Halted: 'Shut down', Suspended: 'Suspended', Paused: 'Paused' };

function title(source: WallSource): string {
  switch (source.kind) {
    case 'all':
      return 'Every VM';
    case 'host':
      return `VMs on ${cache.get('host', source.uuid)?.name_label ?? 'a server'}`;
    case 'search':
      return `VMs matching “${source.text}”`;
    case 'vms':
      return `${source.uuids.length} picked VM${source.uuids.length === 1 ? '' : 's'}`;
  }
}

/** Which tiles are on screen, as the browser sees them (IntersectionObserver). */
function useVisibleKeys(): [(key: WallConsoleKey) => (element: HTMLElement | null) => void, ReadonlySet<string>] {
  const [visible, setVisible] = useState<ReadonlySet<string>>(new Set());
  const observer = useRef<IntersectionObserver | undefined>(undefined);
  const elements = useRef(new Map<string, HTMLElement>());
  useEffect(() => {
    const watcher = new IntersectionObserver((changes) => {
      setVisible((before) => {
        const next = new Set(before);
        for (const change of changes) {
          const key = (change.target as HTMLElement).dataset.console ?? '';
          if (change.isIntersecting) next.add(key);
          else next.delete(key);
        }
        return next;
      });
    });
    observer.current = watcher;
    for (const element of elements.current.values()) watcher.observe(element);
    return () => watcher.disconnect();
  }, []);
  const register = useCallback(
    (key: WallConsoleKey) => (element: HTMLElement | null) => {
      const before = elements.current.get(key);
      if (before && before !== element) observer.current?.unobserve(before);
      if (element) {
        elements.current.set(key, element);
        observer.current?.observe(element);
      } else elements.current.delete(key);
    },
    [],
  );
  return [register, visible];
}

export function WallPage({ source, role }: { source: WallSource; role: Role }) {
  useClassesVersion(['vm', 'host', 'vm_guest_metrics']);
  const { showHidden } = useStore(preferences);
  const entries = wallEntries(cache, source, showHidden);
  const [client] = useState(() => new WallClient());
  const tiles = useStore(client.tiles);
  const status = useStore(client.status);
  const [register, visible] = useVisibleKeys();
  const [picking, setPicking] = useState(false);
  const [picked, setPicked] = useState<ReadonlySet<string>>(new Set());
  const mayOpen = roleAtLeast(role, 'vm-operator');
  useDocumentTitle(`Console wall — ${title(source)}`);

  useEffect(() => {
    client.start();
    return () => client.stop();
  }, [client]);

  const watched = mayOpen
    ? entries
        .filter((e) => e.powerState === 'Running' && visible.has(e.key))
        .slice(0, status.maxConsoles)
        .map((e) => e.key)
    : [];
  const watchKey = watched.join(',');
  useEffect(() => {
    const timer = setTimeout(() => client.watch(watchKey ? (watchKey.split(',') as WallConsoleKey[]) : []), 150);
    return () => clearTimeout(timer);
  }, [client, watchKey]);

  // A console that stopped because its VM was not running comes back by itself once it runs.
  useEffect(() => {
    if (watchKey) client.revive(watchKey.split(',') as WallConsoleKey[]);
  }, [client, watchKey, tiles]);

  const seconds = status.intervalMs === undefined ? undefined : Math.round(status.intervalMs / 100) / 10;
  return (
    <section className="wall" aria-label="Console wall">
      <header className="wall-header">
        <h2>Console wall: {title(source)}</h2>
        <SourcePicker source={source} />
        <button type="button" aria-pressed={picking} onClick={() => setPicking((p) => !p)}>
          {picking ? 'Stop picking' : 'Pick consoles'}
        </button>
        {picking ? (
          <button
            type="button"
            className="primary"
            disabled={picked.size === 0}
            onClick={() => {
              setPicking(false);
              navigate(wallPath({ kind: 'vms', uuids: [...picked] }));
            }}
          >
            Show {picked.size} picked
          </button>
        ) : null}
        <p className="muted wall-rate" role="status">
          {!status.connected
            ? 'Connecting to the gateway…'
            : seconds !== undefined
              ? `Thumbnails refresh every ${seconds} s (the gateway sets the pace from its load), only for consoles on screen.`
              : null}
        </p>
      </header>
      {status.message ? (
        <div className="banner banner-warning" role="alert">
          {status.message}
        </div>
      ) : null}
      {!mayOpen ? (
        <div className="banner banner-info" role="status">
          Opening VM consoles needs the {ROLE_LABELS['vm-operator']} role or higher; you are {ROLE_LABELS[role]}. The
          wall lists the VMs without their screens.
        </div>
      ) : null}
      {entries.length === 0 ? (
        <p className="empty-state">No VMs to show here.</p>
      ) : (
        <ul className="wall-grid">
          {entries.map((entry) => (
            <WallTile
              key={entry.key}
              entry={entry}
              tile={tiles.get(entry.key)}
              mayOpen={mayOpen}
              register={register(entry.key)}
              picking={picking}
              picked={picked.has(entry.uuid)}
              onPick={(on) =>
                setPicked((before) => {
                  const next = new Set(before);
                  if (on) next.add(entry.uuid);
                  else next.delete(entry.uuid);
                  return next;
                })
              }
              onRetry={() => client.retry(entry.key)}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function WallTile({
  entry,
  tile,
  mayOpen,
  register,
  picking,
  picked,
  onPick,
  onRetry,
}: {
  entry: WallEntry;
  tile: Tile | undefined;
  mayOpen: boolean;
  register: (element: HTMLElement | null) => void;
  picking: boolean;
  picked: boolean;
  onPick: (on: boolean) => void;
  onRetry: () => void;
}) {
  const running = entry.powerState === 'Running';
  let screen;
  if (!running) screen = <p className="wall-note">{POWER_LABELS[entry.powerState] ?? entry.powerState}</p>;
  else if (!mayOpen) screen = <p className="wall-note">Your role may not open this console.</p>;
  else if (tile?.state === 'live' && tile.url) screen = <img src={tile.url} alt={`Screen of ${entry.name}`} />;
  else if (tile?.state === 'stopped') {
    screen = <p className="wall-note">{closeMeaning(tile.code ?? 1000, tile.reason).message}</p>;
  } else {
    screen = (
      <p className="wall-note">
        <span className="spinner" aria-hidden="true" /> Opening…
      </p>
    );
  }
  const path = objectPath('vm', entry.uuid, 'console');
  return (
    <li
      ref={register}
      data-console={entry.key}
      className={`wall-tile power-${entry.powerState.toLowerCase()}${tile?.state === 'live' ? ' live' : ''}`}
    >
      <a
        href={path}
        className="wall-open"
        aria-label={`${entry.name}: open the console`}
        onClick={(event) => followLink(event, path)}
      >
        <div className="wall-screen">{screen}</div>
        <span className="wall-name">{entry.name}</span>
      </a>
      <div className="wall-actions">
        {tile?.state === 'stopped' && running && mayOpen ? (
          <button type="button" onClick={onRetry}>
            <Glyph name="refresh" /> Retry
          </button>
        ) : null}
        {picking ? (
          <label className="check">
            <input type="checkbox" checked={picked} onChange={(e) => onPick(e.target.checked)} /> Pick
          </label>
        ) : null}
      </div>
    </li>
  );
}

/** Which VMs to show: all, one server's, a search's matches. */
function SourcePicker({ source }: { source: WallSource }) {
  useClassesVersion(['host']);
  const hosts = [...cache.all('host').values()].sort((a, b) => a.name_label.localeCompare(b.name_label));
  const [text, setText] = useState(source.kind === 'search' ? source.text : '');
  return (
    <div className="wall-sources">
      <a href="/wall" onClick={(event) => followLink(event, '/wall')} aria-current={source.kind === 'all'}>
        Every VM
      </a>
      <select
        aria-label="VMs on a server"
        value={source.kind === 'host' ? source.uuid : ''}
        onChange={(e) => e.target.value && navigate(wallPath({ kind: 'host', uuid: e.target.value }))}
      >
        <option value="">VMs on a server…</option>
        {hosts.map((host) => (
          <option key={host.uuid} value={host.uuid}>
            {host.name_label}
          </option>
        ))}
      </select>
      <form
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          if (text.trim()) navigate(wallPath({ kind: 'search', text: text.trim() }));
        }}
      >
        <input
          type="search"
          aria-label="Show the VMs matching"
          placeholder="Name, description or IP"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit">Show</button>
      </form>
    </div>
  );
}
