import { afterAll, beforeAll, expect, it } from 'vitest';
import { readEvents } from '../support/api.ts';
import { startStack, type Stack } from '../support/stack.ts';

/**
 * Writes made while a login's first snapshot is in flight, on a 10,000-VM pool: renames and power changes issued
 * from the moment the stream opens until after its snapshot has arrived. The browser's view (the snapshot, then
 * every change applied in order) must end equal to the pool's, and each renamed VM's name must only ever move
 * forward: a change lost leaves an old name, a change applied twice or before the snapshot that already held it
 * brings an older name back.
 */

const VMS = 10_000;
/** Each renamed VM is renamed this many times, in order. */
const RENAMES = 3;

let stack: Stack;
/** The first login's cookie: the inventory is watched with its session until it leaves. */
let firstCookie = '';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  stack = await startStack({ pool: { seed: 'scale', hosts: 100, vms: VMS } });
}, 240_000);
afterAll(() => stack?.close());

interface VmView {
  name_label: string;
  power_state: string;
}

/** A browser's cache of the VM class, built from the stream as the web app builds it. */
class ClientView {
  readonly vms = new Map<string, VmView>();
  /** Every name each VM has had in this view, in order. */
  readonly names = new Map<string, string[]>();
  snapshotAt = -1;

  constructor(private readonly watched: ReadonlySet<string>) {}

  take(events: readonly { event: string; data: unknown }[], from: number): void {
    for (const { event, data } of events.slice(from)) {
      if (event === 'snapshot') {
        this.vms.clear();
        const records = (data as { records: { vm: Record<string, VmView> } }).records.vm;
        for (const [uuid, record] of Object.entries(records)) this.set(uuid, record);
      } else if (event === 'changes') {
        for (const change of data as { op: string; class: string; uuid: string; record?: VmView }[]) {
          if (change.class !== 'vm') continue;
          if (change.op === 'del') this.vms.delete(change.uuid);
          else this.set(change.uuid, change.record!);
        }
      }
    }
  }

  private set(uuid: string, record: VmView): void {
    this.vms.set(uuid, { name_label: record.name_label, power_state: record.power_state });
    if (!this.watched.has(uuid)) return;
    const seen = this.names.get(uuid) ?? [];
    if (seen.at(-1) !== record.name_label) seen.push(record.name_label);
    this.names.set(uuid, seen);
  }
}

function poolView(): Map<string, VmView> {
  const out = new Map<string, VmView>();
  for (const ref of stack.pool.findRefs('VM')) {
    const record = stack.pool.record('VM', ref);
    out.set(String(record.uuid), { name_label: String(record.name_label), power_state: String(record.power_state) });
  }
  return out;
}

/**
 * Logs in as `username`, opens the stream and writes while its snapshot is in flight (and a little after); returns
 * the client's view once it equals the pool's, with how many writes were issued before the snapshot arrived.
 */
async function loginDuringWrites(username: string, round: number) {
  const guests = stack.pool.findRefs('VM', (r) => r.is_a_template === false && r.is_control_domain === false);
  const renamed = guests.slice(round * 20, round * 20 + 10);
  const halted = guests
    .slice(200 + round * 200)
    .filter((ref) => stack.pool.record('VM', ref).power_state === 'Halted')
    .slice(0, 10);
  const uuidOf = (ref: string): string => String(stack.pool.record('VM', ref).uuid);
  const originalNames = new Map(renamed.map((ref) => [uuidOf(ref), String(stack.pool.record('VM', ref).name_label)]));
  const client = new ClientView(new Set(originalNames.keys()));

  const { cookie } = await stack.login(username);
  let snapshotIn = false;
  let writesBeforeSnapshot = 0;
  let writesDone = false;
  let opened!: () => void;
  const open = new Promise<void>((resolve) => (opened = resolve));
  const starts: Promise<void>[] = [];
  const writer = (async () => {
    await open;
    // Every round renames each chosen VM once and starts one VM (a 10,000-VM snapshot takes seconds to build and send).
    for (let step = 0; step < RENAMES; step++) {
      // The first round goes at once, the next while the snapshot is still on its way, the last after it.
      const waits = step === 0 ? 0 : step === RENAMES - 1 ? 600 : 3;
      for (let wait = 0; wait < waits && !snapshotIn; wait++) await sleep(100);
      for (const ref of renamed) {
        stack.pool.setField('VM', ref, 'name_label', `${originalNames.get(uuidOf(ref))} #${step + 1}`);
      }
      starts.push(stack.pool.start(halted[step]!));
      if (!snapshotIn) writesBeforeSnapshot += renamed.length + 1;
    }
    await Promise.all(starts);
    writesDone = true;
  })();

  let taken = 0;
  // The pool stands still once the writes are done: its view is read once then.
  let pool: Map<string, VmView> | undefined;
  const wanted = (): boolean => {
    if (!writesDone) return false;
    pool ??= poolView();
    if (pool.size !== client.vms.size) return false;
    for (const [uuid, view] of pool) {
      const mine = client.vms.get(uuid);
      if (mine?.name_label !== view.name_label || mine.power_state !== view.power_state) return false;
    }
    return true;
  };
  let equal = false;
  const events = await readEvents(
    stack,
    cookie,
    (seen) => {
      opened();
      client.take(seen, taken);
      taken = seen.length;
      if (!snapshotIn && seen.some((e) => e.event === 'snapshot')) snapshotIn = true;
      equal = wanted();
      return equal;
    },
    150_000,
  );
  await writer;
  return { cookie, events, client, equal, writesBeforeSnapshot, originalNames };
}

function expectForwardOnly(client: ClientView, originalNames: ReadonlyMap<string, string>): void {
  for (const [uuid, original] of originalNames) {
    const order = [original, ...Array.from({ length: RENAMES }, (_, i) => `${original} #${i + 1}`)];
    const seen = client.names.get(uuid)!.map((name) => order.indexOf(name));
    expect(seen.every((index) => index >= 0)).toBe(true);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.at(-1)).toBe(RENAMES);
  }
}

it('a cold login: changes made while the pool answers and the snapshot streams are neither lost nor applied twice', async () => {
  const outcome = await loginDuringWrites('root', 0);
  firstCookie = outcome.cookie;
  expect(outcome.writesBeforeSnapshot).toBeGreaterThan(0);
  expect(outcome.events.filter((e) => e.event === 'snapshot')).toHaveLength(1);
  expect(outcome.equal).toBe(true);
  expect(outcome.client.vms.size).toBeGreaterThan(VMS);
  expectForwardOnly(outcome.client, outcome.originalNames);
}, 240_000);

it('a second login joins the live inventory during writes, and the inventory outlives the login it was watched with', async () => {
  const outcome = await loginDuringWrites('readonly', 1);
  expect(outcome.writesBeforeSnapshot).toBeGreaterThan(0);
  expect(outcome.equal).toBe(true);
  expectForwardOnly(outcome.client, outcome.originalNames);

  // The login whose session the inventory is watched with logs out: it carries on with another login's, exact.
  const logout = await fetch(`${stack.baseUrl}/api/session`, {
    method: 'DELETE',
    headers: { cookie: firstCookie, origin: stack.baseUrl },
  });
  expect(logout.status).toBe(204);
  const again = await loginDuringWrites('vmoperator', 2);
  expect(again.equal).toBe(true);
  expectForwardOnly(again.client, again.originalNames);
}, 420_000);
