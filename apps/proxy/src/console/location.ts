import { ConsoleError } from './close-codes.ts';

/** Where a console lives, after validation: only ever an address of this pool, on the pool's port. */
export interface ConsoleTarget {
  address: string;
  port: number;
  /** `/console?uuid=…` or `/console?ref=OpaqueRef:…`, checked character by character. */
  pathAndQuery: string;
}

export interface PoolAddresses {
  /** `host.address` of every host in the pool. */
  addresses: ReadonlySet<string>;
  /** The port the pool's hosts serve HTTPS on (443 unless the pool URL says otherwise). */
  port: number;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const QUERY = new RegExp(`^(?:uuid=${UUID}|ref=OpaqueRef:${UUID})$`);
const LOCATION = /^https:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*)(?::(\d{1,5}))?(\/console)\?([\x21-\x7e]{1,128})$/;

export const isXapiUuid = (text: string): boolean => new RegExp(`^${UUID}$`).test(text);

/**
 * Validates a `console.location` from XAPI. Anything but an https URL naming one of the pool's own
 * hosts, on the pool's port, with a plain `uuid=`/`ref=` query, is refused before any connection is
 * attempted. A location without a host name (some XAPI versions) falls back to the resident host.
 */
export function parseConsoleLocation(location: string, pool: PoolAddresses, residentAddress?: string): ConsoleTarget {
  const refuse = (why: string): never => {
    throw new ConsoleError('badUpstream', `The console location is not usable: ${why}.`);
  };
  if (location.length > 512) refuse('it is too long');
  const m = LOCATION.exec(location);
  if (!m) refuse('it is not an https /console URL with a plain query');
  const [, rawHost, rawPort, path, query] = m!;
  if (!QUERY.test(query!)) refuse('its query is not a console uuid or ref');
  let address = rawHost!.startsWith('[') ? rawHost!.slice(1, -1) : rawHost!;
  if (address === '') {
    if (!residentAddress) refuse('it names no host');
    address = residentAddress!;
  }
  if (!pool.addresses.has(address)) refuse('it points outside this pool');
  const port = rawPort === undefined ? 443 : Number(rawPort);
  if (port !== pool.port) refuse('it points at another port');
  return { address, port, pathAndQuery: `${path}?${query}` };
}
