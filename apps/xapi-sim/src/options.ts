import type { DisplayFactory } from './consoles/backend.ts';

export interface PoolOptions {
  /** `demo` (default): the hand-written demo pool; `scale`: `hosts` × `vms` generated from `seedNumber`. */
  readonly seed?: 'demo' | 'scale';
  /** Number of hosts: at least 3 for demo (default 3), default 10 for scale. */
  readonly hosts?: number;
  /** Number of guests for `scale` (default 1000). */
  readonly vms?: number;
  /** Makes `scale` reproducible (default 1). */
  readonly seedNumber?: number;
  /** The TLS port every host listens on; 0 (default) picks one free on every address. */
  readonly port?: number;
  /** The first host's loopback address, the others following it; default a random 127.A.B.x per process. */
  readonly firstAddress?: string;
  /** root's password (default `xenroot`). */
  readonly rootPassword?: string;
  /** Passwords for the role users (`admin`, `operator`, `poweradmin`, `vmadmin`, `vmoperator`, `readonly`); others are random. */
  readonly passwords?: Readonly<Record<string, string>>;
  /** How long a failed login waits before answering, as PAM does on a real host (default 5000). */
  readonly authFailureDelayMs?: number;
  /** How long a power operation takes, its intermediate events spread over it (default 40). */
  readonly operationMs?: number;
  /** How long `restart()` and master changes keep the listeners down (default 200). */
  readonly restartDowntimeMs?: number;
  /** RFB version of the built-in console servers (default 3.8). */
  readonly rfbVersion?: '3.3' | '3.8';
  /** Real VNC servers behind the consoles of VMs named here, by `name_label`. */
  readonly vnc?: Readonly<Record<string, { host: string; port: number }>>;
  /** The console servers; default the built-in RFB servers. */
  readonly displays?: DisplayFactory;
  /** Where the CA certificate is written (default a temporary directory). */
  readonly dataDir?: string;
  /**
   * Hosts, by position (0 = the first master), that present the next host's certificate instead of their own:
   * signed by the pool's CA but for another address, as a stolen or mis-issued certificate would be. The pool
   * reports it as theirs (`host.get_server_certificate`), so only a client's name check can refuse it.
   */
  readonly misnamedCertificates?: readonly number[];
  /** Largest RPC request body accepted (default 300 KiB, as `Xapi_globs.http_limit_max_rpc_size`). */
  readonly maxBodyBytes?: number;
}

/** `NAME=HOST:PORT`, as the CLI's `--vnc` takes it. */
export function parseVncTarget(text: string): [string, { host: string; port: number }] {
  const m = /^(.+)=([^=:]+):(\d+)$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || !(port > 0 && port < 65536)) throw new Error(`--vnc expects NAME=HOST:PORT, got "${text}"`);
  return [m[1]!, { host: m[2]!, port }];
}
