import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';

/**
 * Host certificates signed in-process: an EC P-256 key from Node's crypto and a DER-encoded X.509 v3
 * certificate signed with the CA's key. Spawning `openssl` once per host costs tens of milliseconds (far
 * more from a large process), which a 100-host pool cannot afford at start-up.
 */

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const length =
    n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const octets = (content: Buffer): Buffer => tlv(0x04, content);
const bits = (content: Buffer): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), content]));
const utf8 = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));
const explicit = (n: number, content: Buffer): Buffer => tlv(0xa0 + n, content);
const TRUE = Buffer.from([0x01, 0x01, 0xff]);

/** A DER INTEGER from unsigned big-endian bytes: minimal (no redundant leading zero), positive. */
export function derInteger(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const minimal = bytes.subarray(start);
  return tlv(0x02, minimal[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal);
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const out = [40 * a + b];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let v = arc >>> 7; v > 0; v >>>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

const extension = (id: string, critical: boolean, value: Buffer): Buffer =>
  sequence(oid(id), ...(critical ? [TRUE] : []), octets(value));

/** The element at `offset` of a DER buffer: its tag and where its content and the whole element end. */
function element(der: Buffer, offset: number): { tag: number; start: number; end: number } {
  const first = der[offset + 1]!;
  let length = first;
  let start = offset + 2;
  if (first & 0x80) {
    length = 0;
    for (let i = 0; i < (first & 0x7f); i++) length = length * 256 + der[start + i]!;
    start += first & 0x7f;
  }
  return { tag: der[offset]!, start, end: start + length };
}

/** The children of a constructed element. */
function children(der: Buffer, parent: { start: number; end: number }): { tag: number; from: number; end: number }[] {
  const out: { tag: number; from: number; end: number }[] = [];
  for (let at = parent.start; at < parent.end;) {
    const child = element(der, at);
    out.push({ tag: child.tag, from: at, end: child.end });
    at = child.end;
  }
  return out;
}

/** SHA-1 of the subjectPublicKey bits: RFC 5280's key identifier method 1, OpenSSL's `hash`. */
function keyIdentifier(spki: Buffer): Buffer {
  const [, key] = children(spki, element(spki, 0));
  return createHash('sha1')
    .update(spki.subarray(element(spki, key!.from).start + 1, key!.end))
    .digest();
}

const derOfPem = (pem: string): Buffer =>
  Buffer.from(pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');

const pemOf = (label: string, der: Buffer): string =>
  `-----BEGIN ${label}-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n?$/, '\n')}-----END ${label}-----\n`;

const ECDSA_SHA256 = sequence(oid('1.2.840.10045.4.3.2'));

export interface SignedCertificate {
  readonly keyPem: string;
  readonly certPem: string;
}

interface Issuer {
  readonly subject: Buffer;
  readonly keyIdentifier: Buffer;
  readonly key: KeyObject;
}

const issuers = new Map<string, Issuer>();

/** What a certificate signed by this CA needs from it, parsed once per CA. */
function issuerOf(caCertPem: string, caKeyPem: string): Issuer {
  let issuer = issuers.get(caCertPem);
  if (!issuer) {
    const der = derOfPem(caCertPem);
    const tbs = children(der, element(der, children(der, element(der, 0))[0]!.from));
    // tbsCertificate: [0] version, serial, signature, issuer, validity, subject, subjectPublicKeyInfo, …
    issuer = {
      subject: der.subarray(tbs[5]!.from, tbs[5]!.end),
      keyIdentifier: keyIdentifier(createPublicKey(caCertPem).export({ type: 'spki', format: 'der' })),
      key: createPrivateKey(caKeyPem),
    };
    issuers.set(caCertPem, issuer);
  }
  return issuer;
}

/** Issues a server certificate for an IPv4 address (its only subject alternative name), valid 825 days. */
export function issueServerCertificate(caCertPem: string, caKeyPem: string, address: string): SignedCertificate {
  const issuer = issuerOf(caCertPem, caKeyPem);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const serial = randomBytes(16);
  const now = Date.now();
  const ip = Buffer.from(address.split('.').map(Number));
  const tbs = sequence(
    explicit(0, derInteger(Buffer.from([2]))),
    derInteger(serial),
    ECDSA_SHA256,
    issuer.subject,
    sequence(time(new Date(now - 86_400_000)), time(new Date(now + 825 * 86_400_000))),
    sequence(set(sequence(oid('2.5.4.10'), utf8('xapi-sim'))), set(sequence(oid('2.5.4.3'), utf8(address)))),
    spki,
    explicit(
      3,
      sequence(
        extension('2.5.29.14', false, octets(keyIdentifier(spki))),
        extension('2.5.29.35', false, sequence(tlv(0x80, issuer.keyIdentifier))),
        extension('2.5.29.17', false, sequence(tlv(0x87, ip))),
        extension('2.5.29.19', true, sequence()),
        extension('2.5.29.15', true, Buffer.from([0x03, 0x02, 0x07, 0x80])),
        extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.1'))),
      ),
    ),
  );
  const signature = sign('sha256', tbs, issuer.key);
  return {
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    certPem: pemOf('CERTIFICATE', sequence(tbs, ECDSA_SHA256, bits(signature))),
  };
}
