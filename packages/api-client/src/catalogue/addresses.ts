/** Syntax checks for the addresses and identifiers extension values hold. Pure string tests, no lookups. */

/** XenCenter's host name rule (`LogDestinationEditPage`): dot-separated labels of letters, digits and inner hyphens. */
const HOSTNAME = /^[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*$/;

export function isHostname(text: string): boolean {
  return text.length <= 253 && HOSTNAME.test(text);
}

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function isIPv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((part) => OCTET.test(part));
}

const HEXTET = /^[0-9a-fA-F]{1,4}$/;

/** RFC 4291 text forms, including `::` compression and a trailing dotted IPv4; no zone index. */
export function isIPv6(text: string): boolean {
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups = (half: string | undefined): string[] => (half ? half.split(':') : []);
  const all = [...groups(halves[0]), ...groups(halves[1])];
  let width = 0;
  for (const [i, group] of all.entries()) {
    if (i === all.length - 1 && group.includes('.')) {
      if (!isIPv4(group)) return false;
      width += 2;
    } else if (HEXTET.test(group)) {
      width += 1;
    } else {
      return false;
    }
  }
  return halves.length === 2 ? width < 8 : width === 8;
}

export function isHostnameOrIp(text: string): boolean {
  return isIPv4(text) || isIPv6(text) || isHostname(text);
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isUuid(text: string): boolean {
  return UUID.test(text);
}

export function isOpaqueRef(text: string): boolean {
  return /^OpaqueRef:[0-9a-zA-Z-]+$/.test(text) && text !== 'OpaqueRef:NULL';
}

const URL_SCHEMES = ['http:', 'https:', 'ftp:', 'nfs:'];

/**
 * An install repository URL: http, https or ftp with a host, or nfs in either the URL form
 * (`nfs://server/path`) or the Red Hat installer form (`nfs:server:/path`).
 */
export function isRepositoryUrl(text: string): boolean {
  if (/\s/.test(text)) return false;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (!URL_SCHEMES.includes(url.protocol)) return false;
  if (url.protocol === 'nfs:') return url.host !== '' || /^nfs:[^/:]+:\/./.test(text);
  return url.hostname !== '';
}
