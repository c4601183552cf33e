import { request } from '../api/http.ts';
import { isObject } from '../api/wire.ts';

/** Which pool the login page logs into (`GET /api/pool`): its address, and its name and brand once a session read them. */
export interface LoginPool {
  readonly address: string;
  readonly name?: string;
  readonly brand?: string;
}

export async function fetchLoginPool(): Promise<LoginPool | undefined> {
  try {
    const body = await request<unknown>('/api/pool', { quietUnauthorized: true });
    if (!isObject(body) || typeof body.address !== 'string') return undefined;
    const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
    const name = text(body.name);
    const brand = text(body.brand);
    return { address: body.address, ...(name ? { name } : {}), ...(brand ? { brand } : {}) };
  } catch {
    // The login form works without it: the page then names no pool.
    return undefined;
  }
}
