import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { STATS_RANGES, type StatsReply, type StatsSeries } from '@xwc/contracts';
import { api } from '../support/api.ts';
import { startFakeHost, type FakeHost } from '../support/fake-host.ts';
import { startStack, type Stack } from '../support/stack.ts';

/**
 * Performance statistics through the gateway, from the simulated pool's RRDs: every range for hosts and VMs, one
 * request per host and step however many watch, a VM whose statistics move with it, halted VMs, RBAC, bad input,
 * hosts that do not answer or answer too much or oddly.
 */

const RUNNING_VM = 'Debian 12 web';
const HALTED_VM = 'Windows 10 desktop';

const uuidOf = (stack: Stack, cls: 'VM' | 'host', ref: string): string => String(stack.pool.record(cls, ref).uuid);
const vmUuid = (stack: Stack, name: string): string => String(stack.pool.vm(name).record.uuid);
const residentHost = (stack: Stack, vm: string) =>
  stack.pool.hosts.find((h) => h.ref === stack.pool.vm(vm).record.resident_on)!;
const otherHost = (stack: Stack, vm: string) =>
  stack.pool.hosts.find((h) => h.ref !== stack.pool.vm(vm).record.resident_on)!;
const poolPort = (stack: Stack): number => Number(new URL(stack.pool.master.url).port);
const fetches = (stack: Stack): number => stack.gateway.context.stats.fetches;

const stats = (stack: Stack, cookie: string, path: string) =>
  api<StatsReply & { error?: string; message?: string }>(stack, 'GET', `/api/stats/${path}`, { cookie });
const series = (reply: StatsReply, id: string): StatsSeries | undefined => reply.series.find((s) => s.id === id);

describe('statistics of hosts and VMs', () => {
  let stack: Stack;
  let cookie: string;
  beforeAll(async () => {
    stack = await startStack();
    cookie = (await stack.login('root')).cookie;
  });
  afterAll(() => stack?.close());

  it.each(Object.entries(STATS_RANGES))('serves the %s range of a host and a running VM', async (range, archive) => {
    const host = residentHost(stack, RUNNING_VM);
    for (const path of [`host/${host.uuid}`, `vm/${vmUuid(stack, RUNNING_VM)}`]) {
      const { status, body } = await stats(stack, cookie, `${path}?range=${range}`);
      expect(status, JSON.stringify(body).slice(0, 200)).toBe(200);
      expect(body.step).toBe(archive.step);
      expect(body.live).toBe(true);
      expect(body.t.length).toBeGreaterThanOrEqual(archive.rows - 2);
      expect(body.t.length).toBeLessThanOrEqual(archive.rows);
      body.t.slice(1).forEach((t, i) => expect(t - body.t[i]!).toBe(archive.step));
      for (const s of body.series) expect(s.values).toHaveLength(body.t.length);
      const cpu0 = series(body, 'cpu0')!;
      expect(cpu0).toMatchObject({ group: 'cpu', unit: 'fraction' });
      const numbers = cpu0.values.filter((v): v is number => v !== null);
      expect(numbers.length).toBeGreaterThan(body.t.length / 2);
      for (const v of numbers) expect(v >= 0 && v <= 1).toBe(true);
    }
  });

  it('gives a VM its vCPUs, memory, each network interface and each disk, in the API units', async () => {
    const { body } = await stats(stack, cookie, `vm/${vmUuid(stack, RUNNING_VM)}`);
    const ids = body.series.map((s) => s.id);
    const vcpus = Number(stack.pool.vm(RUNNING_VM).record.VCPUs_at_startup);
    for (let i = 0; i < vcpus; i++) expect(ids).toContain(`cpu${i}`);
    expect(ids).toEqual(expect.arrayContaining(['memory', 'memory_internal_free', 'vif_0_rx', 'vif_0_tx', 'vif_1_rx']));
    expect(ids.some((id) => /^vbd_xvd[a-z]_read$/.test(id))).toBe(true);
    expect(series(body, 'vif_0_rx')).toMatchObject({
      group: 'network',
      unit: 'bytes/s',
      device: '0',
      label: 'Received',
    });
    // memory_internal_free is KiB at the pool, bytes in the API: below the VM's memory, and far above a KiB figure.
    const memory = Number(stack.pool.vm(RUNNING_VM).record.memory_dynamic_max);
    const free = series(body, 'memory_internal_free')!.values.find((v) => v !== null)!;
    expect(free).toBeLessThan(memory);
    expect(free).toBeGreaterThan(memory / 1024);
  });

  it('gives a host its CPUs, memory, physical NICs and load', async () => {
    const { body } = await stats(stack, cookie, `host/${residentHost(stack, RUNNING_VM).uuid}`);
    const ids = body.series.map((s) => s.id);
    expect(ids).toEqual(
      expect.arrayContaining(['cpu0', 'cpu_avg', 'memory_total_kib', 'memory_free_kib', 'loadavg', 'pif_eth0_rx']),
    );
    expect(series(body, 'pif_eth0_tx')).toMatchObject({ group: 'network', device: 'eth0', label: 'Sent' });
  });

  it('shows no value (null) where the pool has none: a control domain has no guest agent', async () => {
    const host = stack.pool.hosts[0]!;
    const dom0 = stack.pool.findRefs('VM', (r) => r.is_control_domain === true && r.resident_on === host.ref)[0]!;
    const { status, body } = await stats(stack, cookie, `vm/${uuidOf(stack, 'VM', dom0)}`);
    expect(status).toBe(200);
    expect(series(body, 'memory_internal_free')!.values.every((v) => v === null)).toBe(true);
    expect(series(body, 'cpu0')!.values.some((v) => v !== null)).toBe(true);
  });

  it('returns only the rows after start, for live updates', async () => {
    const path = `host/${residentHost(stack, RUNNING_VM).uuid}`;
    const first = (await stats(stack, cookie, path)).body;
    const last = first.t.at(-1)!;
    const next = (await stats(stack, cookie, `${path}?start=${last}`)).body;
    expect(next.step).toBe(5);
    for (const t of next.t) expect(t).toBeGreaterThan(last);
    const older = (await stats(stack, cookie, `${path}?start=${last - 30}`)).body;
    expect(older.t[0]).toBe(last - 25);
    for (const t of older.t) expect(t).toBeGreaterThan(last - 30);
  });

  it("shows a halted VM's last recorded data, and says it is halted", async () => {
    const { status, body } = await stats(stack, cookie, `vm/${vmUuid(stack, HALTED_VM)}?range=2h`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ live: false, powerState: 'Halted', step: 60 });
    expect(series(body, 'cpu0')!.values.some((v) => v !== null)).toBe(true);
  });

  it('answers 404 for templates and snapshots, which keep no statistics', async () => {
    const template = stack.pool.findRefs('VM', (r) => r.is_a_template === true)[0]!;
    const { status, body } = await stats(stack, cookie, `vm/${uuidOf(stack, 'VM', template)}`);
    expect(status).toBe(404);
    expect(body.error).toBe('NO_STATS');
  });
});

describe('one request per host and step, however many watch', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.close());

  it('ten people watching one host and its VMs cost the pool one request', async () => {
    const host = residentHost(stack, RUNNING_VM);
    const residents = stack.pool.findRefs('VM', (r) => r.resident_on === host.ref).map((r) => uuidOf(stack, 'VM', r));
    const viewers = await Promise.all(['root', 'admin', 'operator', 'readonly', 'vmadmin'].map((u) => stack.login(u)));
    const before = fetches(stack);
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        stats(
          stack,
          viewers[i % viewers.length]!.cookie,
          i % 2 ? `host/${host.uuid}` : `vm/${residents[i % residents.length]}`,
        ),
      ),
    );
    for (const reply of replies) expect(reply.status).toBe(200);
    expect(fetches(stack) - before).toBe(1);
    // Another archive of the same host is another request; the same one again within its step is not.
    await stats(stack, viewers[0]!.cookie, `host/${host.uuid}?range=2h`);
    await stats(stack, viewers[1]!.cookie, `host/${host.uuid}?range=2h`);
    expect(fetches(stack) - before).toBe(2);
  });

  it('fetches again once the step has passed', async () => {
    const { cookie } = await stack.login('root');
    const host = otherHost(stack, RUNNING_VM);
    await stats(stack, cookie, `host/${host.uuid}`);
    const before = fetches(stack);
    await sleep(5_200);
    const { body } = await stats(stack, cookie, `host/${host.uuid}`);
    expect(body.t.length).toBeGreaterThan(0);
    expect(fetches(stack) - before).toBe(1);
  });
});

describe('a VM that moves or stops', () => {
  let stack: Stack;
  let cookie: string;
  beforeAll(async () => {
    stack = await startStack();
    cookie = (await stack.login('root')).cookie;
  });
  afterAll(() => stack?.close());

  it("follows a migrating VM's statistics to its new host", async () => {
    const vm = vmUuid(stack, RUNNING_VM);
    expect((await stats(stack, cookie, `vm/${vm}`)).body.series.length).toBeGreaterThan(0);
    const target = otherHost(stack, RUNNING_VM);
    await stack.pool.migrate(RUNNING_VM, target.uuid);
    // Past the old host's step, so its reply (without the VM now) is fetched again.
    await sleep(5_200);
    const moved = await stats(stack, cookie, `vm/${vm}`);
    expect(moved.status).toBe(200);
    expect(moved.body.live).toBe(true);
    expect(series(moved.body, 'cpu0')!.values.some((v) => v !== null)).toBe(true);
    // The VM came from its new host's reply: that host's own view is now served without another request.
    const before = fetches(stack);
    expect((await stats(stack, cookie, `host/${target.uuid}`)).status).toBe(200);
    expect(fetches(stack)).toBe(before);
  });

  it('shows a VM halted by its guest as halted, with the data it recorded until then', async () => {
    const name = 'Ubuntu 24.04 build agent';
    const vm = vmUuid(stack, name);
    expect((await stats(stack, cookie, `vm/${vm}`)).body.live).toBe(true);
    const haltedAt = Math.floor(Date.now() / 1000);
    await stack.pool.halt(name);
    await sleep(5_200);
    const { status, body } = await stats(stack, cookie, `vm/${vm}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ live: false, powerState: 'Halted', step: 5 });
    const cpu0 = series(body, 'cpu0')!;
    const lastValue = body.t.filter((_, i) => cpu0.values[i] !== null).at(-1)!;
    expect(lastValue).toBeLessThanOrEqual(haltedAt + 5);
    expect(lastValue).toBeGreaterThan(haltedAt - 60);
  });
});

describe('RBAC and bad input', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.close());

  it("allows what xapi allows every role: a read-only user's graphs", async () => {
    const { cookie } = await stack.login('readonly');
    expect((await stats(stack, cookie, `vm/${vmUuid(stack, RUNNING_VM)}`)).status).toBe(200);
    expect((await stats(stack, cookie, `host/${stack.pool.master.uuid}`)).status).toBe(200);
  });

  it('refuses without a session, and for a uuid the pool does not show the user', async () => {
    expect((await api(stack, 'GET', `/api/stats/vm/${vmUuid(stack, RUNNING_VM)}`)).status).toBe(401);
    const { cookie } = await stack.login('readonly');
    const unknown = await stats(stack, cookie, 'vm/6a1d39f1-0f9c-4b55-9cbb-7a6e1e0c9d11');
    expect(unknown.status).toBe(404);
    // A host's uuid is not a VM's.
    expect((await stats(stack, cookie, `vm/${stack.pool.master.uuid}`)).status).toBe(404);
    expect((await stats(stack, cookie, `sr/${stack.pool.master.uuid}`)).status).toBe(404);
  });

  it.each([
    ['a start in the future', 'start=99999999999', 'start is in the future'],
    ['a start before a year ago', 'start=1000', 'more than a year ago'],
    ['a start that is not a number', 'start=yesterday', 'whole Unix seconds'],
    ['an interval that is not a number', 'interval=5s', 'interval must be a whole number'],
    ['an interval of 0', 'interval=0', 'interval must be a whole number'],
    ['an unknown range', 'range=1d', 'range must be one of 10m, 2h, 1w, 1y'],
    ['a repeated parameter', 'range=10m&range=2h', 'Give range once'],
  ])('refuses %s with a clear 400', async (_what, query, message) => {
    const { cookie } = await stack.login('root');
    const before = fetches(stack);
    const { status, body } = await stats(stack, cookie, `host/${stack.pool.master.uuid}?${query}`);
    expect(status).toBe(400);
    expect(body.message).toContain(message);
    expect(fetches(stack)).toBe(before);
  });

  it('refuses a malformed uuid before asking the pool', async () => {
    const { cookie } = await stack.login('root');
    const { status } = await stats(stack, cookie, 'vm/..%2f..%2fhost_rrd');
    expect(status).toBe(400);
  });

  it('picks the archive from start and interval as xapi does', async () => {
    const { cookie } = await stack.login('root');
    const now = Math.floor(Date.now() / 1000);
    const path = `host/${stack.pool.master.uuid}`;
    expect((await stats(stack, cookie, `${path}?start=${now - 3600}`)).body.step).toBe(60);
    expect((await stats(stack, cookie, `${path}?start=${now - 3 * 86_400}`)).body.step).toBe(3600);
    expect((await stats(stack, cookie, `${path}?interval=100`)).body.step).toBe(3600);
    expect((await stats(stack, cookie, `${path}?interval=1000000`)).body.step).toBe(86_400);
  });
});

describe('hosts that do not answer, answer too much, or answer oddly', () => {
  let stack: Stack;
  let fakes: FakeHost[] = [];
  beforeAll(async () => {
    stack = await startStack({ env: { STATS_TIMEOUT: '1', STATS_MAX_REPLY_KIB: '64' } });
  });
  afterEach(async () => {
    for (const fake of fakes) await fake.close();
    fakes = [];
    for (const host of stack.pool.hosts) await stack.pool.setHostState(host.uuid, 'up');
  });
  afterAll(() => stack?.close());

  /** A member replaced by a listener with its certificate that answers statistics requests with `body`. */
  async function oddHost(body: string) {
    const host = stack.pool.hosts.find((h) => h.ref !== stack.pool.master.ref)!;
    await stack.pool.setHostState(host.uuid, 'down');
    const fake = await startFakeHost({
      address: host.address,
      port: poolPort(stack),
      tls: 'same',
      reply: (socket) =>
        socket.end(
          `HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        ),
    });
    fakes.push(fake);
    return { host, fake };
  }

  it('answers a clear 503 within the timeout when the host does not answer, to every viewer', async () => {
    const host = stack.pool.hosts.find((h) => h.ref !== stack.pool.master.ref)!;
    const { cookie } = await stack.login('root');
    await stack.pool.setHostState(host.uuid, 'hang');
    const replies = await Promise.all([1, 2, 3].map(() => stats(stack, cookie, `host/${host.uuid}`)));
    for (const { status, body } of replies) {
      expect(status).toBe(503);
      expect(body).toMatchObject({ error: 'STATS_UNAVAILABLE', message: 'The host did not answer within 1 s.' });
    }
  });

  it('cuts a reply larger than the bound with a clear error', async () => {
    const { cookie } = await stack.login('root');
    const { status, body } = await stats(stack, cookie, `host/${stack.pool.master.uuid}?range=1y`);
    expect(status).toBe(502);
    expect(body.error).toBe('STATS_TOO_LARGE');
    expect(body.message).toContain('64 KiB');
  });

  it('keeps what it can read of odd XML (unknown columns, NaN, short rows) and sends the host only the session', async () => {
    const { cookie } = await stack.login('root');
    const host = stack.pool.hosts.find((h) => h.ref !== stack.pool.master.ref)!;
    const legend =
      ['cpu0', 'cpu1'].map((n) => `<entry>AVERAGE:host:${host.uuid}:${n}</entry>`).join('') +
      `<entry>MAX:host:${host.uuid}:cpu0</entry><entry>AVERAGE:sr:${host.uuid}:io</entry><entry>nonsense</entry>` +
      `<entry>AVERAGE:host:${host.uuid}:brand_new_counter</entry>`;
    const t0 = Math.floor(Date.now() / 5000) * 5 - 100;
    const xml =
      `<xport><meta><start>0</start><step>5</step><end>0</end><rows>4</rows><columns>6</columns><legend>${legend}</legend></meta><data>` +
      `<row><t>${t0 + 10}</t><v>0.5</v><v>NaN</v><v>9</v><v>9</v><v>9</v><v>42</v></row>` +
      `<row><t>${t0 + 5}</t><v>-nan</v><v>inf</v></row>` +
      '<row><v>0.1</v></row>' +
      `<row><t>${t0}</t><v>0.25</v><v>0.75</v><v>9</v><v>9</v><v>9</v><v>7</v><v>8</v></row>` +
      '</data></xport>';
    const { fake } = await oddHost(xml);
    const { status, body, text } = await stats(stack, cookie, `host/${host.uuid}?start=${t0 - 10}`);
    expect(status, text).toBe(200);
    expect(body.t).toEqual([t0, t0 + 5, t0 + 10]);
    expect(series(body, 'cpu0')!.values).toEqual([0.25, null, 0.5]);
    expect(series(body, 'cpu1')!.values).toEqual([0.75, null, null]);
    expect(series(body, 'brand_new_counter')).toMatchObject({ group: 'other', values: [7, null, 42] });
    expect(body.series).toHaveLength(3);
    // What went to the host: the path, Host and the user's XAPI session as a cookie; nothing of the browser's.
    expect(fake.received).toMatch(/^GET \/rrd_updates\?start=\d+&interval=5&host=true&cf=AVERAGE HTTP\/1\.1\r\n/);
    expect(fake.received).toMatch(/\r\ncookie: session_id=OpaqueRef:[0-9a-f-]{36}\r\n/i);
    expect(fake.received).not.toContain(cookie.split('=')[1]);
    expect(fake.received.toLowerCase()).not.toMatch(/\r\n(origin|user-agent|accept|x-forwarded-for):/);
  });

  it('explains a reply that is not statistics', async () => {
    const { cookie } = await stack.login('root');
    const { host } = await oddHost('<html><body>Maintenance</body></html>');
    // Another archive than the test before, whose reply is still kept.
    const { status, body } = await stats(stack, cookie, `host/${host.uuid}?range=2h`);
    expect(status).toBe(502);
    expect(body.error).toBe('STATS_BAD_REPLY');
  });
});
