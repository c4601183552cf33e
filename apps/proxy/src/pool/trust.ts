import {
  certificateNames,
  customTrust,
  formatHostPort,
  normalizeFingerprint,
  type PeerInfo,
  type TrustPolicy,
} from '@xwc/api-client';
import type { X509Certificate } from 'node:crypto';
import type { Logger } from '../log.ts';
import type { KnownHosts } from './known-hosts.ts';

export type TrustMode =
  { kind: 'ca'; pem: string } | { kind: 'fingerprint'; sha256: string } | { kind: 'first-use' } | { kind: 'insecure' };

/** Why a host's certificate was refused, in words an operator can act on; fingerprints as `AB:CD:…`. */
export interface CertificateProblem {
  /** `address:port` of the host. */
  host: string;
  /** `changed`: not the recorded one (trust on first use); `ca`, `name`: the CA check; `fingerprint`: XAPI_FINGERPRINT. */
  kind: 'changed' | 'ca' | 'name' | 'fingerprint' | 'unknown-host';
  presented: string;
  recorded?: string;
  since?: string;
}

export class CertificateRefused extends Error {
  override readonly name = 'CertificateRefused';
  constructor(readonly problem: CertificateProblem) {
    super(describe(problem));
  }
}

/** A SHA-256 fingerprint as `xe` and browsers print it. */
export function colonHex(sha256: string): string {
  return normalizeFingerprint(sha256)
    .toUpperCase()
    .replace(/(..)(?!$)/g, '$1:');
}

function describe(p: CertificateProblem): string {
  switch (p.kind) {
    case 'changed':
      return (
        `the certificate of ${p.host} changed: recorded ${p.recorded}${p.since ? ` (since ${p.since})` : ''}, ` +
        `presented ${p.presented}. If the pool's certificate was renewed, a pool administrator can accept the new one ` +
        'at login; if not, someone may be impersonating the host'
      );
    case 'ca':
      return `the certificate of ${p.host} (${p.presented}) is not signed by the configured CA (XAPI_CA_FILE)`;
    case 'name':
      return `the certificate of ${p.host} (${p.presented}) does not name the address the gateway connected to`;
    case 'fingerprint':
      return `the certificate of ${p.host} is not the one XAPI_FINGERPRINT pins: pinned ${p.recorded}, presented ${p.presented}`;
    case 'unknown-host':
      return `no certificate is known for ${p.host} (presented ${p.presented}): the pool has not reported this host`;
  }
}

/**
 * How the gateway decides to trust a pool host, for API calls and console tunnels alike:
 * - `ca`: the chain must verify against the configured CA and name the host's address; a member must also present
 *   the certificate the trusted master reports for it (`host.get_server_certificate`, read again before each console
 *   connection and kept in memory only), so a renewed certificate is accepted and nothing stale is kept;
 * - `fingerprint`: the configured master must present exactly the pinned certificate; members as in `ca` mode;
 * - `first-use`: the configured master's first certificate is recorded in DATA_DIR/known-hosts.json and a changed one
 *   refused (naming both fingerprints) until a pool administrator accepts it; members as the pool reports them.
 */
export class PoolTrust {
  readonly policy: TrustPolicy;
  private ca: string | undefined;
  /** Members' certificates as the trusted master last reported them (`ca`, `fingerprint`: never written to disk). */
  private readonly reported = new Map<string, string>();
  /** Trust on first use: the certificate a host presented in place of its recorded one, waiting for an admin. */
  private readonly pending = new Map<string, string>();

  constructor(
    private readonly mode: TrustMode,
    private readonly master: { address: string; port: number },
    private readonly pins: KnownHosts,
    private readonly log: Logger,
  ) {
    this.ca = mode.kind === 'ca' ? mode.pem : undefined;
    const checked = customTrust((address, port, certificate, info) => this.check(address, port, certificate, info));
    const currentCa = (): string | undefined => this.ca;
    // `ca` is read at every new connection, so a CA file reloaded on SIGHUP applies to the next one.
    this.policy = {
      kind: checked.kind,
      get ca() {
        return currentCa();
      },
      verify: (peer: PeerInfo) => checked.verify(peer),
    };
    if (mode.kind === 'insecure') {
      log.warn('XAPI_INSECURE=1: pool host certificates are NOT verified; anyone on the path can impersonate the pool');
    }
  }

  /** The `address:port` of the configured master, as pins and problems name it. */
  get masterKey(): string {
    return formatHostPort(this.master.address, this.master.port);
  }

  /** A new CA (XAPI_CA_FILE re-read on SIGHUP) for connections made from now on. */
  reloadCa(pem: string): void {
    if (this.mode.kind === 'ca') this.ca = pem;
  }

  /** Whether members are checked against what the pool reports for them (in every mode but `insecure`). */
  get usesPoolReports(): boolean {
    return this.mode.kind !== 'insecure';
  }

  /** Records the certificate the pool reports for one of its hosts, read over an already trusted connection. */
  pinFromPool(address: string, port: number, certificate: X509Certificate): void {
    const key = formatHostPort(address, port);
    const sha256 = normalizeFingerprint(certificate.fingerprint256);
    if (this.mode.kind === 'first-use') this.pins.set(key, sha256, 'pool');
    else if (this.mode.kind !== 'insecure') this.reported.set(key, sha256);
  }

  /** The certificate `host` presented in place of its recorded one (trust on first use), if one is waiting. */
  pendingChange(host: string): { recorded: string; presented: string } | undefined {
    const presented = this.pending.get(host);
    const recorded = this.pins.get(host)?.sha256;
    return presented && recorded ? { recorded, presented } : undefined;
  }

  /** Records `sha256` for `host` in place of its old certificate, if it is the one that host presented. */
  acceptChange(host: string, sha256: string): boolean {
    const presented = this.pending.get(host);
    if (presented === undefined || presented !== normalizeFingerprint(sha256)) return false;
    this.pins.set(host, presented, 'accepted');
    this.pending.delete(host);
    return true;
  }

  private check(address: string, port: number, certificate: X509Certificate, info: { chainError?: string }): void {
    const key = formatHostPort(address, port);
    const seen = normalizeFingerprint(certificate.fingerprint256);
    const refuse = (problem: Omit<CertificateProblem, 'host' | 'presented'>): never => {
      const error = new CertificateRefused({ host: key, presented: colonHex(seen), ...problem });
      const what = problem.kind === 'changed' ? 'refused a changed host certificate' : 'refused a host certificate';
      this.log.warn(what, { host: key, problem: error.message });
      throw error;
    };
    const isMaster = address === this.master.address && port === this.master.port;
    switch (this.mode.kind) {
      case 'insecure':
        this.log.warn('connecting without certificate verification (XAPI_INSECURE=1)', { host: key });
        return;
      case 'ca': {
        if (info.chainError !== undefined) refuse({ kind: 'ca' });
        if (!certificateNames(certificate, address)) refuse({ kind: 'name' });
        // A member must also be the host the master says it is: a CA-signed certificate alone may be another host's.
        const reported = isMaster ? undefined : this.reported.get(key);
        if (reported !== undefined && reported !== seen) refuse({ kind: 'changed', recorded: colonHex(reported) });
        return;
      }
      case 'fingerprint': {
        const expected = isMaster ? normalizeFingerprint(this.mode.sha256) : this.reported.get(key);
        if (expected === undefined) refuse({ kind: 'unknown-host' });
        if (expected !== seen) refuse({ kind: isMaster ? 'fingerprint' : 'changed', recorded: colonHex(expected!) });
        return;
      }
      case 'first-use': {
        const pin = this.pins.get(key);
        if (pin) {
          if (pin.sha256 === seen) return;
          this.pending.set(key, seen);
          refuse({ kind: 'changed', recorded: colonHex(pin.sha256), since: pin.since });
        }
        if (!isMaster) refuse({ kind: 'unknown-host' });
        this.log.warn('trusting the pool master certificate on first use', { host: key, sha256: colonHex(seen) });
        this.pins.set(key, seen, 'first-use');
      }
    }
  }
}
