import { xmlrpc } from '@xwc/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPool, type SimulatedPool } from '../src/index.ts';
import { jsonCall, login, ok, post, rawRequest, xmlCall } from './sim-client.ts';

const AUTH_DELAY = 60;
let pool: SimulatedPool;
let root: string;

beforeAll(async () => {
  pool = await startPool({ authFailureDelayMs: AUTH_DELAY, operationMs: 10, maxBodyBytes: 64 * 1024 });
  root = await login(pool);
});
afterAll(() => pool.close());

const RPC_HEAD = (length: number, connection = 'keep-alive', version = '1.1', type = 'text/xml'): string =>
  `HTTP/${version} 200 OK\r\ncontent-length: ${length}\r\nconnection: ${connection}\r\n` +
  `cache-control: no-cache, no-store\r\ncontent-type: ${type}\r\n` +
  'Access-Control-Allow-Origin: *\r\nAccess-Control-Allow-Headers: X-Requested-With';

const failure = (code: string, ...params: string[]): string => xmlrpc.encodeFailure(code, params);

describe('XML-RPC envelopes', () => {
  it('answers a login with the exact Success struct and headers', async () => {
    const call = xmlrpc.encodeCall('session.login_with_password', ['root', 'xenroot']);
    const response = await rawRequest(pool, post('/', call));
    const body = response.body.toString('utf8');
    expect(body).toMatch(
      /^<\?xml version="1\.0"\?><methodResponse><params><param><value><struct><member><name>Status<\/name><value>Success<\/value><\/member><member><name>Value<\/name><value>OpaqueRef:[0-9a-f-]{36}<\/value><\/member><\/struct><\/value><\/param><\/params><\/methodResponse>$/,
    );
    expect(response.head).toBe(RPC_HEAD(response.body.length));
  });

  it('answers HTTP/1.0 with a 1.0 status line and closes', async () => {
    const call = xmlrpc.encodeCall('session.get_uuid', [root, root]);
    const request = `POST / HTTP/1.0\r\nContent-Length: ${Buffer.byteLength(call)}\r\n\r\n${call}`;
    const response = await rawRequest(pool, request);
    expect(response.head).toBe(RPC_HEAD(response.body.length, 'close', '1.0'));
  });

  it('serves XML-RPC on /RPC2, on /json and on any unknown POST path', async () => {
    for (const path of ['/RPC2', '/json', '/no/such/path']) {
      const response = await rawRequest(pool, post(path, xmlrpc.encodeCall('pool.get_all', [root])));
      expect(response.headers.get('content-type')).toBe('text/xml');
      const decoded = xmlrpc.decodeResponse(response.body.toString('utf8'));
      expect(decoded.kind === 'value' && xmlrpc.unwrapStatus(decoded.value).ok).toBe(true);
    }
  });

  it('writes failures as HTTP 200 with an ErrorDescription array', async () => {
    const response = await rawRequest(pool, post('/', xmlrpc.encodeCall('VM.get_all', ['OpaqueRef:nope'])));
    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe(failure('SESSION_INVALID', 'OpaqueRef:nope'));
  });

  it('answers system.listMethods with the bare array, without the Status wrapper', async () => {
    const response = await rawRequest(pool, post('/', xmlrpc.encodeCall('system.listMethods', [])));
    const decoded = xmlrpc.decodeResponse(response.body.toString());
    expect(decoded.kind).toBe('value');
    const names = (decoded as unknown as { value: string[] }).value;
    expect(names).toContain('VM.get_record');
    expect(names).toContain('event.from');
    expect(names).not.toContain('Async.VM.start');
    expect(response.body.toString()).toMatch(/^<\?xml version="1\.0"\?><methodResponse><params><param><value><array>/);
  });

  it('accepts the Class_msg alternative wire names', async () => {
    expect(await ok(pool, 'VM_get_all', [root])).toEqual(await ok(pool, 'VM.get_all', [root]));
    expect(await ok(pool, 'VM_guest_metrics_get_all', [root])).toEqual(
      await ok(pool, 'VM_guest_metrics.get_all', [root]),
    );
  });

  it('echoes the parameter of system.isAlive:<x>', async () => {
    expect(await xmlCall(pool, 'system.isAlive:x', ['ping'])).toEqual({ ok: true, value: 'ping' });
  });

  it('writes void results as an empty value and int64 as bare text', async () => {
    const vm = pool.vm('Debian 12 web').ref;
    const set = await rawRequest(pool, post('/', xmlrpc.encodeCall('VM.set_user_version', [root, vm, '7'])));
    expect(set.body.toString()).toBe(
      '<?xml version="1.0"?><methodResponse><params><param><value><struct><member><name>Status</name><value>Success</value></member><member><name>Value</name><value></value></member></struct></value></param></params></methodResponse>',
    );
    const get = await rawRequest(pool, post('/', xmlrpc.encodeCall('VM.get_user_version', [root, vm])));
    expect(get.body.toString()).toContain('<name>Value</name><value>7</value>');
  });

  it('escapes hostile strings and drops control characters', async () => {
    const [vm] = (await ok(pool, 'VM.get_by_name_label', [root, '<img src=x onerror=alert(1)>'])) as string[];
    const response = await rawRequest(pool, post('/', xmlrpc.encodeCall('VM.get_name_label', [root, vm!])));
    expect(response.body.toString()).toContain('<value>&lt;img src=x onerror=alert(1)&gt;</value>');
    const debian = pool.vm('Debian 12 web').ref;
    await ok(pool, 'VM.set_name_description', [root, debian, 'bell\u0007tab\tend']);
    expect(await ok(pool, 'VM.get_name_description', [root, debian])).toBe('belltab\tend');
  });
});

describe('HTTP framing of transport failures', () => {
  const htmlHead = (status: string, length: number, version = '1.1'): string =>
    `HTTP/${version} ${status}\r\ncontent-length: ${length}\r\ncontent-type: text/html\r\nconnection: close\r\ncache-control: no-cache, no-store`;

  it('answers a malformed XML body with a 500 page', async () => {
    const response = await rawRequest(pool, post('/', '<methodCall><methodName>x'));
    expect(response.head).toBe(htmlHead('500 Internal Error', response.body.length));
    expect(response.body.toString()).toMatch(
      /^<html><body><h1>HTTP 500 internal server error<\/h1>An unexpected error occurred; please wait a while and try again\. If the problem persists, please contact your support representative\.<h1> Additional information <\/h1>.+<\/body><\/html>$/,
    );
  });

  it('requires a content-length and caps the body size', async () => {
    const chunked = await rawRequest(pool, 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
    expect(chunked.status).toBe(500);
    expect(chunked.body.toString()).toContain('We require a content-length: HTTP header');
    const big = await rawRequest(pool, `POST / HTTP/1.1\r\nContent-Length: ${64 * 1024 + 1}\r\n\r\n`);
    expect(big.status).toBe(500);
    expect(big.body.toString()).toContain('Client_requested_size_over_limit');
  });

  it('answers unknown methods with 501 and known ones without a route with 403', async () => {
    const del = await rawRequest(pool, 'DELETE / HTTP/1.1\r\n\r\n');
    expect(del.head).toBe(htmlHead('501 Method not implemented', del.body.length));
    expect(del.body.toString()).toBe(
      '<html><body><h1>HTTP 501 Method Not Implemented</h1><p>Unknown DELETE not supported.<br /></p></body></html>',
    );
    const get = await rawRequest(pool, 'GET /index.html HTTP/1.0\r\n\r\n');
    expect(get.head).toBe(htmlHead('403 Forbidden', get.body.length, '1.0'));
  });

  it('answers a CORS preflight on any path', async () => {
    const response = await rawRequest(
      pool,
      'OPTIONS /jsonrpc HTTP/1.1\r\nAccess-Control-Request-Headers: content-type\r\nConnection: close\r\n\r\n',
    );
    expect(response.head).toBe(
      'HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\ncache-control: no-cache, no-store\r\n' +
        'Access-Control-Allow-Origin: *\r\nAccess-Control-Allow-Headers: content-type, X-Requested-With\r\n' +
        'Access-Control-Allow-Methods: PUT',
    );
  });

  it('answers an unparsable request line with a 500 page', async () => {
    const response = await rawRequest(pool, 'NONSENSE\r\n\r\n');
    expect(response.status).toBe(500);
    expect(response.body.toString()).toContain('The HTTP headers could not be parsed.');
  });
});

describe('JSON-RPC', () => {
  const jsonPost = (body: unknown) => rawRequest(pool, post('/jsonrpc', JSON.stringify(body), 'application/json'));

  it('answers v2 calls with {jsonrpc, result, id} and application/json', async () => {
    const response = await jsonPost({
      jsonrpc: '2.0',
      method: 'session.get_is_local_superuser',
      params: [root, root],
      id: 'a',
    });
    expect(response.head).toBe(RPC_HEAD(response.body.length, 'keep-alive', '1.1', 'application/json'));
    expect(JSON.parse(response.body.toString())).toEqual({ jsonrpc: '2.0', result: true, id: 'a' });
  });

  it('answers v2 failures with {code: 1, message, data}', async () => {
    const response = await jsonPost({ jsonrpc: '2.0', method: 'VM.get_record', params: [root, 'OpaqueRef:x'], id: 3 });
    expect(response.body.toString()).toBe(
      '{"jsonrpc":"2.0","error":{"code":1,"message":"HANDLE_INVALID","data":["VM","OpaqueRef:x"]},"id":3}',
    );
  });

  it('answers v1 calls with {result, error, id}', async () => {
    const success = await jsonPost({ method: 'pool.get_all', params: [root], id: 7 });
    const body = JSON.parse(success.body.toString());
    expect(Object.keys(body)).toEqual(['result', 'error', 'id']);
    expect(body.error).toBeNull();
    const fail = await jsonPost({ method: 'pool.get_all', params: ['OpaqueRef:gone'], id: 8 });
    expect(fail.body.toString()).toBe('{"result":null,"error":["SESSION_INVALID","OpaqueRef:gone"],"id":8}');
  });

  it('writes int64 as a JSON integer and datetimes as XAPI text', async () => {
    const vm = pool.vm('Windows Server 2022').ref;
    const reply = await jsonCall(pool, 'VM.get_record', [root, vm]);
    expect(reply.ok).toBe(true);
    const record = (reply as { result: Record<string, unknown> }).result;
    expect(record.memory_static_max).toBe(8 * 1024 ** 3);
    const metrics = await jsonCall(pool, 'VM_metrics.get_start_time', [root, record.metrics as string]);
    expect((metrics as { result: string }).result).toMatch(/^\d{8}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it('takes absent or null v2 params as none, and refuses malformed requests with a 500 page', async () => {
    const none = await jsonPost({ jsonrpc: '2.0', method: 'system.listMethods', id: 1 });
    expect(Array.isArray(JSON.parse(none.body.toString()).result)).toBe(true);
    for (const bad of [
      { jsonrpc: '2.0', method: 'pool.get_all', params: [root] },
      { jsonrpc: '2.0', method: 'pool.get_all', params: [root], id: null },
      { jsonrpc: '1.0', method: 'pool.get_all', params: [root], id: 1 },
      { method: 'pool.get_all', params: { a: 1 }, id: 1 },
    ]) {
      const response = await jsonPost(bad);
      expect(response.status).toBe(500);
      expect(response.headers.get('content-type')).toBe('text/html');
    }
    const notJson = await rawRequest(pool, post('/jsonrpc', '{', 'application/json'));
    expect(notJson.status).toBe(500);
  });

  it('shares sessions with XML-RPC', async () => {
    const reply = await jsonCall(pool, 'session.get_auth_user_name', [root, root]);
    expect(reply).toEqual({ ok: true, id: 1, result: 'root' });
  });
});

describe('API errors', () => {
  it('fails a bad login with SESSION_AUTHENTICATION_FAILED after the configured delay', async () => {
    // Told by order, not by a clock: a good login sent after the bad one is answered first.
    const slow = await startPool({ authFailureDelayMs: 2000, operationMs: 10 });
    const answered: string[] = [];
    const bad = xmlCall(slow, 'session.login_with_password', ['root', 'wrong']).then((outcome) => {
      answered.push('bad');
      return outcome;
    });
    await login(slow).then(() => answered.push('good'));
    const outcome = await bad;
    await slow.close();
    expect(answered).toEqual(['good', 'bad']);
    expect(outcome).toEqual({
      ok: false,
      code: 'SESSION_AUTHENTICATION_FAILED',
      params: ['root', 'Authentication failure'],
    });
  });

  it.each([
    ['HANDLE_INVALID', 'VM.get_record', (s: string) => [s, 'OpaqueRef:missing'], ['VM', 'OpaqueRef:missing']],
    ['UUID_INVALID', 'VM.get_by_uuid', (s: string) => [s, 'not-a-uuid'], ['VM', 'not-a-uuid']],
    ['MESSAGE_METHOD_UNKNOWN', 'VM.frobnicate', (s: string) => [s], ['VM.frobnicate']],
    ['MESSAGE_PARAMETER_COUNT_MISMATCH', 'VM.get_record', (s: string) => [s], ['VM.get_record', '1', '0']],
    ['MESSAGE_PARAMETER_COUNT_MISMATCH', 'VM.start', (s: string) => [s, 'a', true], ['VM.start', '3', '2']],
    ['NOT_IMPLEMENTED', 'console.destroy', (s: string) => [s, 'OpaqueRef:x'], ['Console.destroy']],
    [
      'INVALID_VALUE',
      'VM.get_all_records_where',
      (s: string) => [s, 'field "power_state" =='],
      ['field "power_state" ==', 'Parsing.Parse_error'],
    ],
    ['EVENT_FROM_TOKEN_PARSE_FAILURE', 'event.from', (s: string) => [s, ['*'], 'garbage', 0], ['garbage']],
    ['EVENT_SUBSCRIPTION_PARSE_FAILURE', 'event.from', (s: string) => [s, ['vm/a/b'], '', 0], ['vm/a/b']],
    [
      'INTERNAL_ERROR',
      'VM.add_to_other_config',
      (s: string) => [s, pool.vm('Debian 12 web').ref, '', 'v'],
      ['Db_exn.Empty_key_in_map'],
    ],
  ] as const)('%s from %s', async (code, method, params, expected) => {
    expect(await xmlCall(pool, method, params(root) as never)).toEqual({ ok: false, code, params: expected });
  });

  it('checks the session of an unknown method before reporting it unknown', async () => {
    expect(await xmlCall(pool, 'VM.frobnicate', ['OpaqueRef:stale'])).toEqual({
      ok: false,
      code: 'SESSION_INVALID',
      params: ['OpaqueRef:stale'],
    });
  });

  it('reports VM_BAD_POWER_STATE with lower-case states', async () => {
    const vm = pool.vm('Windows 10 desktop').ref;
    expect(await xmlCall(pool, 'VM.clean_shutdown', [root, vm])).toEqual({
      ok: false,
      code: 'VM_BAD_POWER_STATE',
      params: [vm, 'running', 'halted'],
    });
  });

  it('coerces parameters as ocaml-rpc does', async () => {
    const vm = pool.vm('Windows 10 desktop').ref;
    expect((await xmlCall(pool, 'VM.set_user_version', [root, vm, 5])).ok).toBe(true);
    expect((await xmlCall(pool, 'VM.set_user_version', [root, vm, '6'])).ok).toBe(true);
    expect(await ok(pool, 'VM.get_user_version', [root, vm])).toBe('6');
    const bad = await xmlCall(pool, 'VM.set_user_version', [root, vm, 'six']);
    expect(bad).toMatchObject({ ok: false, code: 'INTERNAL_ERROR' });
    const notBool = await xmlCall(pool, 'VM.start', [root, vm, 'true', false]);
    expect(notBool).toEqual({
      ok: false,
      code: 'INTERNAL_ERROR',
      params: ['Failure("Expected bool, got \'S(true)\'")'],
    });
    for (const timeout of [0, 0.01, '0']) {
      expect((await xmlCall(pool, 'event.from', [root, ['pool'], '', timeout])).ok).toBe(true);
    }
  });

  it('reports INVALID_VALUE for text that is not valid UTF-8', async () => {
    const call = xmlrpc
      .encodeCall('VM.get_by_name_label', [root, 'x'])
      .replace('<value>x</value>', '<value>&#xD800;</value>');
    const response = await rawRequest(pool, post('/', call));
    expect(response.body.toString()).toContain(
      '<value>INVALID_VALUE</value><value>Invalid UTF-8 string in parameter</value>',
    );
  });

  it('answers Async calls with a task that completes', async () => {
    const vm = pool.vm('Windows 10 desktop').ref;
    const task = (await ok(pool, 'Async.VM.start', [root, vm, false, false])) as string;
    expect(task).toMatch(/^OpaqueRef:/);
    const deadline = Date.now() + 5000;
    let status = 'pending';
    while (status === 'pending' && Date.now() < deadline) {
      status = (await ok(pool, 'task.get_status', [root, task])) as string;
    }
    expect(status).toBe('success');
    expect(await ok(pool, 'task.get_progress', [root, task])).toBe(1);
    expect(await ok(pool, 'VM.get_power_state', [root, vm])).toBe('Running');
    const failed = (await ok(pool, 'Async.VM.start', [root, vm, false, false])) as string;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await ok(pool, 'task.get_status', [root, failed])).toBe('failure');
    expect(await ok(pool, 'task.get_error_info', [root, failed])).toEqual([
      'VM_BAD_POWER_STATE',
      vm,
      'halted',
      'running',
    ]);
    expect(await xmlCall(pool, 'Async.VM.get_record', [root, vm])).toMatchObject({ code: 'MESSAGE_METHOD_UNKNOWN' });
  });
});

describe('JSON-RPC and XML-RPC agree', () => {
  it('return the same record through both codecs', async () => {
    const vm = pool.vm('Debian 12 web').ref;
    const viaXml = await ok(pool, 'VM.get_record', [root, vm]);
    const viaJson = await jsonCall(pool, 'VM.get_record', [root, vm]);
    expect(viaJson.ok).toBe(true);
    const json = (viaJson as { result: Record<string, unknown> }).result;
    expect(json.uuid).toBe((viaXml as Record<string, unknown>).uuid);
    expect(String(json.memory_static_max)).toBe((viaXml as Record<string, unknown>).memory_static_max);
    expect((viaXml as Record<string, unknown>).consoles).toEqual(json.consoles);
  });
});
