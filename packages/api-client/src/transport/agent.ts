import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import { connectVerified, type TrustPolicy } from '../trust.ts';

/** Per-request facts the agent needs to open a connection; passed through `http.request` options. */
export interface ConnectHints {
  connectSignal?: AbortSignal;
  connectTimeoutMs?: number;
}

/** Idle pooled sockets are dropped before servers usually close them (Node's own default is 5 s). */
const FREE_SOCKET_TIMEOUT_MS = 4_000;

/**
 * A keep-alive HTTP agent whose every new connection is TLS, verified against a TrustPolicy before
 * the first request byte. Reused sockets were verified when they were opened.
 */
export class VerifiedAgent extends http.Agent {
  constructor(
    private readonly trust: TrustPolicy,
    maxSockets = Infinity,
  ) {
    super({ keepAlive: true, timeout: FREE_SOCKET_TIMEOUT_MS, maxSockets });
  }

  override createConnection(
    options: http.ClientRequestArgs & ConnectHints & { keepAlive?: boolean; keepAliveInitialDelay?: number },
    callback?: (err: Error | null, stream: Duplex) => void,
  ): undefined {
    connectVerified({
      host: options.host ?? 'localhost',
      port: Number(options.port ?? 443),
      trust: this.trust,
      timeoutMs: options.connectTimeoutMs,
      signal: options.connectSignal,
      keepAlive: options.keepAlive,
      keepAliveInitialDelay: options.keepAliveInitialDelay,
    }).then(
      (socket) => callback?.(null, socket),
      (error: Error) => callback?.(error, undefined as unknown as Duplex),
    );
    return undefined;
  }
}

/** The agent for plain `http:` targets (tests, port-80 hosts): keep-alive, nothing to verify. */
export function plainAgent(maxSockets = Infinity): http.Agent {
  return new http.Agent({ keepAlive: true, timeout: FREE_SOCKET_TIMEOUT_MS, maxSockets });
}
