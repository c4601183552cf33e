import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, readEvents } from '../support/api.ts';
import { startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
const uuidOf = (name: string): string => String(stack.pool.vm(name).record.uuid);

beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

interface Change {
  op: string;
  class: string;
  uuid: string;
  record?: { name?: string; body?: string };
}

describe("the pool's messages through the gateway", () => {
  it('reach the event stream, and are dismissed by pool operators only (message.destroy)', async () => {
    const { cookie } = await stack.login('vmoperator');
    const messages = (await api(stack, 'GET', '/api/objects/message', { cookie })).body as {
      records: Record<string, { name: string; priority: number; cls: string; $ref?: string }>;
    };
    const names = Object.values(messages.records).map((m) => m.name);
    expect(names.sort()).toEqual(['HA_HOST_FAILED', 'HA_POOL_OVERCOMMITTED', 'VM_CRASHED']);
    const [crashedUuid] = Object.entries(messages.records).find(([, m]) => m.name === 'VM_CRASHED')!;

    const refused = await api(stack, 'DELETE', `/api/objects/message/${crashedUuid}`, { cookie });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: 'RBAC_PERMISSION_DENIED', permission: 'message.destroy' });

    const operator = (await stack.login('operator')).cookie;
    const changes = (seen: { event: string; data: unknown }[]): Change[] =>
      seen.filter((e) => e.event === 'changes').flatMap((e) => e.data as Change[]);
    let dismissed: Promise<{ status: number }> | undefined;
    // Messages follow the first snapshot with the other detail classes; once the alert is in, dismiss it.
    const events = await readEvents(stack, operator, (seen) => {
      const messages = changes(seen).filter((c) => c.class === 'message');
      if (!dismissed && messages.some((c) => c.op === 'add' && c.uuid === crashedUuid)) {
        expect(messages.find((c) => c.uuid === crashedUuid)?.record?.body).toBe("VM 'CentOS 7 legacy' crashed");
        dismissed = api(stack, 'DELETE', `/api/objects/message/${crashedUuid}`, { cookie: operator });
      }
      return messages.some((c) => c.op === 'del');
    });
    expect((await dismissed!).status).toBe(200);
    const dels = changes(events).filter((c) => c.class === 'message' && c.op === 'del');
    expect(dels.map((c) => c.uuid)).toEqual([crashedUuid]);
    const after = (await api(stack, 'GET', '/api/objects/message', { cookie: operator })).body as {
      records: Record<string, unknown>;
    };
    expect(Object.keys(after.records)).not.toContain(crashedUuid);
  });
});

describe('blocked operations through the gateway', () => {
  it("answer 409 OPERATION_BLOCKED with the reason the VM's owner gave, never the VM's ref", async () => {
    const { cookie } = await stack.login('vmoperator');
    const vm = stack.pool.vm('Legacy app server (P2V)');
    expect(vm.record.allowed_operations).not.toContain('start');
    const response = await api(stack, 'POST', `/api/objects/vm/${uuidOf('Legacy app server (P2V)')}/power`, {
      cookie,
      body: { action: 'start' },
    });
    expect(response.status).toBe(409);
    expect(response.body).toEqual({
      error: 'OPERATION_BLOCKED',
      code: 'OPERATION_BLOCKED',
      reason: 'Decommissioned after the P2V import: kept for its disks only.',
      message: 'Blocked on this VM: Decommissioned after the P2V import: kept for its disks only.',
    });
    expect(JSON.stringify(response.body)).not.toContain('OpaqueRef');
    expect(stack.pool.vm('Legacy app server (P2V)').record.power_state).toBe('Halted');
  });
});
