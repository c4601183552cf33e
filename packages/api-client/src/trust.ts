import { isIP } from 'node:net';
import * as tls from 'node:tls';
import type { X509Certificate } from 'node:crypto';
import { XapiTransportError } from './errors.ts';

/**
 * What a TLS peer must prove before any application byte is written to it. One policy serves both
 * the RPC transport and the proxy's console tunnel, so the two channels can never disagree on trust.
 */
export interface TrustPolicy {
  /** Short name for diagnostics: `ca`, `fingerprint`, `insecure`, `custom`. */
  readonly kind: string;
  /** CA certificates (PEM) the chain is checked against; system roots when absent. */
  readonly ca?: string | readonly string[];
  /** Throws (or rejects) to refuse the peer. Messages name the problem, never the certificate. */
  verify(peer: PeerInfo): void | Promise<void>;
}

export interface PeerInfo {
  /** The address connected to, without brackets: a host name, IPv4 or IPv6 address. */
  readonly host: string;
  readonly port: number;
  readonly certificate: X509Certificate;
  /** OpenSSL's reason the chain did not verify against the policy's CAs, e.g. `UNABLE_TO_VERIFY_LEAF_SIGNATURE`. */
  readonly chainError: string | undefined;
}

/** Extra facts a custom callback may use, e.g. to skip pinning when the chain already verifies. */
export interface CustomTrustInfo {
  readonly chainError: string | undefined;
}

export type CustomTrustCheck = (
  address: string,
  port: number,
  certificate: X509Certificate,
  info: CustomTrustInfo,
) => void | Promise<void>;

const tlsError = (peer: { host: string; port: number }, problem: string, cause?: unknown): XapiTransportError =>
  new XapiTransportError('tls', `TLS ${formatHostPort(peer.host, peer.port)}: ${problem}`, { cause });

const UNTRUSTED_CHAIN = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
]);

function chainProblem(code: string): string {
  if (UNTRUSTED_CHAIN.has(code)) return `certificate is not signed by a trusted CA (unknown CA, ${code})`;
  if (code === 'CERT_HAS_EXPIRED') return 'certificate has expired';
  if (code === 'CERT_NOT_YET_VALID') return 'certificate is not yet valid';
  return `certificate chain rejected (${code})`;
}

/** Whether the certificate names `host` in its SANs: an IP literal as an IP address, anything else as a DNS name. */
export function certificateNames(certificate: X509Certificate, host: string): boolean {
  return (isIP(host) ? certificate.checkIP(host) : certificate.checkHost(host)) !== undefined;
}

function assertHostMatches(peer: PeerInfo): void {
  if (!certificateNames(peer.certificate, peer.host)) {
    throw tlsError(peer, `host name mismatch: the certificate is not valid for ${peer.host}`);
  }
}

/** The chain must verify against `pem` (one or more CA certificates) and name the host or IP in its SANs. */
export function caTrust(pem: string | readonly string[]): TrustPolicy {
  return {
    kind: 'ca',
    ca: pem,
    verify(peer) {
      if (peer.chainError !== undefined) throw tlsError(peer, chainProblem(peer.chainError));
      assertHostMatches(peer);
    },
  };
}

/** Colon-separated or bare hex, any case → lower-case hex. */
export function normalizeFingerprint(text: string): string {
  const hex = text.replace(/[\s:]/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new TypeError('a SHA-256 fingerprint is 32 bytes of hex');
  return hex;
}

/** Accepts exactly the leaf certificate(s) whose SHA-256 of DER is pinned, whatever signed them. */
export function fingerprintTrust(sha256: string | readonly string[]): TrustPolicy {
  const pins = new Set((typeof sha256 === 'string' ? [sha256] : sha256).map(normalizeFingerprint));
  if (pins.size === 0) throw new TypeError('fingerprintTrust needs at least one fingerprint');
  return {
    kind: 'fingerprint',
    verify(peer) {
      if (!pins.has(normalizeFingerprint(peer.certificate.fingerprint256))) {
        throw tlsError(peer, 'certificate fingerprint mismatch');
      }
    },
  };
}

/** Accepts any certificate. An explicit opt-in for labs; never a default. */
export function insecureTrust(): TrustPolicy {
  return { kind: 'insecure', verify() {} };
}

/**
 * Delegates to `check`, which throws to refuse: the hook for trust-on-first-use and per-host pins.
 * `options.ca` sets the CAs `info.chainError` is computed against (system roots otherwise).
 */
export function customTrust(check: CustomTrustCheck, options: { ca?: string | readonly string[] } = {}): TrustPolicy {
  return {
    kind: 'custom',
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    async verify(peer) {
      try {
        await check(peer.host, peer.port, peer.certificate, { chainError: peer.chainError });
      } catch (error) {
        if (error instanceof XapiTransportError) throw error;
        const reason = error instanceof Error ? error.message : 'refused';
        throw tlsError(peer, `certificate rejected: ${reason}`, error);
      }
    },
  };
}

export function formatHostPort(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

export interface ConnectOptions {
  host: string;
  port: number;
  trust: TrustPolicy;
  /** Covers TCP connect, handshake and verification. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** TCP keep-alive for sockets an HTTP agent will pool. */
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

function reasonOf(socketError: unknown): string {
  const code = (socketError as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : socketError instanceof Error ? socketError.message : String(socketError);
}

function isTlsFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS'));
}

/**
 * Opens a TLS connection, completes the handshake and asks `trust` about the peer before handing
 * the socket over. On refusal the socket is destroyed with a `tls` XapiTransportError; nothing has
 * been written on it. The resolved socket has no 'error' listener of ours: attach one at once.
 */
export function connectVerified(options: ConnectOptions): Promise<tls.TLSSocket> {
  const { host, port, trust, signal } = options;
  const peer = { host, port };
  return new Promise<tls.TLSSocket>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new XapiTransportError('aborted', `connection to ${formatHostPort(host, port)} aborted`));
      return;
    }
    let settled = false;
    const socket = tls.connect({
      host,
      port,
      // RFC 6066: no SNI for IP literals.
      ...(isIP(host) ? {} : { servername: host }),
      ...(trust.ca === undefined ? {} : { ca: trust.ca as string | string[] }),
      rejectUnauthorized: false,
      // Name checks belong to the policy; this keeps `authorizationError` about the chain alone.
      checkServerIdentity: () => undefined,
      minVersion: 'TLSv1.2',
      ...(options.keepAlive ? { keepAlive: true, keepAliveInitialDelay: options.keepAliveInitialDelay ?? 0 } : {}),
    });
    const fail = (error: XapiTransportError): void => {
      if (settled) return;
      settled = true;
      cleanup();
      socket.destroy();
      reject(error);
    };
    const onAbort = (): void =>
      fail(new XapiTransportError('aborted', `connection to ${formatHostPort(host, port)} aborted`));
    const timer = setTimeout(
      () => fail(new XapiTransportError('timeout', `connection to ${formatHostPort(host, port)} timed out`)),
      options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    );
    const onError = (error: Error): void =>
      fail(
        isTlsFailure(error)
          ? tlsError(peer, `handshake failed (${reasonOf(error)})`, error)
          : new XapiTransportError('network', `cannot connect to ${formatHostPort(host, port)}: ${reasonOf(error)}`, {
              cause: error,
            }),
      );
    const onClose = (): void =>
      fail(new XapiTransportError('network', `connection to ${formatHostPort(host, port)} closed during handshake`));
    function cleanup(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      socket.off('close', onClose);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.once('secureConnect', () => {
      const certificate = socket.getPeerX509Certificate();
      if (!certificate) {
        fail(tlsError(peer, 'the server sent no certificate'));
        return;
      }
      const authError = socket.authorized ? undefined : (socket.authorizationError as unknown);
      const chainError = authError === undefined ? undefined : reasonOf(authError);
      Promise.resolve()
        .then(() => trust.verify({ host, port, certificate, chainError }))
        .then(
          () => {
            if (settled) return;
            settled = true;
            cleanup();
            resolve(socket);
          },
          (error: unknown) =>
            fail(error instanceof XapiTransportError ? error : tlsError(peer, 'certificate rejected', error)),
        );
    });
  });
}
