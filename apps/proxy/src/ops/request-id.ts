import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * The id of the browser request being served, carried through everything it awaits (XAPI calls, audit lines, log
 * lines) without passing it by hand. Random, so it says nothing about the session.
 */
const current = new AsyncLocalStorage<string>();

export function newRequestId(): string {
  return randomUUID();
}

export function withRequestId<T>(id: string, run: () => T): T {
  return current.run(id, run);
}

export function currentRequestId(): string | undefined {
  return current.getStore();
}
