import type RFB from '@novnc/novnc';
import { lazy, Suspense, useEffect, useId, useRef, useState } from 'react';
import { powerAction } from '../api/endpoints.ts';
import { describeError } from '../api/http.ts';
import { NULL_REF, type HostRec, type VmRec } from '../api/wire.ts';
import { preferences, setPreference } from '../preferences/preferences.ts';
import type { ConsoleKind } from '../navigation/routes.ts';
import { markEnded } from '../session/session.ts';
import { RemoteAccess } from '../details/RemoteAccess.tsx';
import { ShareButton } from '../share/ShareDialog.tsx';
import { roleAtLeast, ROLE_LABELS, type Role } from '../shared/roles.ts';
import { cache } from '../store/cache.ts';
import { useClassesVersion, useRecord } from '../store/hooks.ts';
import { useStore } from '../store/store.ts';
import { Glyph } from '../ui/Icon.tsx';
import { MenuButton } from '../ui/Menu.tsx';
import { ConfirmDialog } from '../ui/Modal.tsx';
import { saveFile } from '../ui/download.ts';
import { toast } from '../ui/toasts.ts';
import { useNow } from '../ui/useNow.ts';
import { useConsoleFollow } from './connection-hooks.ts';
import { useKeyboardControl } from './keyboard-control.tsx';
import { ConsoleController } from './controller.ts';
import { availability as availabilityOf, type Availability, type VmConsoleSnapshot } from './follow.ts';
import { SEND_KEYS } from './keysyms.ts';
import { pasteInputOf } from './paste-layout.ts';
import { consoleUrl, takePreconnected } from './preconnect.ts';
import { ClipboardPanel, PasteDialog } from './ConsoleDialogs.tsx';
import {
  ConsoleNoticeLine,
  ConsoleOverlay,
  ConsoleStatus,
  consoleStatusLabel,
  consoleSubject,
  OpenWindowButton,
  PresenceBars,
  ReattachingBanner,
} from './ConsoleChrome.tsx';
import { FollowerHint, PeopleButton } from './ConsolePresence.tsx';
import { ToolbarOverflow } from './ToolbarOverflow.tsx';
import { TouchConsole } from './touch/TouchConsole.tsx';
import { isFollower, keyboardHolder, personName } from './presence.ts';
import { RecordingIndicator } from '../recordings/RecordingIndicator.tsx';
import { useConsoleView, ViewSwitch, type ConsoleViewKind, type ConsoleViews } from './text/view-switch.tsx';

// xterm.js and the text view in their own chunk, loaded when a text view is first shown.
const TextConsoleScreen = lazy(() => import('./text/TextConsoleView.tsx'));

/**
 * The console of a VM or of a host's control domain: noVNC in a box with a toolbar, that follows the VM across
 * reboots, migrations and power changes, and shows who else is on it and who has the keyboard. Used embedded in the
 * details area and as the chrome-less page for a new window.
 */

// noVNC starts downloading as soon as this chunk runs, in parallel with everything else the console needs; a failed
// download is retried on the next connection attempt.
let rfbModule: Promise<typeof RFB> | undefined;
const loadRfb = (): Promise<typeof RFB> =>
  (rfbModule ??= import('@novnc/novnc').then(
    (module) => module.default,
    (error: unknown) => {
      rfbModule = undefined;
      throw error;
    },
  ));
void loadRfb().catch(() => undefined);

export interface ConsoleViewProps {
  readonly kind: ConsoleKind;
  readonly uuid: string;
  /** Undefined while the session is being checked: the gateway decides, and the view explains its answer. */
  readonly role: Role | undefined;
  readonly embedded?: boolean;
}

export default function ConsoleView(props: ConsoleViewProps) {
  return <ConsoleGate key={`${props.kind}/${props.uuid}`} {...props} />;
}

export interface Target {
  readonly name: string;
  readonly vm: VmRec | undefined;
  readonly host: HostRec | undefined;
  readonly availability: Availability;
  /** The VM (or host) and its consoles of the view's protocol. */
  readonly snapshot: VmConsoleSnapshot;
  /** Whether the running VM (or control domain) has a text console; undefined while that is not known. */
  readonly hasText: boolean | undefined;
}

/** The VM (or the host's control domain) as the console needs it, re-read on every relevant change. */
function useTarget(kind: ConsoleKind, uuid: string, view: ConsoleViewKind): Target | undefined {
  // Only this VM (or the host and its control domain), its consoles and host liveness: not every VM of the pool.
  useClassesVersion(['console', 'host_metrics']);
  const host = useRecord('host', kind === 'host' ? uuid : undefined);
  const controlDomain = host ? cache.uuidOfRef(host.control_domain)?.uuid : undefined;
  const vm = useRecord('vm', kind === 'vm' ? uuid : controlDomain);
  if (kind === 'vm' && !vm) return undefined;
  if (kind === 'host' && !host) return undefined;
  const consoles = cache.byRefs('console', vm?.consoles ?? []);
  const shown = consoles
    .filter((c) => c.protocol === (view === 'text' ? 'vt100' : 'rfb'))
    .map((c) => c.$ref)
    .sort();
  let availability: Availability;
  if (kind === 'host') {
    const metrics = host ? cache.byRef('host_metrics', host.metrics) : undefined;
    // The control domain may be absent from the cache: then let the gateway decide.
    availability = metrics?.live === false ? { state: 'not-running', powerState: 'Halted' } : { state: 'ready' };
  } else {
    availability = availabilityOf(vm!, shown.length);
  }
  return {
    name: kind === 'host' ? (host?.name_label ?? 'Server') : vm!.name_label,
    vm: kind === 'vm' ? vm : undefined,
    host,
    availability,
    snapshot: {
      powerState: kind === 'host' ? (availability.state === 'ready' ? 'Running' : 'Halted') : vm!.power_state,
      domid: vm?.domid ?? 0,
      residentOn: vm?.resident_on ?? NULL_REF,
      consoles: shown,
    },
    hasText: vm?.power_state === 'Running' ? consoles.some((c) => c.protocol === 'vt100') : undefined,
  };
}

const PENDING_TARGET: Target = {
  name: '',
  vm: undefined,
  host: undefined,
  availability: { state: 'unknown' },
  snapshot: { powerState: 'Unknown', domid: -1, residentOn: NULL_REF, consoles: [] },
  hasText: undefined,
};

/** Explains why there is no console before any connection is tried (role, missing object). */
function ConsoleGate(props: ConsoleViewProps) {
  const views = useConsoleView(props.kind);
  const target = useTarget(props.kind, props.uuid, views.view);
  views.learn(target?.hasText);
  const needed: Role = props.kind === 'host' ? 'pool-admin' : 'vm-operator';
  if (props.role !== undefined && !roleAtLeast(props.role, needed)) {
    return (
      <div className="console-unavailable" role="status">
        <h2>No console for your role</h2>
        <p>
          {props.kind === 'host'
            ? 'Server consoles are open to pool admins only'
            : `Opening a VM console needs the ${ROLE_LABELS[needed]} role or higher`}
          ; you are {ROLE_LABELS[props.role]}. Ask a pool admin for a role with console access.
        </p>
      </div>
    );
  }
  if (!target && cache.loaded) {
    return (
      <div className="console-unavailable" role="status">
        <h2>Not found</h2>
        <p>This {props.kind === 'host' ? 'server' : 'VM'} does not exist, or you cannot see it.</p>
      </div>
    );
  }
  // Before the inventory arrives the console connects anyway: the gateway looks the VM up itself.
  if (views.view === 'text') {
    return (
      <Suspense fallback={<div className="console-loading">Loading the text console…</div>}>
        <TextConsoleScreen {...props} target={target ?? PENDING_TARGET} views={views} />
      </Suspense>
    );
  }
  return <ConsoleScreen {...props} target={target ?? PENDING_TARGET} views={views} />;
}

/** What a console view (graphical or text) is given by the gate. */
export type ConsoleScreenProps = ConsoleViewProps & { readonly target: Target; readonly views: ConsoleViews };

/** How long a follower's "your keys are not sent" hint stays after their last key. */
const HINT_MS = 4_000;
const MODIFIER_KEYS = new Set(['Shift', 'Control', 'Alt', 'Meta', 'AltGraph', 'CapsLock']);

function ConsoleScreen({ kind, uuid, role, embedded, target, views }: ConsoleScreenProps) {
  const subject = consoleSubject(kind);
  const name = target.name || subject;
  const prefs = useStore(preferences);
  const [controller] = useState(
    () =>
      new ConsoleController({
        url: consoleUrl(kind, uuid),
        loadRfb,
        onSessionEnded: (message) => markEnded(message),
        hostName: (ref) => cache.byRef('host', ref)?.name_label,
        isHost: kind === 'host',
        takeEarly: takePreconnected,
      }),
  );
  const state = useStore(controller.state);
  const frameRef = useRef<HTMLDivElement>(null);
  const screenRef = useRef<HTMLDivElement>(null);
  const [viewOnly, setViewOnly] = useState(false);
  const [fullscreen, setFullscreen] = useState(false);
  const [captured, setCaptured] = useState(false);
  const [askCad, setAskCad] = useState(false);
  const [pasteOpen, setPasteOpen] = useState(false);
  const [clipboardOpen, setClipboardOpen] = useState(false);
  const [powerBusy, setPowerBusy] = useState(false);
  const [peopleOpen, setPeopleOpen] = useState(false);
  /** When a follower last typed (the hint shows for a moment after). */
  const [typedAt, setTypedAt] = useState<number | undefined>();
  const peopleId = useId();
  const now = useNow(500);

  useEffect(() => {
    const screen = screenRef.current;
    if (screen) controller.attach(screen);
    return () => controller.dispose();
  }, [controller]);

  const { availability } = target;
  useConsoleFollow(controller, target);
  useEffect(() => controller.setScale(prefs.scaleConsole), [controller, prefs.scaleConsole]);
  useEffect(() => controller.setViewOnly(viewOnly), [controller, viewOnly]);

  const connected = state.phase === 'connected';
  // Rejoining a shared console (4020) happens in a blink: it keeps looking connected, over the last picture.
  const looksConnected = connected || state.rejoining === true;
  const confirmCad = kind === 'vm' && prefs.confirmCtrlAltDel;

  const sendCad = () => {
    if (controller.sendCtrlAltDel()) toast('info', `Sent Ctrl+Alt+Del to ${name}.`);
    controller.focus();
  };

  // Keys the console handles itself, seen before noVNC (capture phase): Ctrl+Alt+Insert sends Ctrl+Alt+Del, as in
  // XenCenter; tapping Right Ctrl alone releases the keyboard.
  useEffect(() => {
    const frame = frameRef.current;
    if (!frame) return;
    let rightCtrlAlone = false;
    const onKeyDown = (event: KeyboardEvent) => {
      if (!(event.target as HTMLElement | null)?.closest('.console-screen')) return;
      // Not AltGr+Insert: a Windows browser reports AltGr as Ctrl+Alt.
      if (event.code === 'Insert' && event.ctrlKey && event.altKey && !event.getModifierState('AltGraph')) {
        event.preventDefault();
        event.stopPropagation();
        if (controller.sendCtrlAltDel()) toast('info', `Sent Ctrl+Alt+Del to ${name}.`);
        return;
      }
      rightCtrlAlone = event.code === 'ControlRight' && !event.repeat;
      // noVNC still sends a follower's keys (the gateway drops them): say so rather than eat them silently.
      const { presence } = controller.state.get();
      if (presence && isFollower(presence) && !MODIFIER_KEYS.has(event.key)) setTypedAt(Date.now());
    };
    const onKeyUp = (event: KeyboardEvent) => {
      if (event.code === 'ControlRight' && rightCtrlAlone) {
        rightCtrlAlone = false;
        controller.blur();
        frame.querySelector<HTMLElement>('.console-toolbar button')?.focus();
      }
    };
    frame.addEventListener('keydown', onKeyDown, true);
    frame.addEventListener('keyup', onKeyUp, true);
    return () => {
      frame.removeEventListener('keydown', onKeyDown, true);
      frame.removeEventListener('keyup', onKeyUp, true);
    };
  }, [controller, name]);

  // Fullscreen through the browser API; in fullscreen the Keyboard Lock API keeps Esc, Alt+Tab and friends for the guest
  // where the browser allows it.
  useEffect(() => {
    const onChange = () => {
      const active = document.fullscreenElement === frameRef.current && frameRef.current !== null;
      setFullscreen(active);
      const keyboard = (navigator as Navigator & { keyboard?: { lock?: () => Promise<void>; unlock?: () => void } })
        .keyboard;
      if (active) void keyboard?.lock?.().catch(() => undefined);
      else keyboard?.unlock?.();
      if (active) controller.focus();
    };
    document.addEventListener('fullscreenchange', onChange);
    return () => document.removeEventListener('fullscreenchange', onChange);
  }, [controller]);

  useEffect(() => {
    if (typedAt === undefined) return;
    const timer = setTimeout(() => setTypedAt(undefined), HINT_MS);
    return () => clearTimeout(timer);
  }, [typedAt]);

  // Between a connection's welcome and its first people list there is nothing to show.
  const presence = state.presence?.viewers.length ? state.presence : undefined;
  const holder = presence ? keyboardHolder(presence) : undefined;
  const follower = presence !== undefined && isFollower(presence);
  const holderName = presence && holder ? personName(presence, holder) : '';
  const { actions: keyboard, dialog: takeDialog } = useKeyboardControl(controller, presence, name);

  // A follower's keys, pointer and clipboard are dropped by the gateway; watching only sends none.
  const inputBlockedWhy = viewOnly
    ? 'View only is on: no keys or pointer input are sent.'
    : follower
      ? `${holderName} has the keyboard: your keys and pointer do not reach ${subject}.`
      : undefined;
  const inputBlocked = inputBlockedWhy !== undefined;

  const toggleFullscreen = () => {
    if (document.fullscreenElement) void document.exitFullscreen();
    else
      void frameRef.current
        ?.requestFullscreen()
        .catch((error: unknown) => toast('error', `Fullscreen refused: ${String(error)}`));
  };

  const screenshot = async () => {
    const blob = await controller.screenshot();
    if (!blob) {
      toast('error', 'No picture to save: the console is not connected.');
      return;
    }
    saveFile(blob, target.name || uuid, 'png');
    toast('success', 'Screenshot saved.');
  };

  const power = async (action: 'start' | 'resume') => {
    setPowerBusy(true);
    try {
      await powerAction(uuid, action);
    } catch (error) {
      toast('error', `Could not ${action} ${name}: ${describeError(error)}`);
    } finally {
      setPowerBusy(false);
    }
  };

  const canPower = role === undefined || roleAtLeast(role, 'vm-operator');
  const vmState = target.vm?.power_state;
  const waitingFor =
    availability.state === 'not-running'
      ? kind === 'host'
        ? 'Unreachable'
        : vmState === 'Halted'
          ? 'Shut down'
          : (vmState ?? 'Not running')
      : availability.state === 'no-console'
        ? 'Looking for console'
        : availability.state === 'disabled'
          ? 'Console disabled'
          : 'Waiting';
  const statusLabel = consoleStatusLabel(state, looksConnected, now, waitingFor);

  return (
    <div
      ref={frameRef}
      className={`console-frame${embedded ? ' embedded' : ' standalone'}${fullscreen ? ' fullscreen' : ''}${captured && !inputBlocked ? ' captured' : ''}`}
    >
      <div className="console-toolbar" role="toolbar" aria-label="Console">
        <ViewSwitch views={views} />
        <ConsoleStatus connected={looksConnected} phase={state.phase} label={statusLabel}>
          {looksConnected && state.latencyMs !== undefined ? (
            <span
              className="latency"
              title="Round trip of a one-pixel FramebufferUpdateRequest through the gateway to the console server and back (median of the last 5 samples, taken while the screen is idle)."
            >
              {' '}
              · {state.latencyMs} ms
            </span>
          ) : null}
        </ConsoleStatus>
        {looksConnected ? <RecordingIndicator recording={state.presence?.recording} /> : null}
        {presence && looksConnected ? (
          <PeopleButton
            presence={presence}
            open={peopleOpen}
            panelId={peopleId}
            onToggle={() => setPeopleOpen((o) => !o)}
          />
        ) : null}
        <ToolbarOverflow>
          <button
            type="button"
            disabled={!looksConnected || inputBlocked}
            title={inputBlockedWhy ?? 'Send Ctrl+Alt+Del (shortcut: Ctrl+Alt+Insert)'}
            onClick={() => (confirmCad ? setAskCad(true) : sendCad())}
          >
            Ctrl+Alt+Del
          </button>
          <MenuButton
            label="Send keys"
            disabled={!looksConnected || inputBlocked}
            title={inputBlockedWhy}
            buttonContent={
              <>
                <Glyph name="keyboard" /> Send keys
              </>
            }
            items={SEND_KEYS.map((keys) => ({
              id: keys.id,
              label: keys.label,
              onSelect: () => {
                controller.sendStrokes(keys.strokes);
                controller.focus();
              },
            }))}
          />
          <button
            type="button"
            disabled={!looksConnected || inputBlocked}
            onClick={() => setPasteOpen(true)}
            title={inputBlockedWhy ?? 'Type text into the console as key presses'}
          >
            <Glyph name="paste" /> Paste as keys
          </button>
          <button
            type="button"
            aria-pressed={clipboardOpen}
            onClick={() => setClipboardOpen((o) => !o)}
            title={`Text ${subject} put on its clipboard, and text to send to it`}
            className={state.clipboard ? 'has-clipboard' : ''}
          >
            <Glyph name="clipboard" /> Clipboard
          </button>
          <ShareButton kind={kind} uuid={uuid} name={name} />
          <span className="toolbar-gap" />
          <button
            type="button"
            aria-pressed={prefs.scaleConsole}
            onClick={() => setPreference('scaleConsole', !prefs.scaleConsole)}
            title={prefs.scaleConsole ? 'Showing scaled to fit; switch to 1:1' : 'Showing 1:1; switch to scale to fit'}
          >
            <Glyph name="fit" /> {prefs.scaleConsole ? 'Fit' : '1:1'}
          </button>
          <button
            type="button"
            aria-pressed={viewOnly}
            onClick={() => setViewOnly((v) => !v)}
            title="View only: send no keys or pointer input"
          >
            <Glyph name="eye" /> View only
          </button>
          <button
            type="button"
            disabled={!connected}
            onClick={() => void screenshot()}
            title="Save the screen as a PNG file"
          >
            <Glyph name="camera" /> <span className="visually-hidden">Screenshot</span>
          </button>
          <button type="button" onClick={toggleFullscreen} aria-pressed={fullscreen} title="Fullscreen (Esc to leave)">
            <Glyph name="fullscreen" /> <span className="visually-hidden">Fullscreen</span>
          </button>
          {embedded ? <OpenWindowButton kind={kind} uuid={uuid} /> : null}
        </ToolbarOverflow>
      </div>
      {looksConnected ? (
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
      {clipboardOpen ? (
        <ClipboardPanel
          text={state.clipboard}
          connected={connected && !inputBlocked}
          onSend={(text) => {
            if (controller.pasteToClipboard(text)) toast('success', `Sent to ${subject}’s clipboard.`);
          }}
          onClose={() => setClipboardOpen(false)}
        />
      ) : null}
      <ConsoleNoticeLine controller={controller} state={state} />
      {target.vm ? <RemoteAccess vm={target.vm} /> : null}
      <div className="console-stage">
        <div
          ref={screenRef}
          className="console-screen"
          aria-label={`Console of ${name}`}
          onFocus={() => setCaptured(true)}
          onBlur={() => setCaptured(false)}
        />
        {presence?.upstream === 'reattaching' && looksConnected ? <ReattachingBanner kind={kind} /> : null}
        {presence && typedAt !== undefined && follower ? (
          <FollowerHint presence={presence} onRequest={keyboard.request} />
        ) : null}
        {!looksConnected ? (
          <ConsoleOverlay controller={controller} state={state}>
            {target.vm && vmState === 'Halted' && availability.state === 'not-running' ? (
              <button
                type="button"
                className="primary"
                disabled={!canPower || powerBusy}
                onClick={() => void power('start')}
                title={canPower ? undefined : 'Starting a VM needs the VM Operator role or higher'}
              >
                {powerBusy ? 'Starting…' : 'Start the VM'}
              </button>
            ) : null}
            {target.vm && vmState === 'Suspended' && availability.state === 'not-running' ? (
              <button
                type="button"
                className="primary"
                disabled={!canPower || powerBusy}
                onClick={() => void power('resume')}
                title={canPower ? undefined : 'Resuming a VM needs the VM Operator role or higher'}
              >
                {powerBusy ? 'Resuming…' : 'Resume the VM'}
              </button>
            ) : null}
          </ConsoleOverlay>
        ) : null}
      </div>
      <TouchConsole
        controller={controller}
        screen={screenRef}
        fit={prefs.scaleConsole}
        enabled={looksConnected && !inputBlocked}
        input={pasteInputOf(kind, target.vm)}
        onCtrlAltDel={() => (confirmCad ? setAskCad(true) : sendCad())}
      />
      <div className="console-footer">
        {captured && !inputBlocked ? (
          <span>
            Keyboard captured by the console. Tap Right Ctrl or click outside to release. Ctrl+Alt+Insert sends
            Ctrl+Alt+Del.
          </span>
        ) : looksConnected && inputBlockedWhy ? (
          <span>{inputBlockedWhy}</span>
        ) : looksConnected ? (
          <span>Click the screen to type into {subject}.</span>
        ) : (
          <span />
        )}
        {state.desktopName ? <span className="desktop-name">Desktop: {state.desktopName}</span> : null}
        {connected && state.handshakeMs !== undefined ? (
          <span className="muted">Handshake {state.handshakeMs} ms</span>
        ) : null}
      </div>
      {askCad ? (
        <ConfirmDialog
          title="Send Ctrl+Alt+Del?"
          message={
            <>
              Send Ctrl+Alt+Del to <strong>{name}</strong>? On many systems this opens a security screen or restarts the
              machine. (Turn this question off in View → Confirm Ctrl+Alt+Del.)
            </>
          }
          confirmLabel="Send"
          onConfirm={() => {
            setAskCad(false);
            sendCad();
          }}
          onCancel={() => setAskCad(false)}
        />
      ) : null}
      {takeDialog}
      {pasteOpen ? (
        <PasteDialog
          onClose={() => {
            setPasteOpen(false);
            // After the dialog has closed: closing a modal gives focus back to what opened it (the toolbar button).
            setTimeout(() => controller.focus());
          }}
          input={pasteInputOf(kind, target.vm)}
          type={(characters, onProgress, signal, secret) => controller.typeKeys(characters, onProgress, signal, secret)}
        />
      ) : null}
    </div>
  );
}
