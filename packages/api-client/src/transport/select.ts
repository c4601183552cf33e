import { XapiError, XapiTransportError } from '../errors.ts';
import type { XapiValue } from '../wire/values.ts';
import type { RpcRequest, TransportKind } from './call.ts';
import { jsonRpcCall } from './jsonrpc.ts';
import { xmlRpcCall } from './xmlrpc.ts';

export type TransportOption = TransportKind | 'auto';

const CALLS: Record<TransportKind, (request: RpcRequest) => Promise<XapiValue>> = {
  'json-rpc': jsonRpcCall,
  'xml-rpc': xmlRpcCall,
};

/** Signs that `/jsonrpc` is not JSON-RPC on this host: a non-JSON answer, or no such path. */
function meansNoJsonRpc(error: unknown): boolean {
  return error instanceof XapiTransportError && (error.kind === 'unsupported' || error.status === 404);
}

/**
 * Picks the wire protocol. `auto` tries JSON-RPC until a host answers in JSON (then keeps it), and
 * switches to XML-RPC for good the first time a host shows it has no JSON-RPC, retrying that call.
 * The retry is safe: a host without JSON-RPC fails to parse the JSON body and runs nothing.
 */
export class TransportSelector {
  #kind: TransportKind | undefined;

  constructor(
    option: TransportOption,
    private readonly onSwitch: (kind: TransportKind) => void = () => {},
  ) {
    this.#kind = option === 'auto' ? undefined : option;
  }

  /** The protocol in use, or undefined while `auto` has not yet seen a host answer. */
  get kind(): TransportKind | undefined {
    return this.#kind;
  }

  async call(request: RpcRequest): Promise<XapiValue> {
    if (this.#kind) return CALLS[this.#kind](request);
    try {
      const value = await jsonRpcCall(request);
      this.#settle('json-rpc');
      return value;
    } catch (error) {
      if (error instanceof XapiError) this.#settle('json-rpc');
      if (!meansNoJsonRpc(error) || this.#kind) throw error;
      this.#settle('xml-rpc');
      return xmlRpcCall(request);
    }
  }

  #settle(kind: TransportKind): void {
    if (this.#kind) return;
    this.#kind = kind;
    this.onSwitch(kind);
  }
}
