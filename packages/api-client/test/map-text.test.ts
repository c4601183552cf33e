import { describe, expect, it } from 'vitest';
import { mapTextProblem, quoteMapText } from '../src/catalogue/map-text.ts';
import * as jsonrpc from '../src/wire/jsonrpc.ts';
import * as xmlrpc from '../src/wire/xmlrpc.ts';

/** XML 1.0's Char production: what an XML-RPC document can carry at all. */
const isXmlChar = (c: number): boolean =>
  c === 0x09 ||
  c === 0x0a ||
  c === 0x0d ||
  (c >= 0x20 && c <= 0xd7ff) ||
  (c >= 0xe000 && c <= 0xfffd) ||
  (c >= 0x10000 && c <= 0x10ffff);

describe('the character rule for map keys and values (SECURITY.md #14)', () => {
  it('accepts exactly the characters XML 1.0 carries, less the control characters', () => {
    const wrong: number[] = [];
    for (let c = 0; c <= 0x10ffff; c++) {
      const text = c >= 0xd800 && c <= 0xdfff ? String.fromCharCode(c) : String.fromCodePoint(c);
      const accepted = mapTextProblem(`a${text}b`) === undefined;
      if (accepted !== (isXmlChar(c) && !/\p{Cc}/u.test(text))) wrong.push(c);
    }
    expect(wrong).toEqual([]);
  });

  it('says which character was wrong and where', () => {
    expect(mapTextProblem('ab\u0000')).toBe('must not contain control characters (found U+0000, NUL, at character 3)');
    expect(mapTextProblem('😀\t')).toBe('must not contain control characters (found U+0009, tab, at character 2)');
    expect(mapTextProblem('a\r\n')).toContain('U+000D, carriage return,');
    expect(mapTextProblem('\u0085')).toBe('must not contain control characters (found U+0085 at character 1)');
    expect(mapTextProblem('x\ud800')).toBe(
      'must contain only whole characters (found an unpaired surrogate U+D800 at character 2)',
    );
    expect(mapTextProblem('\uffff')).toBe(
      'must contain only characters (found the non-character U+FFFF at character 1)',
    );
    expect(quoteMapText('a\nb')).toBe('“a\\u{A}b”');
    expect(quoteMapText('k'.repeat(100))).toBe(`“${'k'.repeat(60)}…”`);
  });

  it('lets every accepted class of text through both wire protocols unchanged', () => {
    const samples = [
      'plain',
      'with inner and trailing spaces ',
      'ünïcödé, 日本語, ключ',
      '😀 𝄞 astral',
      '<&>"\'',
      ']]>',
      '&amp; &#0; &lt;',
      '\u00a0\u2028\u2029\ufeff',
    ];
    for (const text of samples) {
      expect(mapTextProblem(text), text).toBeUndefined();
      const map = { [text]: text };
      const viaJson = jsonrpc.decodeReply(jsonrpc.encodeResult(2, 1, map));
      expect(viaJson.ok && viaJson.result).toEqual(map);
      const viaXml = xmlrpc.decodeResponse(xmlrpc.encodeSuccess(map));
      expect(viaXml.kind === 'value' && xmlrpc.unwrapStatus(viaXml.value)).toEqual({ ok: true, value: map });
    }
  });
});
