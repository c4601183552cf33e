/**
 * The one character rule for text written into an XAPI map: keys and values, through the extensions route and the
 * raw other_config route alike (and checked in the browser with this same code). Every Unicode character is accepted
 * except those that would not read back as written through both of XAPI's wire protocols, or not be seen:
 * - control characters (C0 U+0000–U+001F with TAB, LF and CR; DEL and C1 U+007F–U+009F): XML 1.0 cannot carry most
 *   C0 controls (XAPI's XML-RPC drops them), every XML parser turns CR into LF, and TAB and LF are invisible in a
 *   one-line field and split the line-based output of `xe`;
 * - unpaired surrogates and U+FFFE, U+FFFF: not characters at all (no UTF-8 form, not XML characters).
 */

const NAMES: Readonly<Record<number, string>> = {
  0x00: 'NUL',
  0x09: 'tab',
  0x0a: 'line feed',
  0x0d: 'carriage return',
};

const hex = (code: number): string => `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;

/** Why `text` may not be written into a map (a phrase to follow the key's or value's name), or undefined if it may. */
export function mapTextProblem(text: string): string | undefined {
  let position = 0;
  for (const ch of text) {
    position++;
    const code = ch.codePointAt(0)!;
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) {
      const name = NAMES[code];
      return `must not contain control characters (found ${hex(code)}${name ? `, ${name},` : ''} at character ${position})`;
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      return `must contain only whole characters (found an unpaired surrogate ${hex(code)} at character ${position})`;
    }
    if (code === 0xfffe || code === 0xffff) {
      return `must contain only characters (found the non-character ${hex(code)} at character ${position})`;
    }
  }
  return undefined;
}

/** `text` quoted for a message: refused characters shown as `\u{…}` escapes, long text shortened. */
export function quoteMapText(text: string, max = 60): string {
  let out = '';
  let count = 0;
  for (const ch of text) {
    if (++count > max) return `“${out}…”`;
    out += mapTextProblem(ch) === undefined ? ch : `\\u{${ch.codePointAt(0)!.toString(16).toUpperCase()}}`;
  }
  return `“${out}”`;
}
