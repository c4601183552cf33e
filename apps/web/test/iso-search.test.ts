import { describe, expect, it } from 'vitest';
import { matchingIsos, sizeText } from '../src/console/dvd/iso-search.ts';

const library = (name: string, isos: string[]) => ({
  uuid: name,
  name,
  description: '',
  isos: isos.map((iso) => ({ uuid: iso, name: iso, size: 0 })),
});

describe('the ISO picker’s search', () => {
  const libraries = [
    library('ISO library', ['debian-12.7.0-amd64-netinst.iso', 'SERVER_EVAL_x64FRE_en-us.iso']),
    library('XCP-ng Tools', ['guest-tools.iso']),
    library('Empty NFS', []),
  ];

  it('keeps the ISOs whose name holds the text in any case, and drops libraries left empty', () => {
    expect(matchingIsos(libraries, ' DEBIAN ').map((l) => [l.name, l.isos.map((i) => i.name)])).toEqual([
      ['ISO library', ['debian-12.7.0-amd64-netinst.iso']],
    ]);
    expect(matchingIsos(libraries, 'iso').map((l) => l.name)).toEqual(['ISO library', 'XCP-ng Tools']);
    expect(matchingIsos(libraries, 'ubuntu')).toEqual([]);
  });

  it('shows every library with discs when there is no text', () => {
    expect(matchingIsos(libraries, '  ').map((l) => l.name)).toEqual(['ISO library', 'XCP-ng Tools']);
  });

  it('gives sizes in GiB or MiB', () => {
    expect(sizeText(4942 * 1024 ** 2)).toBe('4.8 GiB');
    expect(sizeText(631 * 1024 ** 2)).toBe('631 MiB');
    expect(sizeText(0)).toBe('');
  });
});
