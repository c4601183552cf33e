import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { issueServerCertificate, type SignedCertificate } from './x509.ts';

const run = promisify(execFile);

/** The simulator's certificate authority: every host certificate is signed by it. */
export interface Authority {
  readonly certFile: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export type HostCertificate = SignedCertificate;

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * One CA per process, generated with the `openssl` CLI (EC P-256 keeps it to a few ms) into a private
 * temporary directory removed at exit. Host certificates are signed in-process (`x509.ts`) and cached per
 * address, so starting many pools in one test process signs each address once.
 */
let authority: Promise<Authority> | undefined;
const hostCertificates = new Map<string, HostCertificate>();

export function processAuthority(): Promise<Authority> {
  authority ??= createAuthority();
  return authority;
}

async function createAuthority(): Promise<Authority> {
  const dir = mkdtempSync(join(tmpdir(), 'xapi-sim-ca-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const certFile = join(dir, 'ca.pem');
  const keyFile = join(dir, 'ca.key');
  await run('openssl', [
    'req',
    '-x509',
    '-new',
    ...EC,
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '3650',
    '-subj',
    '/O=xapi-sim/CN=xapi-sim pool CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { certFile, certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8') };
}

/** A certificate for one host, its address as the only subject alternative name. */
export function hostCertificate(ca: Authority, address: string): HostCertificate {
  let cert = hostCertificates.get(address);
  if (!cert) {
    cert = issueServerCertificate(ca.certPem, ca.keyPem, address);
    hostCertificates.set(address, cert);
  }
  return cert;
}
