import type { XapiSession } from '@xwc/api-client';
import { describe, expect, it } from 'vitest';
import { poolIdleTimeout } from '../src/console/engine/upstream-connection.ts';

const asked: string[] = [];
/** A session that answers as a pool with a 300 s VM console idle timeout, and notes what it was asked. */
const xapi = {
  call: (method: string) => (asked.push(method), Promise.resolve(['OpaqueRef:pool'])),
  getField: (cls: string, _ref: string, field: string) => (asked.push(`${cls}.get_${field}`), Promise.resolve(300)),
} as unknown as XapiSession;

describe("the pool's console idle timeout", () => {
  it('is taken from what the gateway knows, without a call', async () => {
    asked.length = 0;
    expect(await poolIdleTimeout(xapi, 'vm', 'uuid', () => 60)).toBe(60);
    expect(asked).toEqual([]);
  });

  it('is asked of the pool when the gateway does not know it', async () => {
    asked.length = 0;
    expect(await poolIdleTimeout(xapi, 'vm', 'uuid', () => undefined)).toBe(300);
    expect(asked).toEqual(['pool.get_all', 'pool.get_vm_console_idle_timeout']);
  });
});
