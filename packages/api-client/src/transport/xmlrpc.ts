import { XapiError, XapiTransportError } from '../errors.ts';
import { decodeResponse, encodeCall, unwrapStatus } from '../wire/xmlrpc.ts';
import type { XapiValue } from '../wire/values.ts';
import { decodeWith, httpStatusError, isReadOnlyCall, type RpcRequest } from './call.ts';
import { post } from './http.ts';

/** XML-RPC on `POST /`, unwrapping XAPI's `{Status, Value | ErrorDescription}`. */
export async function xmlRpcCall(request: RpcRequest): Promise<XapiValue> {
  const reply = await post({
    ...request,
    path: '/',
    body: encodeCall(request.method, request.params),
    contentType: 'text/xml',
    resendOnStaleSocket: isReadOnlyCall(request.method),
  });
  if (reply.status !== 200) throw httpStatusError(reply, request.method);
  const outcome = decodeWith('XML-RPC', () => {
    const response = decodeResponse(reply.body);
    if (response.kind === 'fault') {
      throw new XapiTransportError('protocol', `XML-RPC fault ${response.code} for ${request.method}`);
    }
    return unwrapStatus(response.value);
  });
  if (!outcome.ok) throw new XapiError(outcome.code, outcome.params, request.method);
  return outcome.value;
}
