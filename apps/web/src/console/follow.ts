/**
 * Following a VM as XenCenter does (§1.7): the console view watches power_state, domid, resident_on and the console
 * list, and decides when to re-attach and what to tell the user. Pure: snapshots in, decisions out.
 */

export interface VmConsoleSnapshot {
  readonly powerState: string;
  readonly domid: number;
  readonly residentOn: string;
  /** Refs of the VM's rfb consoles, sorted. */
  readonly consoles: readonly string[];
}

export type FollowEvent =
  | { readonly kind: 'none' }
  | { readonly kind: 'started' }
  | { readonly kind: 'resumed' }
  | { readonly kind: 'unpaused' }
  | { readonly kind: 'rebooted' }
  | { readonly kind: 'migrated'; readonly toHost: string }
  | { readonly kind: 'console-replaced' }
  | { readonly kind: 'console-appeared' }
  | { readonly kind: 'stopped'; readonly powerState: string };

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((item, i) => item === b[i]);

export function followChange(previous: VmConsoleSnapshot, next: VmConsoleSnapshot): FollowEvent {
  const wasRunning = previous.powerState === 'Running';
  const running = next.powerState === 'Running';
  if (!running) {
    return previous.powerState === next.powerState
      ? { kind: 'none' }
      : { kind: 'stopped', powerState: next.powerState };
  }
  if (!wasRunning) {
    if (previous.powerState === 'Suspended') return { kind: 'resumed' };
    if (previous.powerState === 'Paused') return { kind: 'unpaused' };
    return { kind: 'started' };
  }
  if (next.residentOn !== previous.residentOn) return { kind: 'migrated', toHost: next.residentOn };
  if (next.domid !== previous.domid) return { kind: 'rebooted' };
  if (!sameList(previous.consoles, next.consoles)) {
    return previous.consoles.length === 0 ? { kind: 'console-appeared' } : { kind: 'console-replaced' };
  }
  return { kind: 'none' };
}

/** Whether an event means the current connection (if any) points at a console that is gone. */
export function needsReattach(event: FollowEvent): boolean {
  return (
    event.kind === 'started' ||
    event.kind === 'resumed' ||
    event.kind === 'rebooted' ||
    event.kind === 'migrated' ||
    event.kind === 'console-replaced' ||
    event.kind === 'console-appeared'
  );
}

/** What to say once the console is attached again after an event. */
export function reattachedMessage(
  event: FollowEvent,
  hostName: (ref: string) => string | undefined,
): string | undefined {
  switch (event.kind) {
    case 'started':
      return 'VM started — console attached';
    case 'resumed':
      return 'VM resumed — console re-attached';
    case 'rebooted':
      return 'VM rebooted — console re-attached';
    case 'migrated': {
      const name = hostName(event.toHost);
      return `Migrated to host ${name ?? 'another host'} — console re-attached`;
    }
    case 'console-replaced':
      return 'The VM’s console was replaced — re-attached';
    default:
      return undefined;
  }
}

export type Availability =
  | { readonly state: 'ready' }
  /** The VM's record has not arrived yet: connect anyway, the gateway's close code says why if it cannot work. */
  | { readonly state: 'unknown' }
  | { readonly state: 'not-running'; readonly powerState: string }
  | { readonly state: 'disabled' }
  | { readonly state: 'no-console' };

/** Whether connecting can work now, from the VM record alone. */
export function availability(
  vm: {
    readonly power_state: string;
    readonly other_config: Readonly<Record<string, string>>;
    readonly is_control_domain?: boolean;
  },
  rfbConsoles: number,
): Availability {
  if (vm.power_state !== 'Running') return { state: 'not-running', powerState: vm.power_state };
  if (rfbConsoles === 0) {
    // Any value disables vncterm from the next boot (xapi_xenops.ml checks for the key's presence).
    return !vm.is_control_domain && Object.hasOwn(vm.other_config, 'disable_pv_vnc')
      ? { state: 'disabled' }
      : { state: 'no-console' };
  }
  return { state: 'ready' };
}
