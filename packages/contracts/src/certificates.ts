/**
 * A pool host's certificate refused by the gateway (the login answer's `error`), and how a pool administrator accepts a
 * renewed one (trust-on-first-use mode). Shared by the gateway and the login form.
 */
export const CERTIFICATE_ERRORS = {
  /** The host presented another certificate than the recorded one; the answer carries `recorded` and `presented`. */
  changed: 'POOL_CERTIFICATE_CHANGED',
  /** Not signed by the configured CA, not the pinned one, or for a host nobody vouched for; carries `presented`. */
  refused: 'POOL_CERTIFICATE_REFUSED',
  /** No change waiting for this fingerprint (already accepted, or another one was presented since). */
  noChange: 'NO_CERTIFICATE_CHANGE',
} as const;

/** `POST` with `{ username, password, sha256 }`: a pool administrator's credentials, checked against the new certificate. */
export const ACCEPT_CERTIFICATE_PATH = '/api/trust/accept';

export interface CertificateChange {
  /** SHA-256 fingerprints as `AB:CD:…`. */
  recorded: string;
  presented: string;
}

export function parseCertificateChange(details: unknown): CertificateChange | undefined {
  const d = details as { recorded?: unknown; presented?: unknown } | null;
  return typeof d?.recorded === 'string' && typeof d.presented === 'string'
    ? { recorded: d.recorded, presented: d.presented }
    : undefined;
}
