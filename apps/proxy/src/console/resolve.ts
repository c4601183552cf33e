import { XapiError, type VMRecord, type XapiRef, type XapiSession } from '@xwc/api-client';
import type { PoolLink } from '../pool/link.ts';
import { ConsoleError } from './close-codes.ts';
import { parseConsoleLocation, type ConsoleTarget } from './location.ts';

export type ConsoleOwner = 'vm' | 'host';
/** `rfb`: the graphical console (VNC); `vt100`: the text console of PV guests and control domains. */
export type ConsoleProtocol = 'rfb' | 'vt100';

export interface ResolvedConsole {
  target: ConsoleTarget;
  /** The VM or host's name, for the audit log. */
  name: string;
}

const STATE_REASONS: Record<string, string> = {
  Halted: 'The VM is shut down.',
  Suspended: 'The VM is suspended.',
  Paused: 'The VM is paused.',
};

/**
 * VM (or host's control domain) → its `rfb` (or `vt100`) console → a validated location, read fresh from XAPI
 * with the user's own session on every connect: console refs change on every boot and migration.
 */
export async function resolveConsole(
  session: XapiSession,
  link: PoolLink,
  owner: ConsoleOwner,
  uuid: string,
  protocol: ConsoleProtocol = 'rfb',
): Promise<ResolvedConsole> {
  try {
    let vmRef: XapiRef;
    let name: string;
    if (owner === 'host') {
      const hostRef = await session.getByUuid('host', uuid);
      name = await session.getField('host', hostRef, 'name_label');
      vmRef = await session.getField('host', hostRef, 'control_domain');
    } else {
      vmRef = await session.getByUuid('VM', uuid);
      name = '';
    }
    const vm = await session.getRecord('VM', vmRef);
    if (owner === 'vm') name = vm.name_label;
    if (vm.power_state !== 'Running') {
      throw new ConsoleError('notRunning', STATE_REASONS[vm.power_state] ?? 'The VM is not running.');
    }
    const location = await consoleLocation(session, vm, protocol);
    let hosts = await link.poolHosts(session);
    const resident = (): string | undefined => hosts.byRef.get(vm.resident_on)?.address;
    let target: ConsoleTarget;
    try {
      target = parseConsoleLocation(location, hosts, resident());
    } catch (error) {
      // A host may have joined or changed address since the list was read: look once more.
      hosts = await link.poolHosts(session, true);
      if (!(error instanceof ConsoleError)) throw error;
      target = parseConsoleLocation(location, hosts, resident());
    }
    await link.confirmHost(session, target.address);
    return { target, name };
  } catch (error) {
    throw asConsoleError(error);
  }
}

async function consoleLocation(session: XapiSession, vm: VMRecord, protocol: ConsoleProtocol): Promise<string> {
  for (const ref of vm.consoles) {
    const console = await session.getRecord('console', ref);
    if (console.protocol === protocol) return console.location;
  }
  if (protocol === 'vt100' && !Object.hasOwn(vm.other_config, 'disable_pv_vnc')) {
    throw new ConsoleError('unavailable', 'This VM has no text console: only PV guests and servers have one.');
  }
  if (Object.hasOwn(vm.other_config, 'disable_pv_vnc')) {
    throw new ConsoleError('unavailable', 'This VM was started with disable_pv_vnc: it has no VNC console.');
  }
  throw new ConsoleError('unavailable');
}

function asConsoleError(error: unknown): ConsoleError {
  if (error instanceof ConsoleError) return error;
  if (error instanceof XapiError) {
    if (error.code === 'SESSION_INVALID') return new ConsoleError('notLoggedIn');
    if (error.code === 'UUID_INVALID' || error.code === 'HANDLE_INVALID') return new ConsoleError('notFound');
    if (error.code === 'RBAC_PERMISSION_DENIED') return new ConsoleError('forbidden');
    return new ConsoleError('internal');
  }
  return new ConsoleError('unreachable', 'The pool could not be reached in time.');
}
