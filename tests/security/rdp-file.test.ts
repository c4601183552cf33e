import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RDP_REFUSED, rdpAddressOf, rdpTarget } from '@xwc/contracts';
import { rdpFile } from '../../apps/proxy/src/http/rdp-file.ts';
import { api } from '../support/api.ts';
import { pick, prng } from '../support/prng.ts';
import { startStack, type Stack } from '../support/stack.ts';

/** Case 17: what a guest reports as its address can never add a line (or a setting) to the `.rdp` file. */

const RDP_ON = { 'feature-ts2': '1', 'data-ts': '1' };

const HOSTILE = [
  '1.2.3.4\r\nalternate shell:s:cmd',
  '1.2.3.4\nfull address:s:evil',
  '1.2.3.4\r',
  '\r\nfull address:s:evil',
  '1.2.3.4\u2028alternate shell:s:cmd',
  '1.2.3.4\u2029x',
  '1.2.3.4\u0085x',
  '1.2.3.4\u0000',
  '1.2.3.4\t',
  ' 1.2.3.4',
  '1.2.3.4 ',
  '１.２.３.４',
  '1.2.3.4:3389',
  '[2001:db8::1]',
  '[2001:db8::1]:3389',
  '2001:db8::1\r\nalternate shell:s:cmd',
  'fe80::1%eth0',
  'fe80::1%eth0\r\nx',
  '2001:db8::1%25x',
  'fe80::4c1:ff:fe2a:1b01',
  '::ffff:1.2.3.4',
  '::ffff:102:304',
  '::1.2.3.4',
  '::',
  '::1',
  'ff02::1',
  '2001:db8:::1',
  '2001:db8::1::2',
  '1:2:3:4:5:6:7:8:9',
  '1:2:3:4:5:6:7:8::',
  '12345::1',
  ':1::2',
  '010.0.0.1',
  '10.0.0.01',
  '256.1.1.1',
  '1.2.3',
  '1.2.3.4.5',
  '0x7f.0.0.1',
  '2130706433',
  '0.0.0.0',
  '127.0.0.1',
  '224.0.0.1',
  '255.255.255.255',
  'evil.example',
  'localhost',
  'windows-guest',
  '',
  '1'.repeat(4096),
  `${'1:'.repeat(2000)}1`,
];

describe('17. guest addresses in .rdp files', () => {
  it.each(HOSTILE.map((value) => [JSON.stringify(value).slice(0, 60), value]))('refuses %s', (_shown, value) => {
    expect(rdpAddressOf(value)).toBeUndefined();
    expect(rdpTarget({ other: RDP_ON, networks: { '0/ip': value, '0/ipv6/0': value } })).toEqual({
      ok: false,
      reason: value === '' ? 'no-address' : 'invalid-address',
    });
  });

  it('accepts plain IPv4 and IPv6 addresses, IPv4 first, IPv6 in brackets', () => {
    expect(rdpAddressOf('10.0.0.21')).toBe('10.0.0.21');
    expect(rdpAddressOf('169.254.10.1')).toBe('169.254.10.1');
    expect(rdpAddressOf('2001:DB8::1')).toBe('[2001:db8::1]');
    expect(rdpAddressOf('2001:db8:0:0:0:0:0:1')).toBe('[2001:db8:0:0:0:0:0:1]');
    const networks = { '0/ipv6/0': '2001:db8::5', '0/ip': '10.0.0.5', '1/ip': '10.0.1.5' };
    expect(rdpTarget({ other: RDP_ON, networks })).toEqual({ ok: true, address: '10.0.0.5' });
    expect(rdpTarget({ other: RDP_ON, networks: { '0/ipv6/0': '2001:db8::5' } })).toEqual({
      ok: true,
      address: '[2001:db8::5]',
    });
    // A hostile value beside a usable one: the usable one, alone.
    const mixed = { '0/ip': HOSTILE[0]!, '0/ipv4/0': '10.0.0.7' };
    expect(rdpTarget({ other: RDP_ON, networks: mixed })).toEqual({ ok: true, address: '10.0.0.7' });
    expect(rdpTarget({ other: { 'feature-ts2': '1', 'data-ts': '0' }, networks })).toEqual({
      ok: false,
      reason: 'not-enabled',
    });
  });

  it('never yields an address that could change the file, whatever the guest reports (seeded fuzz)', () => {
    const random = prng(17);
    const alphabet = [...'0123456789abcdefABCDEF.:%[]x /\\', '\r', '\n', '\u2028', '\u2029', '\u0085', '\0', '::'];
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const value = Array.from({ length: 1 + Math.floor(random() * 40) }, () => pick(random, alphabet)).join('');
      const target = rdpTarget({ other: RDP_ON, networks: { '0/ip': value, '0/ipv6/0': value } });
      if (!target.ok) continue;
      accepted++;
      expect(target.address).toMatch(/^(?:[0-9.]+|\[[0-9a-f:]+\])$/);
      const lines = rdpFile(target.address).split('\r\n');
      expect(lines).toHaveLength(5);
      expect(lines[0]).toBe(`full address:s:${target.address}`);
    }
    expect(accepted).toBeGreaterThan(0);
  });

  it('the file writer itself refuses any character an IP literal does not have (second layer)', () => {
    for (const value of HOSTILE.filter((v) => /[^0-9a-fA-F.:[\]]/.test(v))) {
      expect(() => rdpFile(value)).toThrow(/not an IP literal/);
    }
    expect(rdpFile('[2001:db8::1]').split('\r\n')[0]).toBe('full address:s:[2001:db8::1]');
  });
});

describe('17. a guest reporting a hostile address gets no .rdp file', () => {
  let stack: Stack;
  let cookie: string;
  const vm = 'Windows Server 2022';
  beforeAll(async () => {
    stack = await startStack();
    cookie = (await stack.login('root')).cookie;
  });
  afterAll(() => stack?.close());

  const report = (networks: Record<string, string>): void => {
    const metrics = String(stack.pool.vm(vm).record.guest_metrics);
    stack.pool.setField('VM_guest_metrics', metrics, 'networks', networks);
  };
  const download = () => api(stack, 'GET', `/api/objects/vm/${String(stack.pool.vm(vm).record.uuid)}/rdp`, { cookie });

  it.each([
    ['CRLF and a second address', '1.2.3.4\r\nfull address:s:evil'],
    ['a command line', '1.2.3.4\r\nalternate shell:s:cmd'],
    ['a Unicode line separator', '1.2.3.4\u2028alternate shell:s:cmd'],
    ['a zone id with a line feed', 'fe80::1%eth0\nx'],
    ['a host name', 'evil.example'],
  ])('refuses %s with a clear 404', async (_what, value) => {
    report({ '0/ip': value, '0/ipv4/0': value, '0/ipv6/0': value });
    const response = await download();
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: 'NOT_FOUND', message: RDP_REFUSED['invalid-address'] });
    expect(response.headers.get('content-type')).not.toContain('rdp');
  });

  it('writes exactly the fixed lines for a usable address, ignoring a hostile one beside it', async () => {
    report({ '0/ip': '1.2.3.4\r\nalternate shell:s:cmd', '0/ipv4/0': '10.0.0.21', '0/ipv6/0': 'fe80::1%eth0\r\nx' });
    const response = await download();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/x-rdp');
    expect(response.text.split('\r\n')).toEqual([
      'full address:s:10.0.0.21',
      'prompt for credentials:i:1',
      'screen mode id:i:2',
      'administrative session:i:0',
      '',
    ]);
  });
});
