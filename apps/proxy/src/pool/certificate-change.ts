import { fingerprintTrust, formatHostPort, normalizeFingerprint, XapiConnection, XapiError } from '@xwc/api-client';
import { CERTIFICATE_ERRORS, LIMIT_CODES } from '@xwc/contracts';
import type { Audit } from '../audit.ts';
import { LoginLimited, type LoginLimits } from '../auth/login-limits.ts';
import { ApiError, badRequest } from '../http/errors.ts';
import type { Logger } from '../log.ts';
import type { PoolLink } from './link.ts';
import { colonHex } from './trust.ts';

/**
 * A pool administrator accepts the pool master's renewed certificate (trust-on-first-use mode) instead of editing
 * known-hosts.json. Nobody can log in while the master's certificate is refused, so the proof is a login of its own:
 * made to the master over a connection that trusts exactly the new certificate the admin was shown (and compared
 * out of band), counted by the login limits like any login, and accepted only if XAPI says the user is pool-admin.
 */
export class CertificateChanges {
  constructor(
    private readonly link: PoolLink,
    private readonly limits: LoginLimits,
    private readonly audit: Audit,
    private readonly log: Logger,
    private readonly timeoutMs: number,
  ) {}

  async accept(body: Record<string, unknown>, source: string): Promise<{ host: string; accepted: string }> {
    const { username, password, sha256 } = body;
    if (typeof username !== 'string' || !username || username.length > 256 || typeof password !== 'string') {
      throw badRequest('Send {"username", "password", "sha256"}: a pool administrator and the new fingerprint.');
    }
    let presented: string;
    try {
      presented = normalizeFingerprint(typeof sha256 === 'string' ? sha256 : '');
    } catch {
      throw badRequest('sha256 must be a SHA-256 fingerprint (64 hex digits, colons allowed).');
    }
    const url = new URL(this.link.connection.url);
    const host = formatHostPort(url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || 443));
    const change = this.link.trust.pendingChange(host);
    if (change?.presented !== presented) {
      throw new ApiError(409, CERTIFICATE_ERRORS.noChange, 'No certificate change with this fingerprint is waiting.');
    }
    let attempt;
    try {
      attempt = await this.limits.begin(username.toLowerCase(), source);
    } catch (error) {
      if (!(error instanceof LoginLimited)) throw error;
      throw new ApiError(429, LIMIT_CODES.login, error.message, { retryAfter: error.retryAfter, scope: error.scope });
    }
    const entry = { event: 'certificate-accept', user: username, host, accepted: colonHex(presented) } as const;
    const connection = new XapiConnection({ url, trust: fingerprintTrust(presented), timeoutMs: this.timeoutMs });
    try {
      const session = await connection.login(username, password, { originator: 'xwc-gateway' });
      await attempt.succeeded();
      const role = await session.role().catch(() => undefined);
      await session.logout().catch(() => undefined);
      if (role !== 'pool-admin') {
        this.audit({ ...entry, outcome: 'forbidden' }, { source });
        throw new ApiError(403, 'RBAC_PERMISSION_DENIED', 'Only a pool administrator may accept a new certificate.');
      }
    } catch (error) {
      if (error instanceof ApiError) throw error;
      if (error instanceof XapiError && error.code.startsWith('SESSION_AUTH')) {
        this.audit({ ...entry, outcome: 'failure' }, { source });
        throw new ApiError(401, 'AUTHENTICATION_FAILED', 'Wrong user name or password.');
      }
      await attempt.undecided().catch(() => undefined);
      this.log.warn('could not check a certificate change with the pool', { host, error });
      throw new ApiError(503, 'POOL_UNREACHABLE', 'The pool could not be reached with the new certificate.');
    } finally {
      connection.close();
    }
    if (!this.link.trust.acceptChange(host, presented)) {
      throw new ApiError(409, CERTIFICATE_ERRORS.noChange, 'No certificate change with this fingerprint is waiting.');
    }
    this.audit({ ...entry, outcome: 'success', previous: colonHex(change.recorded) }, { source });
    this.log.warn('a pool administrator accepted a changed pool certificate', { host, user: username });
    return { host, accepted: colonHex(presented) };
  }
}
