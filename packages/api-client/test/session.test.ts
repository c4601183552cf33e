import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { retargetUrl, type MalformedRecord } from '../src/connection.ts';
import { XapiError, XapiTransportError } from '../src/errors.ts';
import { REDACTED_SESSION } from '../src/session.ts';
import { customTrust } from '../src/trust.ts';
import type { XapiValue } from '../src/wire/values.ts';
import { makeTestPki } from './support/certs.ts';
import type { FakeXapi, FakeXapiOptions, Handler } from './support/fake-xapi.ts';
import { fakeXapiHarness } from './support/harness.ts';

const SESSION = 'OpaqueRef:6a3c1f0e-0000-4000-8000-00000000beef';

const { fake, connect } = fakeXapiHarness();

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('the call should have failed'),
    (error: unknown) => error,
  );
}

/** A master that accepts one user and answers `handler` for everything else, checking the session. */
function master(handler: Handler = () => ''): Handler {
  return (method, params) => {
    if (method === 'session.login_with_password') {
      if (params[0] === 'root' && params[1] === 'secret') return SESSION;
      throw new XapiError('SESSION_AUTHENTICATION_FAILED', [String(params[0]), 'Authentication failure']);
    }
    if (params[0] !== SESSION) throw new XapiError('SESSION_INVALID', [String(params[0])]);
    return handler(method, params);
  };
}

const slaveOf =
  (address: string): Handler =>
  () => {
    throw new XapiError('HOST_IS_SLAVE', [address]);
  };

/** Two loopback addresses serving on one port, as pool members do. */
async function pair(first: FakeXapiOptions, second: FakeXapiOptions): Promise<[FakeXapi, FakeXapi]> {
  for (let attempt = 0; ; attempt++) {
    const a = await fake({ ...first, host: '127.0.0.1' });
    try {
      return [a, await fake({ ...second, host: '127.0.0.2', port: a.port })];
    } catch (error) {
      if (attempt >= 5) throw error;
    }
  }
}

const VM_RAW = {
  uuid: 'vm-uuid-1',
  name_label: 'web01',
  power_state: 'Running',
  memory_static_max: 4294967296,
  VCPUs_max: 2,
  other_config: { folder: '/prod' },
  tags: ['a'],
  snapshot_time_not_modelled: 'ignored',
};

describe('login and session', () => {
  for (const transport of ['json-rpc', 'xml-rpc'] as const) {
    it(`logs in and prepends the session to calls (${transport})`, async () => {
      const server = await fake({ handler: master(() => 'OpaqueRef:pool'), jsonrpc: 'json' });
      const connection = connect(server.url, { transport });
      const session = await connection.login('root', 'secret', { originator: 'tests', version: '2.21' });
      expect(session.ref).toBe(SESSION);
      expect(server.calls[0]!.params).toEqual(['root', 'secret', '2.21', 'tests']);
      expect(await session.call('pool.get_all')).toBe('OpaqueRef:pool');
      expect(server.calls[1]!.params).toEqual([SESSION]);
      await session.logout();
      expect(server.calls.at(-1)).toMatchObject({ method: 'session.logout', params: [SESSION] });
    });
  }

  it('keeps the session ref out of string, JSON and inspect output', async () => {
    const server = await fake({ handler: master() });
    const session = await connect(server.url).login('root', 'secret');
    for (const text of [String(session), JSON.stringify(session), inspect(session, { depth: 5, showHidden: true })]) {
      expect(text).not.toContain(SESSION);
    }
    expect(inspect({ session }, { depth: 5 })).not.toContain(SESSION);
  });

  it('redacts the session ref from XAPI error parameters', async () => {
    const server = await fake({
      handler: master(() => {
        throw new XapiError('SESSION_INVALID', [SESSION]);
      }),
    });
    const session = await connect(server.url).login('root', 'secret');
    const error = (await failure(session.call('VM.get_all'))) as XapiError;
    expect(error).toBeInstanceOf(XapiError);
    expect(error.code).toBe('SESSION_INVALID');
    expect(error.params).toEqual([REDACTED_SESSION]);
    expect(error.message).not.toContain(SESSION);
  });

  it('reports bad credentials as a XapiError', async () => {
    const server = await fake({ handler: master() });
    const error = (await failure(connect(server.url).login('root', 'wrong'))) as XapiError;
    expect(error.code).toBe('SESSION_AUTHENTICATION_FAILED');
  });

  it('refuses a login reply that is not a session ref', async () => {
    const server = await fake({ handler: () => 42 });
    const error = await failure(connect(server.url).login('root', 'secret'));
    expect(error).toBeInstanceOf(XapiTransportError);
    expect((error as XapiTransportError).kind).toBe('protocol');
  });
});

describe('HOST_IS_SLAVE', () => {
  it('follows a member to its master at login, keeping scheme and port', async () => {
    const [main, member] = await pair({ handler: master() }, { handler: slaveOf('127.0.0.1') });
    const connection = connect(member.url);
    const moves: unknown[] = [];
    connection.on('retarget', (event) => moves.push(event));
    const session = await connection.login('root', 'secret');
    expect(connection.master).toBe('127.0.0.1');
    expect(connection.url).toBe(`http://127.0.0.1:${member.port}`);
    expect(moves).toEqual([{ from: '127.0.0.2', to: '127.0.0.1' }]);
    await session.call('pool.get_all');
    expect(main.calls.map((c) => c.method)).toEqual(['session.login_with_password', 'pool.get_all']);
  });

  it('asks the trust policy about the master too', async () => {
    const pki = makeTestPki();
    const asked: string[] = [];
    const [, member] = await pair(
      { handler: master(), tls: pki.loopback },
      { handler: slaveOf('127.0.0.1'), tls: pki.loopback },
    );
    const connection = connect(member.url, { trust: customTrust((address) => void asked.push(address)) });
    await connection.login('root', 'secret');
    expect(asked).toEqual(['127.0.0.2', '127.0.0.1']);
    expect(connection.url).toBe(`https://127.0.0.1:${member.port}`);
  });

  it('gives up after a few hops between members that name each other', async () => {
    const [a, b] = await pair({ handler: slaveOf('127.0.0.2') }, { handler: slaveOf('127.0.0.1') });
    const error = (await failure(connect(a.url, { maxRedirects: 3 }).login('root', 'secret'))) as XapiError;
    expect(error.code).toBe('HOST_IS_SLAVE');
    expect(a.calls.length + b.calls.length).toBe(4);
  });

  it('does not loop on a host that names itself', async () => {
    const server = await fake({ handler: slaveOf('127.0.0.1') });
    const error = (await failure(connect(server.url).login('root', 'secret'))) as XapiError;
    expect(error.code).toBe('HOST_IS_SLAVE');
    expect(server.calls).toHaveLength(1);
  });

  it('re-targets and retries once when the master moves under a session', async () => {
    let moved = false;
    const [, other] = await pair(
      { handler: (method, params) => (moved ? slaveOf('127.0.0.2')(method, params) : master()(method, params)) },
      { handler: master(() => 'from the new master') },
    );
    const connection = connect(`http://127.0.0.1:${other.port}`);
    const session = await connection.login('root', 'secret');
    moved = true;
    expect(await session.call('pool.get_all')).toBe('from the new master');
    expect(connection.master).toBe('127.0.0.2');
  });

  it('follows a master on an IPv6 address', async () => {
    const main = await fake({ handler: master(), host: '::1' });
    const member = await fake({ handler: slaveOf('::1'), host: '127.0.0.1', port: main.port });
    const connection = connect(member.url);
    const session = await connection.login('root', 'secret');
    expect(connection.master).toBe('::1');
    expect(connection.url).toBe(`http://[::1]:${main.port}`);
    await session.call('pool.get_all');
    expect(main.calls.map((c) => c.method)).toEqual(['session.login_with_password', 'pool.get_all']);
  });

  it('brackets IPv6 masters and refuses addresses that are not hosts', () => {
    const base = new URL('https://192.0.2.1:8443');
    expect(retargetUrl(base, 'fd00::1').href).toBe('https://[fd00::1]:8443/');
    expect(retargetUrl(base, '[fd00::2]').href).toBe('https://[fd00::2]:8443/');
    expect(retargetUrl(base, 'master.example').href).toBe('https://master.example:8443/');
    expect(retargetUrl(new URL('http://h'), '10.0.0.9').href).toBe('http://10.0.0.9/');
    for (const bad of ['', 'evil.example/path', 'user@host', 'a b']) {
      expect(() => retargetUrl(base, bad)).toThrow(XapiTransportError);
    }
  });
});

describe('typed helpers', () => {
  const db: Record<string, XapiValue> = {
    'VM.get_all_records': { 'OpaqueRef:vm1': VM_RAW },
    'VM.get_record': VM_RAW,
    'VM.get_by_uuid': 'OpaqueRef:vm1',
    'VM.get_power_state': 'Halted',
    'VM.get_memory_static_max': '2147483648',
    'VM.add_to_other_config': '',
    'VM.remove_from_other_config': '',
  };

  for (const transport of ['json-rpc', 'xml-rpc'] as const) {
    it(`parses records and fields (${transport})`, async () => {
      const server = await fake({ handler: master((method) => db[method] ?? '') });
      const session = await connect(server.url, { transport }).login('root', 'secret');
      const all = await session.getAllRecords('VM');
      const vm = all.get('OpaqueRef:vm1')!;
      expect(vm.memory_static_max).toBe(4294967296);
      expect(vm.power_state).toBe('Running');
      expect(vm.other_config).toEqual({ folder: '/prod' });
      expect(vm.is_a_template).toBe(false);
      expect('snapshot_time_not_modelled' in vm).toBe(false);
      expect((await session.getRecord('VM', 'OpaqueRef:vm1')).name_label).toBe('web01');
      expect(await session.getByUuid('VM', 'vm-uuid-1')).toBe('OpaqueRef:vm1');
      expect(await session.getField('VM', 'OpaqueRef:vm1', 'power_state')).toBe('Halted');
      expect(await session.getField('VM', 'OpaqueRef:vm1', 'memory_static_max')).toBe(2147483648);
      await session.addToMap('VM', 'OpaqueRef:vm1', 'other_config', 'k', 'v');
      await session.removeFromMap('VM', 'OpaqueRef:vm1', 'other_config', 'k');
      expect(server.calls.slice(-2).map((c) => [c.method, c.params.slice(1)])).toEqual([
        ['VM.add_to_other_config', ['OpaqueRef:vm1', 'k', 'v']],
        ['VM.remove_from_other_config', ['OpaqueRef:vm1', 'k']],
      ]);
    });
  }

  it('turns wrongly typed results into protocol errors', async () => {
    const wrong: Record<string, XapiValue> = {
      'VM.get_all_records': ['not', 'a', 'map'],
      'VM.get_record': { ...VM_RAW, power_state: 7 },
      'VM.get_by_uuid': { ref: 'x' },
      'VM.get_memory_static_max': 'lots',
    };
    const server = await fake({ handler: master((method) => wrong[method] ?? '') });
    const session = await connect(server.url).login('root', 'secret');
    for (const attempt of [
      session.getAllRecords('VM'),
      session.getRecord('VM', 'OpaqueRef:vm1'),
      session.getByUuid('VM', 'u'),
      session.getField('VM', 'OpaqueRef:vm1', 'memory_static_max'),
    ]) {
      const error = await failure(attempt);
      expect(error).toBeInstanceOf(XapiTransportError);
      expect((error as XapiTransportError).kind).toBe('protocol');
    }
  });

  for (const transport of ['json-rpc', 'xml-rpc'] as const) {
    it(`leaves a malformed record out of get_all_records, reporting it, and keeps the others (${transport})`, async () => {
      const records: Record<string, XapiValue> = {
        'OpaqueRef:vm1': VM_RAW,
        'OpaqueRef:bad': { ...VM_RAW, uuid: 'vm-uuid-2', power_state: ['Running'] },
        'OpaqueRef:vm3': { ...VM_RAW, uuid: 'vm-uuid-3', other_config: JSON.parse('{"__proto__": "p"}') as XapiValue },
      };
      const answers: Record<string, XapiValue> = {
        'VM.get_all_records': records,
        'VM.get_record': records['OpaqueRef:bad']!,
      };
      const server = await fake({ handler: master((method) => answers[method] ?? '') });
      const connection = connect(server.url, { transport });
      const reported: MalformedRecord[] = [];
      connection.on('malformed-record', (malformed) => reported.push(malformed));
      const session = await connection.login('root', 'secret');
      const all = await session.getAllRecords('VM');
      expect([...all.keys()]).toEqual(['OpaqueRef:vm1', 'OpaqueRef:vm3']);
      expect(Object.getOwnPropertyDescriptor(all.get('OpaqueRef:vm3')!.other_config, '__proto__')?.value).toBe('p');
      expect(reported.map(({ cls, ref, error }) => [cls, ref, error.kind, error.message])).toEqual([
        ['VM', 'OpaqueRef:bad', 'protocol', 'VM.power_state: unexpected array for a enum field'],
      ]);
      // Asked for alone, the malformed record fails its own call.
      expect(await failure(session.getRecord('VM', 'OpaqueRef:bad'))).toBeInstanceOf(XapiTransportError);
    });
  }

  it('derives the role: local superuser, highest subject role, or none', async () => {
    const sessions: Record<string, XapiValue> = {
      root: { is_local_superuser: true, subject: 'OpaqueRef:NULL' },
      ldap: { is_local_superuser: false, subject: 'OpaqueRef:subject' },
      none: { is_local_superuser: false, subject: 'OpaqueRef:NULL' },
    };
    let who = 'root';
    const labels: Record<string, string> = {
      'OpaqueRef:r1': 'vm-operator',
      'OpaqueRef:r2': 'vm-admin',
      'OpaqueRef:r3': 'client-cert',
    };
    const server = await fake({
      handler: master((method, params) => {
        if (method === 'session.get_record') return sessions[who]!;
        if (method === 'subject.get_roles') return Object.keys(labels);
        if (method === 'role.get_name_label') return labels[String(params[1])]!;
        return '';
      }),
    });
    const session = await connect(server.url).login('root', 'secret');
    expect(await session.role()).toBe('pool-admin');
    who = 'ldap';
    expect(await session.role()).toBe('vm-admin');
    who = 'none';
    expect(await session.role()).toBeUndefined();
  });
});
