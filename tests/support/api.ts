import type { Stack } from './stack.ts';

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A JSON call to the gateway as the UI makes it: same-origin, with the session cookie. */
export async function api<T = Record<string, unknown>>(
  stack: Pick<Stack, 'baseUrl'>,
  method: string,
  path: string,
  options: { cookie?: string; body?: unknown; origin?: string | null } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = {};
  if (options.cookie) headers.cookie = options.cookie;
  const origin = options.origin === undefined ? stack.baseUrl : options.origin;
  if (origin !== null) headers.origin = origin;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${stack.baseUrl}${path}`, {
    method,
    headers,
    ...(options.body !== undefined
      ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }
      : {}),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: response.status, headers: response.headers, body: body as T, text };
}

/** Moves the complete Server-Sent Events at the start of `text` into `events`; returns the incomplete rest. */
export function takeEvents(text: string, events: { event: string; data: unknown }[]): string {
  let rest = text;
  let end: number;
  while ((end = rest.indexOf('\n\n')) !== -1) {
    const block = rest.slice(0, end);
    rest = rest.slice(end + 2);
    const event = /^event: (.+)$/m.exec(block)?.[1];
    const data = /^data: (.+)$/m.exec(block)?.[1];
    if (event && data) events.push({ event, data: JSON.parse(data) });
  }
  return rest;
}

/** Reads Server-Sent Events from the gateway until `stop` says so or the time runs out. */
export async function readEvents(
  stack: Pick<Stack, 'baseUrl'>,
  cookie: string,
  stop: (events: { event: string; data: unknown }[]) => boolean,
  timeoutMs = 10_000,
): Promise<{ event: string; data: unknown }[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const events: { event: string; data: unknown }[] = [];
  try {
    const response = await fetch(`${stack.baseUrl}/api/events`, { headers: { cookie }, signal: controller.signal });
    if (!response.body) throw new Error(`no event stream (${response.status})`);
    const decoder = new TextDecoder();
    let pending = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      pending = takeEvents(pending + decoder.decode(chunk, { stream: true }), events);
      if (stop(events)) break;
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}
