import { ACCEPT_CERTIFICATE_PATH, type CertificateChange } from '../shared/contracts.ts';
import { request } from '../api/http.ts';

/** Accepts the pool's renewed certificate with a pool administrator's credentials (the gateway checks the role). */
export async function acceptCertificate(username: string, password: string, change: CertificateChange): Promise<void> {
  await request(ACCEPT_CERTIFICATE_PATH, {
    method: 'POST',
    body: { username, password, sha256: change.presented },
    quietUnauthorized: true,
  });
}

/**
 * The login form's notice when the pool master presents another certificate than the one the gateway recorded: both
 * fingerprints, what to compare them with, and (for pool administrators) the button that accepts the new one.
 */
export function CertificateChangeNotice({
  change,
  busy,
  onAccept,
}: {
  change: CertificateChange;
  busy: boolean;
  onAccept: () => void;
}) {
  return (
    <div className="certificate-change" role="group" aria-label="Pool certificate changed">
      <p>
        <strong>The pool’s certificate changed.</strong> Before accepting it, compare the new fingerprint with the
        master’s own certificate, e.g. on the master:{' '}
        <code>openssl x509 -noout -fingerprint -sha256 -in /etc/xensource/xapi-ssl.pem</code>.
      </p>
      <dl>
        <dt>Recorded</dt>
        <dd>
          <code>{change.recorded}</code>
        </dd>
        <dt>Presented now</dt>
        <dd>
          <code>{change.presented}</code>
        </dd>
      </dl>
      <button type="button" onClick={onAccept} disabled={busy}>
        Accept the new certificate and log in (pool administrators)
      </button>
    </div>
  );
}
