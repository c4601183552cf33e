import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The simulator's certificate authority: every host certificate is signed by it. */
export interface Authority {
  readonly certFile: string;
  readonly certPem: string;
  readonly keyFile: string;
}

export interface HostCertificate {
  readonly keyPem: string;
  readonly certPem: string;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * One CA per process, generated with the `openssl` CLI (EC P-256 keeps it to a few ms) into a private
 * temporary directory removed at exit; host certificates are cached per address, so starting many pools
 * in one test process signs each address once.
 */
let authority: Promise<Authority> | undefined;
const hostCertificates = new Map<string, Promise<HostCertificate>>();

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
  return { certFile, keyFile, certPem: readFileSync(certFile, 'utf8') };
}

/** A certificate for one host, its address as the only subject alternative name. */
export function hostCertificate(ca: Authority, address: string): Promise<HostCertificate> {
  let cert = hostCertificates.get(address);
  if (!cert) {
    cert = signHost(ca, address);
    cert.catch(() => hostCertificates.delete(address));
    hostCertificates.set(address, cert);
  }
  return cert;
}

async function signHost(ca: Authority, address: string): Promise<HostCertificate> {
  const { stdout } = await run('openssl', [
    'req',
    '-x509',
    '-new',
    ...EC,
    '-keyout',
    '-',
    '-out',
    '-',
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    '-days',
    '825',
    '-subj',
    `/O=xapi-sim/CN=${address}`,
    '-addext',
    `subjectAltName=IP:${address}`,
    '-addext',
    'basicConstraints=critical,CA:FALSE',
    '-addext',
    'extendedKeyUsage=serverAuth',
  ]);
  const keyPem = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n/.exec(stdout)?.[0];
  const certPem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/.exec(stdout)?.[0];
  if (!keyPem || !certPem) throw new Error(`openssl produced no certificate for ${address}`);
  return { keyPem, certPem };
}
