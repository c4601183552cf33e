/**
 * Reads who holds a console from xapi's `503 Connection Limit Exceeded` page (`limit_console_sessions`):
 * `User 'alice' is currently connected…`, `Users 'alice, bob' are…`, or `There're users…` when a host hides the
 * names. Names are HTML-escaped by xapi and may be empty (local root sessions in some releases).
 */
export interface LimitHolders {
  /** The user names, unescaped; empty when the pool did not say. */
  readonly names: readonly string[];
}

/** The body is read up to this many bytes; xapi's page is a few hundred. */
export const MAX_LIMIT_BODY = 4096;

const ONE = /User '([^']*)' is currently connected/;
const MANY = /Users '([^']*)' are currently connected/;

const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function unescapeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#\d{1,7}|[a-z]{2,4});/g, (whole, entity: string) => {
    if (entity.startsWith('#')) {
      const code = entity[1] === 'x' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[entity] ?? whole;
  });
}

export function parseLimitHolders(body: string): LimitHolders {
  const one = ONE.exec(body);
  if (one) return { names: [unescapeHtml(one[1]!)] };
  const many = MANY.exec(body);
  if (many) return { names: many[1]!.split(', ').map(unescapeHtml) };
  return { names: [] };
}

/** What viewers read when the pool refuses because someone else holds the console. */
export function busyReason(names: readonly string[], where: 'another client' | 'another gateway'): string {
  const shown = names.filter((n) => n !== '').map((n) => (n.length > 32 ? `${n.slice(0, 31)}…` : n));
  const who = shown.length === 0 ? 'another user' : shown.length <= 2 ? shown.join(' and ') : `${shown[0]} and others`;
  return `In use by ${who} from ${where}.`;
}
