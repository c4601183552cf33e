/**
 * The tree's search box, as XenCenter's: the text splits on white space and an object matches when ANY word occurs,
 * case-insensitively, in its name, its description or one of its IP addresses.
 */

export type Query = readonly string[];

export function parseQuery(text: string): Query {
  const words = text
    .toLowerCase()
    .split(/\s+/)
    .filter((word) => word !== '');
  return [...new Set(words)];
}

/**
 * The lower-cased text an object is searched in. Fields are joined with a newline, which no word can contain, so a
 * word never matches across two fields.
 */
export function searchText(name: string, description: string, addresses: readonly string[]): string {
  return [name, description, ...addresses].join('\n').toLowerCase();
}

export function matchesQuery(text: string, query: Query): boolean {
  if (query.length === 0) return true;
  for (const word of query) if (text.includes(word)) return true;
  return false;
}

/** IP addresses a guest reports in VM_guest_metrics.networks (`0/ip`, `0/ipv4/0`, `0/ipv6/0`), IPv4 first, no repeats. */
export function guestAddresses(networks: Readonly<Record<string, string>>): string[] {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const key of Object.keys(networks).sort()) {
    const value = networks[key]!.trim();
    if (value === '') continue;
    (value.includes(':') ? v6 : v4).push(value);
  }
  return [...new Set([...v4, ...v6])];
}
