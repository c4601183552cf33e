/**
 * The upstream server broke the protocol, refused us, or sent more than the client's bounds allow. `reason` is a
 * short sentence naming what was wrong (safe for audit lines and close reasons: it never quotes more than a short,
 * printable excerpt of what the server sent).
 */
export class RfbProtocolError extends Error {
  override readonly name = 'RfbProtocolError';

  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Longest excerpt of server-supplied text (a refusal reason) quoted in an error. */
const MAX_QUOTED = 200;

/** A server's own words, made safe to quote: control characters dropped, length bounded. */
export function quoteServerText(bytes: Buffer): string {
  const text = bytes
    .toString('utf8')
    .replace(/[\p{Cc}\p{Cf}]+/gu, ' ')
    .trim();
  return text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text;
}
