import '@xterm/xterm/css/xterm.css';
import './text-console.css';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { Terminal } from '@xterm/xterm';
import { useEffect, useId, useRef, useState } from 'react';
import { preferences, setPreference } from '../../preferences/preferences.ts';
import { markEnded } from '../../session/session.ts';
import { cache } from '../../store/cache.ts';
import { useStore } from '../../store/store.ts';
import { saveFile } from '../../ui/download.ts';
import { Glyph } from '../../ui/Icon.tsx';
import { toast } from '../../ui/toasts.ts';
import { useNow } from '../../ui/useNow.ts';
import { CONSOLE_CLOSE } from '../../shared/contracts.ts';
import { useConsoleFollow } from '../connection-hooks.ts';
import {
  ConsoleNoticeLine,
  ConsoleOverlay,
  ConsoleStatus,
  consoleStatusLabel,
  OpenWindowButton,
  PresenceBars,
  ReattachingBanner,
} from '../ConsoleChrome.tsx';
import { FollowerHint, PeopleButton } from '../ConsolePresence.tsx';
import { ToolbarOverflow } from '../ToolbarOverflow.tsx';
import type { ConsoleScreenProps } from '../ConsoleView.tsx';
import { ConsoleController } from '../controller.ts';
import { useKeyboardControl } from '../keyboard-control.tsx';
import { consoleUrl, takePreconnected } from '../preconnect.ts';
import { isFollower, keyboardHolder, personName } from '../presence.ts';
import { cspSafeDocument, openWithAdoptedStyles } from './csp-document.ts';
import { scrollbackText } from './scrollback.ts';
import { disarm, FONT_SIZE, terminalOptions } from './terminal.ts';
import { ScreenLoader, textScreenClass, typingRole } from './text-screen.ts';
import { ViewSwitch } from './view-switch.tsx';

/**
 * The text view of a console (`vt100`: PV guests, servers' control domains): xterm.js on the gateway's text console
 * route, with real text to select and copy, native paste (it is text, whatever the keyboard layout), search in the
 * scrollback, download of the scrollback as a file, and a font size control. It is shared like the graphical view
 * (people, one keyboard holder) and follows the VM across reboots (ConsoleController does both).
 */

/** How long a follower's "your keys are not sent" hint stays after their last key. */
const HINT_MS = 4_000;

const clampFont = (size: number): number =>
  Math.min(FONT_SIZE.max, Math.max(FONT_SIZE.min, Math.round(Number.isFinite(size) ? size : FONT_SIZE.initial)));

async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    toast('success', 'Copied.');
  } catch {
    toast('error', 'The browser did not allow copying (it needs a secure page and permission).');
  }
}

/** Ctrl+Shift+C copies the selection and Ctrl+Shift+V pastes (the browser's own paste, typed by xterm.js as text). */
function clipboardKeys(event: KeyboardEvent, terminal: Terminal): boolean {
  if (event.type !== 'keydown' || !event.ctrlKey || !event.shiftKey || event.altKey || event.metaKey) return true;
  const key = event.key.toLowerCase();
  if (key === 'c') {
    if (terminal.hasSelection()) void copyText(terminal.getSelection());
    event.preventDefault();
    return false;
  }
  return key !== 'v';
}

export default function TextConsoleScreen({ kind, uuid, embedded, target, views }: ConsoleScreenProps) {
  const name = target.name || (kind === 'host' ? 'the server' : 'the VM');
  const prefs = useStore(preferences);
  const fontSize = clampFont(prefs.textFontSize);
  const hostRef = useRef<HTMLDivElement>(null);
  const terminalRef = useRef<{ terminal: Terminal; fit: FitAddon; search: SearchAddon } | undefined>(undefined);
  const [screen] = useState(() => new ScreenLoader());
  const [viewOnly, setViewOnly] = useState(false);
  const viewOnlyRef = useRef(viewOnly);
  const [typedAt, setTypedAt] = useState<number | undefined>();
  const [peopleOpen, setPeopleOpen] = useState(false);
  const [searchOpen, setSearchOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [notFound, setNotFound] = useState(false);
  const [hasSelection, setHasSelection] = useState(false);
  const peopleId = useId();
  const now = useNow(500);
  const [controller] = useState(
    () =>
      new ConsoleController({
        url: `${consoleUrl(kind, uuid)}/text`,
        loadRfb: screen.load,
        onSessionEnded: (message) => markEnded(message),
        hostName: (ref) => cache.byRef('host', ref)?.name_label,
        isHost: kind === 'host',
        // A console window opened its graphical socket as the page started: let it go (it is not this URL).
        takeEarly: takePreconnected,
        latency: false,
      }),
  );
  const state = useStore(controller.state);
  useConsoleFollow(controller, target);
  useEffect(() => {
    viewOnlyRef.current = viewOnly;
    controller.setViewOnly(viewOnly);
  }, [controller, viewOnly]);

  // The terminal lives as long as the view: reconnects keep its scrollback.
  useEffect(() => {
    const element = hostRef.current!;
    const terminal = new Terminal({
      ...terminalOptions(FONT_SIZE.initial),
      documentOverride: cspSafeDocument(document),
    });
    const fit = new FitAddon();
    const search = new SearchAddon();
    terminal.loadAddon(fit);
    terminal.loadAddon(search);
    const disarmed = disarm(terminal);
    openWithAdoptedStyles(document, () => terminal.open(element));
    terminal.attachCustomKeyEventHandler((event) => clipboardKeys(event, terminal));
    const selection = terminal.onSelectionChange(() => setHasSelection(terminal.hasSelection()));
    screen.set(
      textScreenClass({
        terminal,
        typing: () => typingRole(controller.state.get().presence, viewOnlyRef.current),
        onFollowerInput: () => setTypedAt(Date.now()),
      }),
    );
    terminalRef.current = { terminal, fit, search };
    const resize = new ResizeObserver(() => fit.fit());
    resize.observe(element);
    controller.attach(element);
    return () => {
      resize.disconnect();
      controller.dispose();
      selection.dispose();
      disarmed.dispose();
      terminal.dispose();
      terminalRef.current = undefined;
      screen.set(undefined);
    };
  }, [controller, screen]);

  useEffect(() => {
    const current = terminalRef.current;
    if (!current) return;
    current.terminal.options.fontSize = fontSize;
    current.fit.fit();
  }, [fontSize]);

  useEffect(() => {
    if (typedAt === undefined) return;
    const timer = setTimeout(() => setTypedAt(undefined), HINT_MS);
    return () => clearTimeout(timer);
  }, [typedAt]);

  const connected = state.phase === 'connected';
  const presence = state.presence?.viewers.length ? state.presence : undefined;
  const holder = presence ? keyboardHolder(presence) : undefined;
  const follower = presence !== undefined && isFollower(presence);
  const { actions: keyboard, dialog: takeDialog } = useKeyboardControl(controller, presence, name);
  const inputBlockedWhy = viewOnly
    ? 'View only is on: nothing you type is sent.'
    : follower && presence && holder
      ? `${personName(presence, holder)} has the keyboard: what you type does not reach the console.`
      : undefined;
  // Under the pool's one connection per VM the graphical view may hold it: offer to switch rather than wait.
  const busy = !connected && state.closeCode === CONSOLE_CLOSE.busy.code;
  const statusLabel = consoleStatusLabel(state, connected, now, 'Waiting');

  const find = (backwards: boolean) => {
    const search = terminalRef.current?.search;
    if (!search || query === '') return;
    const found = backwards ? search.findPrevious(query) : search.findNext(query);
    setNotFound(!found);
  };

  const paste = async () => {
    try {
      const text = await navigator.clipboard.readText();
      terminalRef.current?.terminal.paste(text);
    } catch {
      toast('error', 'The browser did not allow reading the clipboard: paste with Ctrl+Shift+V (or Ctrl+V) instead.');
    }
    terminalRef.current?.terminal.focus();
  };

  const download = () => {
    const terminal = terminalRef.current?.terminal;
    if (!terminal) return;
    saveFile(new Blob([scrollbackText(terminal.buffer.normal)], { type: 'text/plain' }), target.name || uuid, 'txt');
    toast('success', 'Console text saved.');
  };

  return (
    <div className={`console-frame text-console${embedded ? ' embedded' : ' standalone'}`}>
      <div className="console-toolbar" role="toolbar" aria-label="Text console">
        <ViewSwitch views={views} />
        <ConsoleStatus connected={connected} phase={state.phase} label={statusLabel} />
        {presence && connected ? (
          <PeopleButton
            presence={presence}
            open={peopleOpen}
            panelId={peopleId}
            onToggle={() => setPeopleOpen((o) => !o)}
          />
        ) : null}
        <ToolbarOverflow>
          <button type="button" aria-pressed={searchOpen} onClick={() => setSearchOpen((o) => !o)}>
            <Glyph name="search" /> Search
          </button>
          <button
            type="button"
            disabled={!hasSelection}
            onClick={() => void copyText(terminalRef.current?.terminal.getSelection() ?? '')}
            title="Copy the selected text (Ctrl+Shift+C)"
          >
            <Glyph name="clipboard" /> Copy
          </button>
          <button
            type="button"
            disabled={!connected || inputBlockedWhy !== undefined}
            onClick={() => void paste()}
            title={
              inputBlockedWhy ?? 'Paste text from the clipboard (Ctrl+Shift+V): it is sent as text, whatever the layout'
            }
          >
            <Glyph name="paste" /> Paste
          </button>
          <button type="button" onClick={download} title="Save the scrollback as a text file">
            <Glyph name="download" /> Download
          </button>
          <span className="toolbar-gap" />
          <span className="text-font-size" role="group" aria-label="Font size">
            <button
              type="button"
              disabled={fontSize <= FONT_SIZE.min}
              onClick={() => setPreference('textFontSize', fontSize - FONT_SIZE.step)}
              aria-label="Smaller text"
            >
              A−
            </button>
            <span aria-live="polite">{fontSize} px</span>
            <button
              type="button"
              disabled={fontSize >= FONT_SIZE.max}
              onClick={() => setPreference('textFontSize', fontSize + FONT_SIZE.step)}
              aria-label="Larger text"
            >
              A+
            </button>
          </span>
          <button
            type="button"
            aria-pressed={viewOnly}
            onClick={() => setViewOnly((v) => !v)}
            title="View only: send nothing you type"
          >
            <Glyph name="eye" /> View only
          </button>
          {embedded ? <OpenWindowButton kind={kind} uuid={uuid} /> : null}
        </ToolbarOverflow>
      </div>
      {searchOpen ? (
        <form
          className="text-search"
          role="search"
          onSubmit={(event) => {
            event.preventDefault();
            find(false);
          }}
        >
          <input
            type="search"
            aria-label="Search the console text"
            placeholder="Search the scrollback"
            value={query}
            autoFocus
            onChange={(event) => {
              setQuery(event.target.value);
              setNotFound(false);
            }}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && event.shiftKey) {
                event.preventDefault();
                find(true);
              } else if (event.key === 'Escape') setSearchOpen(false);
            }}
          />
          <button type="button" onClick={() => find(true)}>
            Previous
          </button>
          <button type="submit">Next</button>
          {notFound ? (
            <span className="muted" role="status">
              Not found
            </span>
          ) : null}
        </form>
      ) : null}
      {connected ? (
        <PresenceBars
          presence={presence}
          peopleOpen={peopleOpen}
          peopleId={peopleId}
          now={now}
          onClosePeople={() => setPeopleOpen(false)}
          viewOnly={viewOnly}
          actions={keyboard}
        />
      ) : null}
      <ConsoleNoticeLine controller={controller} state={state} />
      <div className="console-stage">
        <div ref={hostRef} className="console-screen text-screen" aria-label={`Text console of ${name}`} />
        {presence?.upstream === 'reattaching' && connected ? <ReattachingBanner kind={kind} /> : null}
        {presence && typedAt !== undefined && follower ? (
          <FollowerHint presence={presence} onRequest={keyboard.request} />
        ) : null}
        {!connected ? (
          <ConsoleOverlay controller={controller} state={state}>
            {busy ? (
              <button type="button" className="primary" onClick={() => views.choose('graphical')}>
                Switch to the graphical view
              </button>
            ) : null}
          </ConsoleOverlay>
        ) : null}
      </div>
      <div className="console-footer">
        {connected && inputBlockedWhy ? (
          <span>{inputBlockedWhy}</span>
        ) : connected ? (
          <span>Select text to copy it (Ctrl+Shift+C); Ctrl+Shift+V pastes it, as text, whatever your layout.</span>
        ) : (
          <span />
        )}
      </div>
      {takeDialog}
    </div>
  );
}
