import { describe, expect, it } from 'vitest';
import { guestAddresses, matchesQuery, parseQuery, searchText } from '../src/domain/search.ts';

describe('the inventory search (XenCenter semantics)', () => {
  it('splits on white space, lower-cases and drops repeats', () => {
    expect(parseQuery('  Web   DB web ')).toEqual(['web', 'db']);
    expect(parseQuery('   ')).toEqual([]);
  });

  it('matches any word in the name, the description or an address (an OR of words)', () => {
    const text = searchText('Debian 12 Web', 'Front end for the shop', ['10.0.0.42', 'fe80::1']);
    expect(matchesQuery(text, parseQuery('WEB'))).toBe(true);
    expect(matchesQuery(text, parseQuery('shop'))).toBe(true);
    expect(matchesQuery(text, parseQuery('10.0.0.4'))).toBe(true);
    expect(matchesQuery(text, parseQuery('nothing fe80::1'))).toBe(true);
    expect(matchesQuery(text, parseQuery('windows oracle'))).toBe(false);
  });

  it('never matches a word across two fields', () => {
    const text = searchText('alpha', 'beta', []);
    expect(matchesQuery(text, parseQuery('alphabeta'))).toBe(false);
    expect(matchesQuery(text, parseQuery('habe'))).toBe(false);
  });

  it('matches everything with an empty query', () => {
    expect(matchesQuery(searchText('x', '', []), [])).toBe(true);
  });

  it('lists guest addresses IPv4 first, without repeats or blanks', () => {
    expect(guestAddresses({ '0/ipv6/0': 'fe80::1', '0/ip': '10.0.0.2', '0/ipv4/0': '10.0.0.2', '1/ip': ' ' })).toEqual([
      '10.0.0.2',
      'fe80::1',
    ]);
  });
});
