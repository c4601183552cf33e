/** An error XAPI itself reported: `ErrorDescription` / JSON-RPC `error`, as code plus parameters. */
export class XapiError extends Error {
  override readonly name = 'XapiError';
  constructor(
    readonly code: string,
    readonly params: readonly string[] = [],
    /** The method that failed; never its arguments, which may hold secrets. */
    readonly method?: string,
  ) {
    super(params.length ? `${code}: ${params.join(', ')}` : code);
  }
}

export type TransportErrorKind =
  'timeout' | 'aborted' | 'network' | 'tls' | 'http' | 'protocol' | 'too-large' | 'unsupported';

/** Anything that went wrong below XAPI's own error reporting: sockets, TLS, HTTP, malformed bodies. */
export class XapiTransportError extends Error {
  override readonly name = 'XapiTransportError';
  constructor(
    readonly kind: TransportErrorKind,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = options?.status;
  }
  readonly status: number | undefined;
}

/** A wire body that does not parse as the protocol says it must. */
export function protocolError(message: string, cause?: unknown): XapiTransportError {
  return new XapiTransportError('protocol', message, { cause });
}
