import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { XapiError, type Role, type XapiStruct } from '@xwc/api-client';
import { createUsers } from './auth/accounts.ts';
import type { GuestDisplay } from './consoles/backend.ts';
import { connectConsole } from './consoles/connect.ts';
import { consoleWebSocket } from './consoles/websocket.ts';
import { createCore, type SimCore } from './core.ts';
import type { Row } from './db/database.ts';
import { randomIds, seededIds } from './db/ids.ts';
import { columnOf, type TableName } from './db/tables.ts';
import { wireRecord } from './db/wire.ts';
import type { RequestHead } from './http/request.ts';
import { serveConnection, type HttpRoutes } from './http/server.ts';
import { allocateAddresses, consecutiveAddresses, releaseAddresses } from './net/addresses.ts';
import { HostListener, type HostState } from './net/host-listener.ts';
import type { PoolOptions } from './options.ts';
import { createDisplayFactory } from './rfb/index.ts';
import { answerRrd } from './rrd/handler.ts';
import { answerRpc } from './rpc/endpoint.ts';
import { PoolBuilder } from './seeds/builder.ts';
import { seedDemo } from './seeds/demo.ts';
import { seedScale } from './seeds/scale.ts';
import { hostCertificate, processAuthority } from './tls/certificates.ts';
import { issueServerCertificate } from './tls/x509.ts';

export interface SimHost {
  readonly name: string;
  readonly ref: string;
  readonly uuid: string;
  readonly address: string;
  /** `https://<address>:<port>`. */
  readonly url: string;
}

export interface SimUser {
  readonly username: string;
  readonly password: string;
  /** root holds pool-admin's permissions and more: it bypasses RBAC. */
  readonly role: Role;
}

/** A running simulated pool and the out-of-band controls tests need. */
export interface SimulatedPool {
  readonly master: SimHost;
  readonly hosts: readonly SimHost[];
  readonly users: readonly SimUser[];
  /** Path of the CA certificate (PEM) that signed every host's certificate. */
  readonly caFile: string;
  readonly caPem: string;
  /** The (current) master's XML-RPC URL. */
  readonly rpcUrl: string;
  /** A VM by ref, uuid or name_label. */
  vm(id: string): { readonly ref: string; readonly record: XapiStruct };
  /** A record as `get_record` returns it. */
  record(cls: TableName, ref: string): XapiStruct;
  findRefs(cls: TableName, predicate?: (record: XapiStruct) => boolean): string[];
  /** Writes a field behind the API's back (as the toolstack itself would), emitting events. */
  setField(cls: TableName, ref: string, field: string, value: unknown): void;
  start(vm: string, host?: string): Promise<void>;
  /** A shutdown from inside the guest. */
  halt(vm: string): Promise<void>;
  /** A reboot from inside the guest: new domid, new consoles. */
  reboot(vm: string): Promise<void>;
  suspend(vm: string): Promise<void>;
  /** A halted VM deleted by another tool, with its disks' VBDs and its VIFs; its VDIs stay, as `xe vm-destroy` leaves them. */
  destroyVm(vm: string): void;
  migrate(vm: string, host: string): Promise<void>;
  designateMaster(host: string): Promise<void>;
  /** Sessions destroyed by the toolstack (all, or one user's); blocked `event.from` calls fail. */
  destroySessions(username?: string): void;
  setHostState(host: string, state: HostState): Promise<void>;
  /** A toolstack restart: every session invalid, listeners down briefly, console URLs refreshed. */
  restart(): Promise<void>;
  /** The live display behind a running VM's consoles (created on first use). */
  display(vm: string): GuestDisplay | undefined;
  /** The console server of a running VM dies: connections end and `/console` answers 404 until it reboots. */
  killDisplay(vm: string): void;
  /** What the guest sees under `/local/domain/<domid>/`, or undefined without a domain. */
  guestXenstore(vm: string): Readonly<Record<string, string>> | undefined;
  close(): Promise<void>;
}

const MAX_HEAD_BYTES = 64 * 1024;

/** Starts a simulated pool: certificates, one TLS listener per host, the seeded database. */
export async function startPool(options: PoolOptions = {}): Promise<SimulatedPool> {
  const seed = options.seed ?? 'demo';
  const hostCount = Math.max(seed === 'demo' ? 3 : 1, options.hosts ?? (seed === 'demo' ? 3 : 10));
  const ownAddresses = options.firstAddress === undefined;
  const addresses = ownAddresses
    ? allocateAddresses(hostCount)
    : consecutiveAddresses(options.firstAddress!, hostCount);
  try {
    const ca = await processAuthority();
    const certificates = addresses.map((address, i) =>
      hostCertificate(ca, options.misnamedCertificates?.includes(i) ? addresses[(i + 1) % hostCount]! : address),
    );
    const caFile = options.dataDir === undefined ? ca.certFile : writeCa(ca.certFile, options.dataDir);
    const users = createUsers(options.rootPassword ?? 'xenroot', options.passwords);
    let port = options.port ?? 0;
    // The listeners and services reach the pool object, which exists once the database is seeded.
    const late: { pool?: RunningPool } = {};
    const core = createCore({
      ids: seed === 'scale' ? seededIds(options.seedNumber ?? 1) : randomIds,
      users,
      authFailureDelayMs: options.authFailureDelayMs ?? 5000,
      operationMs: options.operationMs ?? 40,
      displays: options.displays ?? createDisplayFactory(),
      rfbVersion: options.rfbVersion ?? '3.8',
      relays: new Map(Object.entries(options.vnc ?? {})),
      port: () => port,
      hostServices: {
        certificateOf: (host) => certificates[addresses.indexOf(core.db.get('host', host)!.address as string)]!.certPem,
        // The call returns first; the pool restarts under its new master a moment later, as with xapi.
        designateMaster: (host) => void setTimeout(() => void late.pool?.designateMaster(host), 50),
        refreshCertificate: (host) => {
          const i = addresses.indexOf(core.db.get('host', host)!.address as string);
          certificates[i] = issueServerCertificate(ca.certPem, ca.keyPem, addresses[i]!);
          // Reported at once; presented after the call's answer went out, when the host restarts its TLS service.
          setTimeout(() => listeners[i]!.renew({ key: certificates[i]!.keyPem, cert: certificates[i]!.certPem }), 50);
        },
      },
    });
    const listeners = addresses.map(
      (address, i) =>
        new HostListener(
          address,
          { key: certificates[i]!.keyPem, cert: certificates[i]!.certPem },
          (socket, answering) => {
            // A client faster than start-up (the pool is seeded right after binding) is turned away.
            if (!late.pool) return void socket.destroy();
            serveConnection(
              socket,
              late.pool.routes(address),
              { maxHeadBytes: MAX_HEAD_BYTES, maxBodyBytes: options.maxBodyBytes ?? 300 * 1024 },
              answering,
            );
          },
        ),
    );
    port = await listenAll(listeners, port);
    const builder = new PoolBuilder(core.db, core.lifecycle, core.messages);
    if (seed === 'scale') seedScale(builder, addresses, options.vms ?? 1000, options.seedNumber ?? 1);
    else seedDemo(builder, addresses);
    const pool = new RunningPool(
      core,
      listeners,
      users,
      caFile,
      ca.certPem,
      port,
      options.restartDowntimeMs ?? 200,
      () => {
        if (ownAddresses) releaseAddresses(addresses);
      },
    );
    late.pool = pool;
    return pool;
  } catch (error) {
    if (ownAddresses) releaseAddresses(addresses);
    throw error;
  }
}

function writeCa(certFile: string, dataDir: string): string {
  mkdirSync(dataDir, { recursive: true });
  const target = join(dataDir, 'ca.pem');
  copyFileSync(certFile, target);
  return target;
}

/** Binds every host on one port: with port 0, the first listener picks it and the others follow (retried). */
async function listenAll(listeners: readonly HostListener[], port: number): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      const chosen = await listeners[0]!.listen(port);
      for (const listener of listeners.slice(1)) await listener.listen(chosen);
      return chosen;
    } catch (error) {
      await Promise.all(listeners.map((l) => l.close()));
      if (port !== 0 || attempt >= 5) throw error;
    }
  }
}

class RunningPool implements SimulatedPool {
  readonly hosts: readonly SimHost[];
  readonly #byAddress: ReadonlyMap<string, string>;
  #closed = false;

  constructor(
    private readonly core: SimCore,
    private readonly listeners: readonly HostListener[],
    private readonly accounts: readonly SimUser[],
    readonly caFile: string,
    readonly caPem: string,
    private readonly port: number,
    private readonly downtimeMs: number,
    private readonly onClose: () => void,
  ) {
    const { db } = core;
    this.hosts = listeners.map((listener) => {
      const [ref, row] = [...db.rows('host')].find(([, r]) => r.address === listener.address)!;
      return {
        name: row.name_label as string,
        ref,
        uuid: row.uuid as string,
        address: listener.address,
        url: `https://${listener.address}:${port}`,
      };
    });
    this.#byAddress = new Map(this.hosts.map((h) => [h.address, h.ref]));
  }

  get rpcUrl(): string {
    return `${this.master.url}/`;
  }

  get users(): SimUser[] {
    return this.accounts.map(({ username, password, role }) => ({ username, password, role }));
  }

  get master(): SimHost {
    const master = this.core.db.get('pool', this.core.db.refs('pool')[0]!)!.master;
    return this.hosts.find((h) => h.ref === master)!;
  }

  routes(address: string): HttpRoutes {
    const host = (): string => this.#byAddress.get(address)!;
    const core = this.core;
    return {
      rpc: (req: RequestHead, body: Buffer) => answerRpc(core.dispatcher, host(), req, body),
      console: (req: RequestHead, socket: Duplex, head: Buffer) => {
        const handle = req.method === 'CONNECT' ? connectConsole : consoleWebSocket;
        handle(core, host(), req, socket, head).catch(() => socket.destroy());
      },
      rrd: (req: RequestHead) => answerRrd(core, host(), req),
    };
  }

  vm(id: string): { ref: string; record: XapiStruct } {
    const ref = this.#resolve('VM', id);
    return { ref, record: this.record('VM', ref) };
  }

  record(cls: TableName, ref: string): XapiStruct {
    return wireRecord(cls, this.core.db.record(cls, ref));
  }

  findRefs(cls: TableName, predicate: (record: XapiStruct) => boolean = () => true): string[] {
    return this.core.db.refs(cls).filter((ref) => predicate(this.record(cls, ref)));
  }

  setField(cls: TableName, ref: string, field: string, value: unknown): void {
    if (!columnOf(cls, field)) throw new Error(`${cls} has no field ${field}`);
    this.core.db.update(cls, ref, { [field]: value });
  }

  start(vm: string, host?: string): Promise<void> {
    return this.core.lifecycle.start(
      this.#resolve('VM', vm),
      host === undefined ? {} : { host: this.#resolve('host', host) },
    );
  }

  halt(vm: string): Promise<void> {
    return this.core.lifecycle.shutdown(this.#resolve('VM', vm), 'clean', 'internal');
  }

  reboot(vm: string): Promise<void> {
    return this.core.lifecycle.reboot(this.#resolve('VM', vm), 'clean', 'internal');
  }

  destroyVm(vm: string): void {
    const ref = this.#resolve('VM', vm);
    const state = this.core.db.value('VM', ref, 'power_state');
    if (state !== 'Halted') throw new Error(`${vm} is ${String(state)}; only a halted VM can be destroyed`);
    for (const cls of ['VBD', 'VIF', 'console'] as const) {
      for (const child of this.core.db.refs(cls)) {
        if (this.core.db.value(cls, child, 'VM') === ref) this.core.db.destroy(cls, child);
      }
    }
    this.core.db.destroy('VM', ref);
  }

  suspend(vm: string): Promise<void> {
    return this.core.lifecycle.suspend(this.#resolve('VM', vm));
  }

  migrate(vm: string, host: string): Promise<void> {
    return this.core.lifecycle.migrate(this.#resolve('VM', vm), this.#resolve('host', host));
  }

  /**
   * `pool.designate_new_master`: every toolstack restarts under the new master, so all sessions end and the
   * old master answers HOST_IS_SLAVE once it is back.
   */
  async designateMaster(host: string): Promise<void> {
    const ref = this.#resolve('host', host);
    const { db } = this.core;
    db.update('pool', db.refs('pool')[0]!, { master: ref });
    await this.restart();
  }

  destroySessions(username?: string): void {
    this.core.accounts.destroyAll(username);
  }

  async setHostState(host: string, state: HostState): Promise<void> {
    const ref = this.#resolve('host', host);
    const listener = this.listeners.find((l) => l.address === this.core.db.get('host', ref)!.address)!;
    await listener.setState(state, this.port);
    const metrics = this.core.db.get('host', ref)!.metrics as string;
    const live = state !== 'down';
    if (this.core.db.get('host_metrics', metrics)?.live !== live)
      this.core.db.update('host_metrics', metrics, { live });
  }

  async restart(): Promise<void> {
    this.core.accounts.destroyAll();
    this.#restampAgentStart();
    const states = this.listeners.map((l) => l.state);
    await Promise.all(this.listeners.map((l) => l.close()));
    await sleep(this.downtimeMs);
    if (this.#closed) return;
    await Promise.all(
      this.listeners.map((l, i) => (states[i] === 'down' ? undefined : l.setState(states[i]!, this.port))),
    );
    this.core.consoles.refreshLocations();
  }

  /** A restarted toolstack records when it started, where XenCenter reads it (other_config, and logging). */
  #restampAgentStart(): void {
    const { db } = this.core;
    const now = (Date.now() / 1000).toFixed(3);
    for (const ref of db.refs('host')) {
      const host = db.get('host', ref)!;
      const other = host.other_config as Record<string, string>;
      const logging = host.logging as Record<string, string>;
      db.update('host', ref, {
        other_config: { ...other, agent_start_time: now },
        ...('agent_start_time' in logging ? { logging: { ...logging, agent_start_time: now } } : {}),
      });
    }
  }

  display(vm: string): GuestDisplay | undefined {
    return this.core.displays.get(this.#resolve('VM', vm));
  }

  killDisplay(vm: string): void {
    this.core.displays.kill(this.#resolve('VM', vm));
  }

  guestXenstore(vm: string): Readonly<Record<string, string>> | undefined {
    return this.core.xenstore.read(this.#resolve('VM', vm));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.listeners.map((l) => l.close()));
    this.core.displays.closeAll();
    this.core.accounts.destroyAll();
    this.onClose();
  }

  /** A ref from a ref, uuid or name (or, for hosts, address). */
  #resolve(cls: 'VM' | 'host', id: string): string {
    const { db } = this.core;
    if (db.get(cls, id)) return id;
    const found = db.findByUuid(id);
    if (found?.table === cls) return found.ref;
    const match = (row: Row): boolean => row.name_label === id || (cls === 'host' && row.address === id);
    const byName = [...db.rows(cls)].filter(([, row]) => match(row));
    if (byName.length === 1) return byName[0]![0];
    throw new XapiError('HANDLE_INVALID', [cls, id]);
  }
}
