import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KeyPair {
  key: string;
  cert: string;
  /** SHA-256 of DER, `AB:CD:…` as Node prints it. */
  fingerprint256: string;
}

export interface TestPki {
  caPem: string;
  otherCaPem: string;
  /** Signed by `caPem`; SANs IP:127.0.0.1 and DNS:localhost. */
  loopback: KeyPair;
  /** Signed by `otherCaPem`, same SANs. */
  foreign: KeyPair;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe', timeout: 20_000 });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function makeCa(dir: string, name: string): void {
  openssl(
    dir,
    'req',
    '-x509',
    ...EC,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
}

function makeLeaf(dir: string, ca: string, name: string, sans: string): KeyPair {
  openssl(dir, 'req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
  writeFileSync(
    join(dir, `${name}.ext`),
    `subjectAltName=${sans}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`,
  );
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
  );
  const cert = readFileSync(join(dir, `${name}.pem`), 'utf8');
  return {
    key: readFileSync(join(dir, `${name}.key`), 'utf8'),
    cert,
    fingerprint256: new X509Certificate(cert).fingerprint256,
  };
}

/** A throwaway PKI made with the openssl CLI in a temporary directory, removed before returning. */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'xwc-pki-'));
  try {
    makeCa(dir, 'ca');
    makeCa(dir, 'other-ca');
    const sans = 'IP:127.0.0.1,DNS:localhost';
    return {
      caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
      otherCaPem: readFileSync(join(dir, 'other-ca.pem'), 'utf8'),
      loopback: makeLeaf(dir, 'ca', 'loopback', sans),
      foreign: makeLeaf(dir, 'other-ca', 'foreign', sans),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
