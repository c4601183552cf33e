import { X509Certificate } from 'node:crypto';
import { XapiConnection, XapiSession, type XapiRef } from '@xwc/api-client';
import type { Logger } from '../log.ts';
import type { PoolTrust } from './trust.ts';

export interface PoolHost {
  ref: XapiRef;
  uuid: string;
  name: string;
  address: string;
}

export interface PoolHosts {
  byRef: ReadonlyMap<XapiRef, PoolHost>;
  addresses: ReadonlySet<string>;
  port: number;
}

/** How long a host list stays fresh; a console location naming an unknown host forces a refresh. */
const HOSTS_TTL_MS = 30_000;

/**
 * The gateway's link to one pool: the shared connection (keep-alive, trust, wire protocol, current
 * master), and what it knows about the pool's hosts — their addresses, the only places consoles may
 * be reached, and their certificates, pinned from the pool.
 */
export class PoolLink {
  readonly connection: XapiConnection;
  /** The port every host serves HTTPS on: the one in XAPI_URL (443 if none). */
  readonly port: number;
  private hosts: { value: PoolHosts; at: number } | undefined;
  private lastDisruption = 0;

  constructor(
    url: string,
    readonly trust: PoolTrust,
    private readonly log: Logger,
    timeoutMs: number,
  ) {
    const parsed = new URL(url);
    this.port = parsed.port ? Number(parsed.port) : 443;
    this.connection = new XapiConnection({ url, trust: trust.policy, timeoutMs });
    this.connection.on('retarget', ({ from, to }) => {
      log.info('pool master moved', { from, to });
      this.lastDisruption = Date.now();
    });
    this.connection.on('unreachable', () => (this.lastDisruption = Date.now()));
    this.connection.on('malformed-record', ({ cls, ref, error }) =>
      log.warn('left out a record the pool sent malformed', { cls, ref, reason: error.message }),
    );
  }

  /**
   * Whether the pool recently restarted or moved its master, the events after which XAPI forgets
   * every session: a session found invalid just then was dropped by the pool, not revoked.
   */
  recentlyDisrupted(withinMs = 120_000): boolean {
    return Date.now() - this.lastDisruption < withinMs;
  }

  login(username: string, password: string): Promise<XapiSession> {
    return this.connection.login(username, password, { originator: 'xwc-gateway' });
  }

  /**
   * Which toolstack run the pool is on: its master and when that master's toolstack started. It
   * changes exactly when the pool restarts or moves its master — the events after which XAPI forgets
   * every session. Undefined when the pool does not publish a start time.
   */
  async epoch(session: XapiSession): Promise<string | undefined> {
    try {
      const pools = await session.getAllRecords('pool');
      const master = [...pools.values()][0]?.master;
      if (!master) return undefined;
      const host = await session.getRecord('host', master);
      const started = host.other_config.agent_start_time ?? host.logging.agent_start_time;
      return started ? `${master}@${started}` : undefined;
    } catch {
      return undefined;
    }
  }

  /** A session object for a ref already held (another instance may have made the login). */
  session(ref: XapiRef): XapiSession {
    return new XapiSession(this.connection, ref);
  }

  /** The pool's hosts, read with the caller's own session. */
  async poolHosts(session: XapiSession, refresh = false): Promise<PoolHosts> {
    if (!refresh && this.hosts && Date.now() - this.hosts.at < HOSTS_TTL_MS) return this.hosts.value;
    const records = await session.getAllRecords('host');
    const byRef = new Map<XapiRef, PoolHost>();
    for (const [ref, host] of records) {
      byRef.set(ref, { ref, uuid: host.uuid, name: host.name_label, address: host.address });
    }
    await this.pinCertificates(session, [...byRef.values()]);
    const value: PoolHosts = {
      byRef,
      addresses: new Set([...byRef.values()].map((h) => h.address).filter(Boolean)),
      port: this.port,
    };
    this.hosts = { value, at: Date.now() };
    return value;
  }

  /**
   * Reads again, from the trusted master, the certificate of the host at `address` before a connection to it (a
   * console), so that a certificate renewed since the last look is known rather than refused.
   */
  async confirmHost(session: XapiSession, address: string): Promise<void> {
    const host = [...(this.hosts?.value.byRef.values() ?? [])].find((h) => h.address === address);
    if (host && this.trust.usesPoolReports) await this.pinCertificate(session, host);
  }

  /** Pins each host's certificate as the pool reports it now, over the already trusted connection. */
  private async pinCertificates(session: XapiSession, hosts: PoolHost[]): Promise<void> {
    if (!this.trust.usesPoolReports) return;
    const queue = hosts.filter((h) => h.address);
    const worker = async (): Promise<void> => {
      for (let host = queue.shift(); host; host = queue.shift()) await this.pinCertificate(session, host);
    };
    await Promise.all(Array.from({ length: Math.min(8, queue.length) }, worker));
  }

  private async pinCertificate(session: XapiSession, host: PoolHost): Promise<void> {
    try {
      const pem = await session.call('host.get_server_certificate', [host.ref]);
      if (typeof pem !== 'string') throw new Error('not a PEM string');
      this.trust.pinFromPool(host.address, this.port, new X509Certificate(pem));
    } catch (error) {
      this.log.warn('could not read a host certificate from the pool', { host: host.name, error });
    }
  }

  close(): void {
    this.connection.close();
  }
}
