import { certificateNames, customTrust, formatHostPort, normalizeFingerprint, type TrustPolicy } from '@xwc/api-client';
import type { X509Certificate } from 'node:crypto';
import type { Logger } from '../log.ts';
import type { KnownHosts } from './known-hosts.ts';

export type TrustMode =
  { kind: 'ca'; pem: string } | { kind: 'fingerprint'; sha256: string } | { kind: 'first-use' } | { kind: 'insecure' };

/**
 * How the gateway decides to trust a pool host, for API calls and console tunnels alike:
 * - `ca`: the chain must verify against the configured CA and name the host's address;
 * - `fingerprint`: the configured master must present exactly the pinned certificate;
 * - `first-use`: the configured master's first certificate is recorded, a changed one refused.
 * In every mode but `insecure`, certificates the pool itself reports (`host.get_server_certificate`,
 * read over an already trusted connection) are pinned, and a host with a pin must present it.
 */
export class PoolTrust {
  readonly policy: TrustPolicy;

  constructor(
    private readonly mode: TrustMode,
    private readonly master: { address: string; port: number },
    private readonly pins: KnownHosts,
    private readonly log: Logger,
  ) {
    this.policy = customTrust((address, port, certificate, info) => this.check(address, port, certificate, info), {
      ...(mode.kind === 'ca' ? { ca: mode.pem } : {}),
    });
    if (mode.kind === 'insecure') {
      log.warn('XAPI_INSECURE=1: pool host certificates are NOT verified; anyone on the path can impersonate the pool');
    }
  }

  /** Records the certificate the pool reports for one of its hosts. */
  pinFromPool(address: string, port: number, certificate: X509Certificate): void {
    if (this.mode.kind === 'insecure') return;
    this.pins.set(formatHostPort(address, port), normalizeFingerprint(certificate.fingerprint256), 'pool');
  }

  private check(
    address: string,
    port: number,
    certificate: X509Certificate,
    info: { chainError: string | undefined },
  ): void {
    const key = formatHostPort(address, port);
    const seen = normalizeFingerprint(certificate.fingerprint256);
    if (this.mode.kind === 'insecure') {
      this.log.warn('connecting without certificate verification (XAPI_INSECURE=1)', { host: key });
      return;
    }
    if (this.mode.kind === 'ca') {
      if (info.chainError !== undefined)
        throw new Error(`certificate is not signed by the configured CA (${info.chainError})`);
      if (!certificateNames(certificate, address)) throw new Error(`certificate is not valid for ${address}`);
    }
    const pin = this.pins.get(key);
    if (pin) {
      if (pin.sha256 !== seen) {
        this.log.warn('refused a changed host certificate', { host: key, pinnedSince: pin.since });
        throw new Error('certificate differs from the one pinned for this host');
      }
      return;
    }
    if (this.mode.kind === 'ca') return;
    const isMaster = address === this.master.address && port === this.master.port;
    if (this.mode.kind === 'fingerprint') {
      if (isMaster && seen === normalizeFingerprint(this.mode.sha256)) return;
      throw new Error(isMaster ? 'certificate fingerprint mismatch' : 'no pinned certificate for this host');
    }
    if (!isMaster) throw new Error('no pinned certificate for this host');
    this.log.warn('trusting the pool master certificate on first use', { host: key, sha256: seen });
    this.pins.set(key, seen, 'first-use');
  }
}
