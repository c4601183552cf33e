import type * as http from 'node:http';
import type { XapiValue } from '../wire/values.ts';
import { protocolError, XapiTransportError } from '../errors.ts';
import type { HttpReply } from './http.ts';

export type TransportKind = 'json-rpc' | 'xml-rpc';

/** One RPC as a transport sees it: where, what, and the limits that bound it. */
export interface RpcRequest {
  url: URL;
  agent: http.Agent;
  method: string;
  params: readonly XapiValue[];
  timeoutMs: number;
  maxResponseBytes: number;
  signal?: AbortSignal;
}

/** Runs a decoder at the boundary: anything it throws that is not already typed becomes a protocol error. */
export function decodeWith<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof XapiTransportError) throw error;
    throw protocolError(`${what}: malformed reply`, error);
  }
}

/**
 * Calls that change nothing on the host, which may therefore be sent again when a pooled connection
 * turns out to be dead: getters, `event.from`, and login (a spare session is harmless).
 */
export function isReadOnlyCall(method: string): boolean {
  const name = method.slice(method.lastIndexOf('.') + 1);
  return name.startsWith('get_') || method === 'event.from' || method === 'session.login_with_password';
}

/**
 * Calls the host answers at once (getters), as opposed to those that may hold a connection for long: `event.from`
 * waits for events by design, actions (a VM's start, a disk's insert) run until done, and a failed login is answered
 * only after PAM's delay.
 */
export function isPromptCall(method: string): boolean {
  return method.slice(method.lastIndexOf('.') + 1).startsWith('get_');
}

export function httpStatusError(reply: HttpReply, method: string): XapiTransportError {
  return new XapiTransportError('http', `HTTP ${reply.status} for ${method}`, { status: reply.status });
}
