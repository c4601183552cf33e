import { jsonrpc, xmlrpc } from '@xwc/api-client';
import type { Dispatcher } from '../api/dispatch.ts';
import type { RequestHead } from '../http/request.ts';
import { escapeHtml, internalError, rpcResponse } from '../http/responses.ts';
import { encodeResult } from './json.ts';

const JSONRPC_PREFIX = '/jsonrpc';

/**
 * The RPC endpoints of one host (`Api_server.callback` / `jsoncallback`): JSON-RPC v1 and v2 on `/jsonrpc`,
 * XML-RPC on every other POST path. API failures are HTTP 200 with XAPI's error shapes; a body that does
 * not parse is a 500 page.
 */
export async function answerRpc(dispatcher: Dispatcher, host: string, req: RequestHead, body: Buffer): Promise<Buffer> {
  const text = body.toString('utf8');
  if (req.path.startsWith(JSONRPC_PREFIX)) {
    let call: jsonrpc.DecodedRequest;
    try {
      call = jsonrpc.decodeRequest(text);
    } catch (error) {
      return malformed(req, error);
    }
    const outcome = await dispatcher.dispatch(host, call.method, call.params);
    const reply = outcome.ok
      ? encodeResult(call.version, call.id, outcome.value)
      : jsonrpc.encodeError(call.version, call.id, outcome.code, outcome.params);
    return rpcResponse(req, 'application/json', reply);
  }
  let call: xmlrpc.DecodedCall;
  try {
    call = xmlrpc.decodeCall(text);
  } catch (error) {
    return malformed(req, error);
  }
  const outcome = await dispatcher.dispatch(host, call.method, call.params);
  const reply = !outcome.ok
    ? xmlrpc.encodeFailure(outcome.code, outcome.params)
    : outcome.raw
      ? xmlrpc.encodeRaw(outcome.value)
      : xmlrpc.encodeSuccess(outcome.value);
  return rpcResponse(req, 'text/xml', reply);
}

function malformed(req: RequestHead, error: unknown): Buffer {
  return internalError(req, escapeHtml(error instanceof Error ? error.message : String(error)));
}
