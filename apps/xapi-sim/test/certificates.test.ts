import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { hostCertificate, processAuthority } from '../src/tls/certificates.ts';
import { derInteger, issueServerCertificate } from '../src/tls/x509.ts';

describe('host certificates', () => {
  it('encode serial numbers as minimal positive DER integers', () => {
    expect([...derInteger(Buffer.from([0x00, 0x00, 0x12, 0x34]))]).toEqual([0x02, 0x02, 0x12, 0x34]);
    expect([...derInteger(Buffer.from([0x00, 0x9f]))]).toEqual([0x02, 0x02, 0x00, 0x9f]);
    expect([...derInteger(Buffer.from([0xff, 0x01]))]).toEqual([0x02, 0x03, 0x00, 0xff, 0x01]);
    expect([...derInteger(Buffer.from([0x00]))]).toEqual([0x02, 0x01, 0x00]);
  });

  it('are valid DER signed by the CA, whatever the random serial', async () => {
    const ca = await processAuthority();
    const issuer = new X509Certificate(ca.certPem);
    for (let i = 0; i < 200; i++) {
      const address = `127.42.${i >> 8}.${i & 255}`;
      const cert = issueServerCertificate(ca.certPem, ca.keyPem, address);
      const x509 = new X509Certificate(cert.certPem);
      expect(x509.checkIssued(issuer) && x509.verify(issuer.publicKey)).toBe(true);
      expect(x509.subjectAltName).toBe(`IP Address:${address}`);
      createServer({ key: cert.keyPem, cert: cert.certPem }).close();
    }
  });

  it('pass openssl verify -x509_strict against the CA file, and are cached per address', async () => {
    const ca = await processAuthority();
    const cert = hostCertificate(ca, '127.43.0.1');
    expect(hostCertificate(ca, '127.43.0.1')).toBe(cert);
    const dir = mkdtempSync(join(tmpdir(), 'xapi-sim-cert-'));
    try {
      writeFileSync(join(dir, 'host.pem'), cert.certPem);
      const { stdout } = await promisify(execFile)('openssl', [
        'verify',
        '-x509_strict',
        '-purpose',
        'sslserver',
        '-CAfile',
        ca.certFile,
        join(dir, 'host.pem'),
      ]);
      expect(stdout.trim()).toBe(`${join(dir, 'host.pem')}: OK`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
