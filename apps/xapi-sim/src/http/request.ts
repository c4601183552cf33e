/** A parsed HTTP request head, as xapi's `Http_svr.read_request` sees it. */
export interface RequestHead {
  readonly method: string;
  /** The path without the query (`Uri.path`). */
  readonly path: string;
  readonly query: ReadonlyMap<string, string>;
  /** `1.0` or `1.1` (as sent, without `HTTP/`). */
  readonly version: string;
  /** Lower-case names; the last of repeated headers wins. */
  readonly headers: ReadonlyMap<string, string>;
  /** Whether the connection closes after the response: HTTP/1.0 unless `Connection: keep-alive`. */
  readonly close: boolean;
  readonly cookies: ReadonlyMap<string, string>;
}

const decode = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

function parsePairs(text: string, separator: RegExp): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(separator)) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decode((eq === -1 ? part : part.slice(0, eq)).trim());
    if (!out.has(key)) out.set(key, decode(eq === -1 ? '' : part.slice(eq + 1).trim()));
  }
  return out;
}

/** `Http.parse_cookies`: both `a=b; c=d` and the legacy `a=b&c=d`. */
export const parseCookies = (text: string): Map<string, string> => parsePairs(text, /[;&]/);

/** Parses the text before the blank line; undefined when xapi would fail with `Http_parse_failure`. */
export function parseHead(text: string): RequestHead | undefined {
  const lines = text.split(/\r?\n/);
  const fields = lines[0]!.split(/[ \t]+/).filter((f) => f !== '');
  if (fields.length !== 3) return undefined;
  const [method, target, protocol] = fields as [string, string, string];
  if (!protocol.startsWith('HTTP/') || target === '') return undefined;
  const version = protocol.slice('HTTP/'.length);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const q = target.indexOf('?');
  const connection = headers.get('connection')?.toLowerCase();
  return {
    method,
    path: decode(q === -1 ? target : target.slice(0, q)),
    query: parsePairs(q === -1 ? '' : target.slice(q + 1), /&/),
    version,
    headers,
    close: connection === 'close' ? true : connection === 'keep-alive' ? false : version === '1.0',
    cookies: parseCookies(headers.get('cookie') ?? ''),
  };
}
