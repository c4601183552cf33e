import { describe, expect, it } from 'vitest';
import { CLIENT_PIXEL_FORMAT, ClientEncoding, DEFAULT_ENCODINGS, RfbClient, Framebuffer } from '../src/index.ts';
import { serverInit } from '../src/messages.ts';
import { SERVER_PIXEL_FORMAT } from '../src/pixel-format.ts';
import { banner, clientMessages, everyCut, handshake38, testClient, u32, u8 } from './client-fixtures.ts';

const init = (w = 640, h = 480, name = 'screen') => serverInit(w, h, SERVER_PIXEL_FORMAT, name);
const reason = (text: string) => Buffer.concat([u32(Buffer.byteLength(text)), Buffer.from(text)]);

describe('RFB client handshake', () => {
  it('3.8: answers 3.8, picks None, sends ClientInit shared, then its pixel format, encodings and a full request', () => {
    const t = testClient();
    expect(t.feed(banner('003.008'))).toEqual([]);
    expect(t.sent.map((b) => b.toString('latin1'))).toEqual(['RFB 003.008\n']);
    t.feed(u8(2, 2, 1));
    expect(t.sent[1]).toEqual(u8(1));
    t.feed(u32(0));
    expect(t.sent[2]).toEqual(u8(1));
    const events = t.feed(init(640, 480, 'guest é'));
    expect(events).toEqual([
      {
        type: 'ready',
        version: '3.8',
        init: { width: 640, height: 480, serverFormat: SERVER_PIXEL_FORMAT, name: 'guest é' },
      },
    ]);
    expect([t.fb.width, t.fb.height]).toEqual([640, 480]);
    expect(clientMessages(t.sent)).toEqual([
      { type: 'set-pixel-format', format: CLIENT_PIXEL_FORMAT },
      { type: 'set-encodings', encodings: [...DEFAULT_ENCODINGS] },
      { type: 'update-request', incremental: false, rect: { x: 0, y: 0, w: 640, h: 480 } },
    ]);
    expect(t.client.state).toBe('running');
  });

  it('asks for ZRLE, Tight, CopyRect and the pseudo-encodings, and no JPEG quality level', () => {
    for (const e of [16, 7, 1, 0, -223, -224, -258, -307, -308]) expect(DEFAULT_ENCODINGS).toContain(e);
    expect(DEFAULT_ENCODINGS.filter((e) => e >= -32 && e <= -23)).toEqual([]);
  });

  it('3.7: no SecurityResult; the security choice and ClientInit go together', () => {
    const t = testClient();
    t.feed(Buffer.concat([banner('003.007'), u8(1, 1)]));
    expect(t.sent.map((b) => [...b])).toEqual([[...Buffer.from('RFB 003.007\n')], [1, 1]]);
    expect(t.feed(init())[0]).toMatchObject({ type: 'ready', version: '3.7' });
  });

  it('3.3: the server picks the security type (u32), no SecurityResult', () => {
    const t = testClient();
    t.feed(Buffer.concat([banner('003.003'), u32(1)]));
    expect(t.sent.map((b) => b.toString('latin1'))).toEqual(['RFB 003.003\n', '\x01']);
    expect(t.feed(init())[0]).toMatchObject({ type: 'ready', version: '3.3' });
  });

  it.each(['003.889', '003.005', '003.006', '003.014'])('treats RFB %s as 3.3 (RFC 6143 §7.1.1)', (version) => {
    const t = testClient();
    t.feed(Buffer.concat([banner(version), u32(1), init()]));
    expect(t.sent[0]!.toString('latin1')).toBe('RFB 003.003\n');
    expect(t.events[0]).toMatchObject({ type: 'ready', version: '3.3' });
  });

  it('speaks no newer a version than it is told to (3.3 to a 3.8 server, 3.7 to a 3.8 server)', () => {
    const t = testClient({ version: '3.3' });
    t.feed(banner('003.008'));
    expect(t.sent[0]!.toString('latin1')).toBe('RFB 003.003\n');
    t.feed(Buffer.concat([u32(1), init()]));
    expect(t.events[0]).toMatchObject({ type: 'ready', version: '3.3' });
    const u = testClient({ version: '3.7' });
    u.feed(Buffer.concat([banner('003.008'), u8(1, 1), init()]));
    expect(u.sent[0]!.toString('latin1')).toBe('RFB 003.007\n');
    expect(u.events[0]).toMatchObject({ type: 'ready', version: '3.7' });
    const older = testClient({ version: '3.7' });
    older.feed(Buffer.concat([banner('003.003'), u32(1), init()]));
    expect(older.events[0]).toMatchObject({ type: 'ready', version: '3.3' });
  });

  it.each(['004.001', '005.000', '002.000'])('refuses RFB %s', (version) => {
    const t = testClient();
    t.feed(banner(version));
    expect(t.error).toMatch(/server speaks RFB \d\.\d+; this client speaks 3\.3 to 3\.8/);
    expect(t.sent).toEqual([]);
  });

  it('fails at the first byte that cannot start an RFB banner', () => {
    const t = testClient();
    t.feed(Buffer.from('HTT'));
    expect(t.error).toBe('server did not answer with an RFB version banner');
    const u = testClient();
    u.feed(Buffer.from('RFB 3.8.0000\n'));
    expect(u.error).toBe('server did not answer with an RFB version banner');
  });

  it('names the security types offered when None is not among them', () => {
    const t = testClient();
    t.feed(Buffer.concat([banner('003.008'), u8(3, 2, 19, 16)]));
    expect(t.error).toBe('server offers security types 2, 19, 16, not None (1)');
    const password = testClient();
    password.feed(Buffer.concat([banner('003.008'), u8(1, 2)]));
    expect(password.error).toBe('server asks for a VNC password; this client supports security type None only');
    const old = testClient();
    old.feed(Buffer.concat([banner('003.003'), u32(2)]));
    expect(old.error).toBe('server asks for a VNC password; this client supports security type None only');
  });

  it('reports the reason of a refusal: no security types (3.7/3.8), type 0 (3.3), a failed SecurityResult (3.8)', () => {
    const cases = [
      Buffer.concat([banner('003.008'), u8(0), reason('Too many connections')]),
      Buffer.concat([banner('003.007'), u8(0), reason('Too many connections')]),
      Buffer.concat([banner('003.003'), u32(0), reason('Too many connections')]),
      Buffer.concat([banner('003.008'), u8(1, 1), u32(1), reason('Too many connections')]),
    ];
    for (const stream of cases) {
      const t = testClient();
      t.feed(stream);
      expect(t.error).toBe('server refused the connection: Too many connections');
    }
  });

  it('quotes a refusal reason without control characters, shortened', () => {
    const t = testClient();
    t.feed(Buffer.concat([banner('003.008'), u8(0), reason(`bad\r\n\x1b[31mthing${'x'.repeat(500)}`)]));
    expect(t.error).toMatch(/^server refused the connection: bad \[31mthingx+…$/);
    expect(t.error!.length).toBeLessThan(260);
  });

  it('refuses an overlong refusal reason without waiting for it', () => {
    const t = testClient();
    t.feed(Buffer.concat([banner('003.008'), u8(0), u32(1 << 30)]));
    expect(t.error).toBe('server refused the connection');
  });

  it('bounds ServerInit: screen side and name length', () => {
    const wide = testClient();
    wide.feed(Buffer.concat([handshake38(8193, 100)]));
    expect(wide.error).toBe('screen size 8193×100 is larger than 8192×8192');
    const named = testClient();
    named.feed(Buffer.concat([banner('003.008'), u8(1, 1), u32(0), init().subarray(0, 20), u32(4097)]));
    expect(named.error).toBe('desktop name of 4097 bytes is longer than 4096');
    expect(named.client.buffered).toBe(0);
  });

  it('decodes the desktop name as UTF-8, replacing invalid sequences', () => {
    const t = testClient();
    const head = init(10, 10, 'x').subarray(0, 20);
    t.feed(Buffer.concat([banner('003.008'), u8(1, 1), u32(0), head, u32(4), u8(0x41, 0xff, 0xc3, 0xa9)]));
    expect(t.events[0]).toMatchObject({ type: 'ready', init: { name: 'A\ufffdé' } });
  });

  it('reports a colour-map server format as null (the client sets its own format anyway)', () => {
    const t = testClient();
    const bytes = Buffer.concat([banner('003.008'), u8(1, 1), u32(0), init(10, 10, 'x')]);
    bytes[12 + 2 + 4 + 4 + 3] = 0; // true-colour flag of the server's format
    t.feed(bytes);
    expect(t.events[0]).toMatchObject({ type: 'ready', init: { serverFormat: null } });
  });

  it('gives the same result with the stream cut at every byte', () => {
    const stream = Buffer.concat([handshake38(300, 200, 'split screen')]);
    const whole = testClient();
    whole.feed(stream);
    for (const cut of everyCut(stream.length)) {
      const t = testClient();
      t.feed(stream, [cut]);
      expect(t.events).toEqual(whole.events);
      expect(Buffer.concat(t.sent)).toEqual(Buffer.concat(whole.sent));
    }
    const bytewise = testClient();
    bytewise.feed(stream, everyCut(stream.length));
    expect(bytewise.events).toEqual(whole.events);
  });

  it('takes no input before the handshake, and checks its encoding list', () => {
    const t = testClient();
    expect(() => t.client.input({ type: 'key', down: true, keysym: 0x61 })).toThrow(/before the handshake/);
    const target = new Framebuffer(1, 1);
    const make = (encodings: number[]) => new RfbClient({ target, send: () => true, encodings });
    expect(() => make([ClientEncoding.ZRLE, 5])).toThrow('encoding 5 cannot be decoded by this client');
    expect(() => make([-32])).toThrow('encoding -32 cannot be decoded by this client');
    expect(() => make([0, 0])).toThrow('encoding 0 is listed twice');
    expect(() => make([ClientEncoding.Raw, -250])).not.toThrow();
  });
});
