/**
 * Remote Desktop for Windows guests (XenCenter §1.5): when the gateway writes an `.rdp` file and when the UI offers
 * one. Everything here comes from the guest (VM_guest_metrics), so it is parsed strictly: an address reaches a file
 * only as an IP literal that cannot carry a line break, a port, a zone or a host name.
 */

/** The guest's tools can drive RDP (`feature-ts2`) and RDP is on (`data-ts`), as XenCenter reads them. */
function rdpEnabled(other: Readonly<Record<string, string>>): boolean {
  const on = (value: string | undefined): boolean => value !== undefined && value !== '' && value !== '0';
  return on(other['feature-ts2']) && on(other['data-ts']);
}

const IPV4 = /^(?:0|[1-9]\d{0,2})(?:\.(?:0|[1-9]\d{0,2})){3}$/;
const IPV6_TEXT = /^[0-9A-Fa-f:]{2,39}$/;
const HEXTET = /^[0-9A-Fa-f]{1,4}$/;

/** Dotted-quad IPv4 with no leading zeros (`010` is octal to some resolvers) and every octet ≤ 255. */
function parseIpv4(text: string): number[] | undefined {
  if (!IPV4.test(text)) return undefined;
  const octets = text.split('.').map(Number);
  return octets.every((n) => n <= 255) ? octets : undefined;
}

/** IPv6 in hex-and-colon form only: no zone (`%eth0`), no brackets or port, no embedded dotted quad. */
function parseIpv6(text: string): number[] | undefined {
  if (!IPV6_TEXT.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = halves.map((half) => (half === '' ? [] : half.split(':')));
  if (!groups.every((list) => list.every((g) => HEXTET.test(g)))) return undefined;
  const [head, tail = []] = groups as [string[], string[]?];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  return [...head, ...Array<string>(halves.length === 1 ? 0 : missing).fill('0'), ...tail].map((g) =>
    Number.parseInt(g, 16),
  );
}

/** Unicast addresses another machine can reach: not unspecified, loopback, multicast, broadcast or reserved. */
const routableV4 = ([a]: number[]): boolean => a !== 0 && a !== 127 && a! < 224;
/** Also not link-local (it needs the guest's own zone), nor IPv4-mapped/compatible (the guest reports IPv4 apart). */
const routableV6 = (h: number[]): boolean =>
  !h.slice(0, 5).every((x) => x === 0) && (h[0]! & 0xff00) !== 0xff00 && (h[0]! & 0xffc0) !== 0xfe80;

/** What `full address:s:` may hold for one reported value: `a.b.c.d` or `[v6]`, or undefined. */
export function rdpAddressOf(value: string): string | undefined {
  const v4 = parseIpv4(value);
  if (v4) return routableV4(v4) ? value : undefined;
  const v6 = parseIpv6(value);
  return v6 && routableV6(v6) ? `[${value.toLowerCase()}]` : undefined;
}

export type RdpTarget =
  { ok: true; address: string } | { ok: false; reason: 'not-enabled' | 'no-address' | 'invalid-address' };

export const RDP_REFUSED: Record<Exclude<RdpTarget, { ok: true }>['reason'], string> = {
  'not-enabled': 'Remote Desktop is not enabled on this guest.',
  'no-address': 'Remote Desktop is enabled on this guest, but it reports no address.',
  'invalid-address':
    'Remote Desktop is enabled on this guest, but the address it reports is not an IP address a Remote Desktop ' +
    'client can use, so no .rdp file is offered.',
};

/** The first usable address (`N/ip` and `N/ipv4/M` before `N/ipv6/M`, keys in order), as XenCenter picks it. */
export function rdpTarget(metrics: {
  other: Readonly<Record<string, string>>;
  networks: Readonly<Record<string, string>>;
}): RdpTarget {
  if (!rdpEnabled(metrics.other)) return { ok: false, reason: 'not-enabled' };
  const keys = Object.keys(metrics.networks).sort();
  const reported = [
    ...keys.filter((key) => /^\d+\/(?:ip|ipv4\/\d+)$/.test(key)),
    ...keys.filter((key) => /^\d+\/ipv6\/\d+$/.test(key)),
  ]
    .map((key) => metrics.networks[key]!)
    .filter((value) => value !== '');
  for (const value of reported) {
    const address = rdpAddressOf(value);
    if (address) return { ok: true, address };
  }
  return { ok: false, reason: reported.length > 0 ? 'invalid-address' : 'no-address' };
}
