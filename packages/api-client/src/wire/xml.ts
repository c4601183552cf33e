import { protocolError } from '../errors.ts';

/** A parsed XML element: just what XML-RPC needs (attributes are read but unused). */
export interface XmlElement {
  readonly name: string;
  readonly children: XmlNode[];
}
export type XmlNode = XmlElement | string;

export interface XmlLimits {
  /** Deepest element nesting accepted; XML-RPC rarely goes past 20. */
  maxDepth: number;
}

const DEFAULT_LIMITS: XmlLimits = { maxDepth: 256 };

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, body: string) => {
    if (body.startsWith('#x')) return codePoint(Number.parseInt(body.slice(2), 16), whole);
    if (body.startsWith('#')) return codePoint(Number.parseInt(body.slice(1), 10), whole);
    const named = ENTITIES[body];
    if (named === undefined) throw protocolError(`XML: unknown entity ${whole}`);
    return named;
  });
}

function codePoint(n: number, whole: string): string {
  if (!Number.isFinite(n) || n < 0 || n > 0x10ffff) throw protocolError(`XML: bad character reference ${whole}`);
  return String.fromCodePoint(n);
}

/** Escapes text content the way XAPI does: `<>&"` escaped, control characters other than TAB/LF/CR dropped. */
export function escapeText(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) continue;
    if (ch === '<') out += '&lt;';
    else if (ch === '>') out += '&gt;';
    else if (ch === '&') out += '&amp;';
    else if (ch === '"') out += '&quot;';
    else out += ch;
  }
  return out;
}

const NAME = /[A-Za-z_][\w.\-:]*/y;

/**
 * Parses a whole XML document into an element tree. Strict where it matters for safety
 * (balanced tags, known entities, bounded depth, no DTDs) and lenient about what XML-RPC peers
 * actually send (declarations, comments, whitespace).
 */
export function parseXml(source: string, limits: XmlLimits = DEFAULT_LIMITS): XmlElement {
  let pos = 0;
  const stack: { name: string; children: XmlNode[] }[] = [];
  let root: XmlElement | undefined;

  const fail = (what: string): never => {
    throw protocolError(`XML: ${what} at offset ${pos}`);
  };

  while (pos < source.length) {
    const lt = source.indexOf('<', pos);
    const textEnd = lt === -1 ? source.length : lt;
    if (textEnd > pos) {
      const raw = source.slice(pos, textEnd);
      const top = stack[stack.length - 1];
      if (top) top.children.push(decodeEntities(raw));
      else if (raw.trim() !== '') fail('text outside the root element');
      pos = textEnd;
      continue;
    }
    if (source.startsWith('<?', pos)) {
      const end = source.indexOf('?>', pos + 2);
      if (end === -1) fail('unterminated processing instruction');
      pos = end + 2;
    } else if (source.startsWith('<!--', pos)) {
      const end = source.indexOf('-->', pos + 4);
      if (end === -1) fail('unterminated comment');
      pos = end + 3;
    } else if (source.startsWith('<![CDATA[', pos)) {
      const end = source.indexOf(']]>', pos + 9);
      if (end === -1) fail('unterminated CDATA');
      const top = stack[stack.length - 1];
      if (!top) fail('CDATA outside the root element');
      top!.children.push(source.slice(pos + 9, end));
      pos = end + 3;
    } else if (source.startsWith('<!', pos)) {
      fail('DTDs are not accepted');
    } else if (source.startsWith('</', pos)) {
      NAME.lastIndex = pos + 2;
      const m = NAME.exec(source);
      if (!m) fail('bad closing tag');
      const name = m![0];
      let p = pos + 2 + name.length;
      while (p < source.length && /\s/.test(source[p]!)) p++;
      if (source[p] !== '>') fail('bad closing tag');
      const open = stack.pop();
      if (!open || open.name !== name) fail(`mismatched </${name}>`);
      const element: XmlElement = { name, children: open!.children };
      pos = p + 1;
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(element);
      else if (root) fail('more than one root element');
      else root = element;
    } else {
      NAME.lastIndex = pos + 1;
      const m = NAME.exec(source);
      if (!m) fail('bad tag');
      const name = m![0];
      const close = findTagEnd(source, pos + 1 + name.length);
      if (close === -1) fail('unterminated tag');
      const selfClosing = source[close - 1] === '/';
      pos = close + 1;
      if (selfClosing) {
        const element: XmlElement = { name, children: [] };
        const parent = stack[stack.length - 1];
        if (parent) parent.children.push(element);
        else if (root) fail('more than one root element');
        else root = element;
      } else {
        if (!stack.length && root) fail('more than one root element');
        if (stack.length >= limits.maxDepth) fail('nesting too deep');
        stack.push({ name, children: [] });
      }
    }
  }
  if (stack.length) throw protocolError(`XML: unclosed <${stack[stack.length - 1]!.name}>`);
  if (!root) throw protocolError('XML: empty document');
  return root;
}

/** Finds the `>` that ends a start tag, skipping quoted attribute values. */
function findTagEnd(source: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < source.length; i++) {
    const ch = source[i];
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '>') return i;
    else if (ch === '<') return -1;
  }
  return -1;
}

export function elementChildren(element: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (const child of element.children) {
    if (typeof child !== 'string') out.push(child);
    else if (child.trim() !== '') throw protocolError(`XML-RPC: unexpected text inside <${element.name}>`);
  }
  return out;
}

export function textOf(element: XmlElement): string {
  let out = '';
  for (const child of element.children) {
    if (typeof child !== 'string') throw protocolError(`XML-RPC: unexpected <${child.name}> inside <${element.name}>`);
    out += child;
  }
  return out;
}
