import { XapiError, XapiTransportError } from '../errors.ts';
import { decodeReply, encodeRequest } from '../wire/jsonrpc.ts';
import type { XapiValue } from '../wire/values.ts';
import { decodeWith, httpStatusError, isReadOnlyCall, type RpcRequest } from './call.ts';
import { post } from './http.ts';

let nextId = 1;

/**
 * JSON-RPC v2 on `POST /jsonrpc`. A 200 reply that is not `application/json` means the host predates
 * JSON-RPC (its `/jsonrpc` falls back to XML-RPC): that is reported as `unsupported`.
 */
export async function jsonRpcCall(request: RpcRequest): Promise<XapiValue> {
  const id = nextId++;
  const reply = await post({
    ...request,
    path: '/jsonrpc',
    body: encodeRequest(request.method, request.params, id),
    contentType: 'application/json',
    resendOnStaleSocket: isReadOnlyCall(request.method),
  });
  if (reply.status !== 200) throw httpStatusError(reply, request.method);
  if (reply.contentType !== 'application/json') {
    throw new XapiTransportError(
      'unsupported',
      `the host does not speak JSON-RPC (answered ${reply.contentType || 'no content type'})`,
    );
  }
  const decoded = decodeWith('JSON-RPC', () => decodeReply(reply.body));
  if (!decoded.ok) throw new XapiError(decoded.code, decoded.params, request.method);
  if (decoded.id !== id) throw new XapiTransportError('protocol', 'JSON-RPC: reply id does not match the request');
  return decoded.result;
}
