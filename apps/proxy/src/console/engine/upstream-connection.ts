import type { XapiSession } from '@xwc/api-client';
import type { PoolLink } from '../../pool/link.ts';
import { ConsoleError } from '../close-codes.ts';
import type { UserSession } from '../../auth/sessions.ts';
import { resolveConsole, type ConsoleOwner, type ConsoleProtocol, type ResolvedConsole } from '../resolve.ts';
import { openTunnel, type Tunnel } from '../tunnel.ts';
import { rfbUpstream } from './rfb-upstream.ts';
import type { ConnectUpstream } from './upstream.ts';

export interface ConnectorOptions {
  link: PoolLink;
  owner: ConsoleOwner;
  uuid: string;
  connectTimeoutMs: number;
}

/**
 * How a shared console reaches the pool: resolve the console afresh with the given viewer's session (renewing it
 * once if the pool restarted), open the verified CONNECT tunnel, then speak RFB as a client over it.
 */
export function upstreamConnector(options: ConnectorOptions): ConnectUpstream {
  return async ({ session, framebuffer, events, signal }) => {
    const { tunnel, objectName } = await openConsoleTunnel(options, 'rfb', session, signal);
    return rfbUpstream({
      socket: tunnel.socket,
      initial: tunnel.initial,
      framebuffer,
      events,
      objectName,
      handshakeTimeoutMs: options.connectTimeoutMs,
    });
  };
}

/**
 * Resolves the console of `protocol` afresh with `session` (renewing it once if the pool restarted) and opens the
 * verified CONNECT tunnel to it: the raw console stream, and the VM's or host's name for audit lines.
 */
export async function openConsoleTunnel(
  options: ConnectorOptions,
  protocol: ConsoleProtocol,
  session: UserSession,
  signal: AbortSignal,
): Promise<{ tunnel: Tunnel; objectName: string }> {
  const { link, owner, uuid, connectTimeoutMs } = options;
  let resolved: ResolvedConsole;
  const used = session.xapi;
  try {
    resolved = await resolveConsole(used, link, owner, uuid, protocol);
  } catch (error) {
    if (!(error instanceof ConsoleError) || error.kind !== 'notLoggedIn' || !(await session.renew(used))) throw error;
    resolved = await resolveConsole(session.xapi, link, owner, uuid, protocol);
  }
  let tunnel;
  try {
    tunnel = await openTunnel({
      target: resolved.target,
      trust: link.trust.policy,
      sessionRef: session.xapi.ref,
      timeoutMs: connectTimeoutMs,
      signal,
    });
  } catch (error) {
    // A console ref that went stale between the lookup and the CONNECT (a reboot under way) is answered with 500:
    // the console is on its way back rather than the VM being off.
    if (error instanceof ConsoleError && error.kind === 'notRunning') throw new ConsoleError('unavailable');
    throw error;
  }
  if (signal.aborted) {
    tunnel.socket.destroy();
    throw new ConsoleError('goingAway');
  }
  return { tunnel, objectName: resolved.name };
}

/** The pool's console idle timeouts as the gateway already knows them (its live inventory), when it does. */
export type KnownIdleTimeout = (owner: ConsoleOwner, uuid: string) => number | undefined;

/**
 * The pool's own idle timeout for this console, in seconds (`pool.vm_console_idle_timeout` or the host's): as
 * `known` has it, else asked of the pool with the viewer's session.
 */
export async function poolIdleTimeout(
  xapi: XapiSession,
  owner: ConsoleOwner,
  uuid: string,
  known?: KnownIdleTimeout,
): Promise<number> {
  const cached = known?.(owner, uuid);
  if (cached !== undefined) return cached;
  if (owner === 'host') {
    const host = await xapi.getByUuid('host', uuid);
    return await xapi.getField('host', host, 'console_idle_timeout');
  }
  const pools = await xapi.call('pool.get_all');
  const pool = Array.isArray(pools) && typeof pools[0] === 'string' ? pools[0] : undefined;
  if (!pool) return 0;
  return await xapi.getField('pool', pool, 'vm_console_idle_timeout');
}
