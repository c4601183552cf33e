import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatXapiDate, NULL_REF, XapiError } from '@xwc/api-client';
import type { ConsoleProtocol } from '../consoles/backend.ts';
import type { Displays, DisplaySpec } from '../consoles/displays.ts';
import type { Database, Row } from '../db/database.ts';
import type { ConsoleRows } from './consoles.ts';
import { operationError, refreshAllowedOperations } from './operations.ts';
import type { Tasks } from './tasks.ts';
import type { GuestXenstore } from './xenstore.ts';

/** What the guest agent reports once a VM has booted (`VM_guest_metrics`). */
export interface GuestProfile {
  readonly os_version: Readonly<Record<string, string>>;
  readonly PV_drivers_version: Readonly<Record<string, string>>;
  readonly networks: Readonly<Record<string, string>>;
  readonly other: Readonly<Record<string, string>>;
}

export interface LifecycleDeps {
  readonly db: Database;
  readonly consoles: ConsoleRows;
  readonly displays: Displays;
  readonly xenstore: GuestXenstore;
  /** Real-pool console servers for named VMs (`--vnc NAME=HOST:PORT`). */
  readonly relays: ReadonlyMap<string, { host: string; port: number }>;
  /** How long each power operation takes; its intermediate events are spread over it. */
  readonly operationMs: number;
  /** The tasks of `Async.` calls: progress as steps complete, cancellation before the first. */
  readonly tasks: Tasks;
}

type BootOptions = { readonly paused?: boolean; readonly host?: string; readonly task?: string };

export const isHvm = (vm: Row): boolean => vm.HVM_boot_policy !== '';

const hostnameOf = (name: string): string =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'localhost';

/**
 * VM power states and everything that follows a domain: domid, resident host, console rows (new refs on
 * every boot), the display behind them, the guest's xenstore view and metrics. Operations validate like
 * XAPI, then move through their intermediate states with events in between.
 */
export class Lifecycle {
  readonly #nextDomid = new Map<string, number>();
  readonly #guests = new Map<string, GuestProfile>();

  constructor(private readonly deps: LifecycleDeps) {}

  setGuestProfile(vm: string, profile: GuestProfile): void {
    this.#guests.set(vm, profile);
  }

  // ---- immediate state changes: seeding, and the steps of operations ----

  /** A new domain for `vm` on `host`: fresh domid, consoles and display. */
  createDomain(vm: string, host: string, state: 'Running' | 'Paused' = 'Running'): void {
    const { db } = this.deps;
    const row = db.require('VM', vm);
    const domid = row.is_control_domain ? 0 : this.#allocateDomid(host);
    db.update('VM', vm, { power_state: state, resident_on: host, domid });
    const metrics = row.metrics as string;
    if (db.get('VM_metrics', metrics)) {
      const now = new Date();
      db.update('VM_metrics', metrics, {
        start_time: now,
        last_updated: now,
        VCPUs_number: row.VCPUs_at_startup,
        VCPUs_params: row.VCPUs_params,
        memory_actual: row.memory_dynamic_max,
        current_domain_type: row.domain_type,
        state: [state === 'Paused' ? 'paused' : 'running'],
      });
    }
    this.deps.xenstore.write(vm, row.xenstore_data as Record<string, string>);
    const protocols = this.#consoleProtocols(row);
    this.deps.consoles.create(vm, host, protocols);
    if (protocols.length) this.deps.displays.boot(vm, this.#displaySpec(row, host));
    else this.deps.displays.halt(vm);
  }

  /** The domain of `vm` goes away: consoles destroyed, display closed, no domid. */
  destroyDomain(vm: string): void {
    const { db } = this.deps;
    this.deps.consoles.destroyAll(vm);
    this.deps.displays.halt(vm);
    this.deps.xenstore.clear(vm);
    db.update('VM', vm, { domid: -1 });
  }

  /** The guest agent reports in: a new VM_guest_metrics row (VMs without tools report nothing). */
  attachGuestMetrics(vm: string): void {
    const { db } = this.deps;
    const profile = this.#guests.get(vm);
    if (!profile) return;
    const current = db.require('VM', vm).guest_metrics as string;
    if (db.get('VM_guest_metrics', current)) {
      db.update('VM_guest_metrics', current, { live: true, last_updated: new Date() });
      return;
    }
    const metrics = db.create('VM_guest_metrics', {
      ...profile,
      PV_drivers_up_to_date: Object.keys(profile.PV_drivers_version).length > 0,
      PV_drivers_detected: Object.keys(profile.PV_drivers_version).length > 0,
      can_use_hotplug_vbd: Object.keys(profile.PV_drivers_version).length > 0 ? 'yes' : 'unspecified',
      can_use_hotplug_vif: Object.keys(profile.PV_drivers_version).length > 0 ? 'yes' : 'unspecified',
      live: true,
      last_updated: new Date(),
    });
    db.update('VM', vm, { guest_metrics: metrics });
  }

  #detachGuestMetrics(vm: string): void {
    const { db } = this.deps;
    const metrics = db.require('VM', vm).guest_metrics as string;
    db.update('VM', vm, { guest_metrics: NULL_REF });
    if (db.get('VM_guest_metrics', metrics)) db.destroy('VM_guest_metrics', metrics);
  }

  #settle(vm: string, state: 'Halted' | 'Suspended', reason: string, initiator: 'external' | 'internal'): void {
    const { db } = this.deps;
    this.destroyDomain(vm);
    const row = db.require('VM', vm);
    const patch: Record<string, unknown> = { power_state: state, resident_on: NULL_REF };
    if (state === 'Halted') {
      patch.other_config = {
        ...(row.other_config as Record<string, string>),
        ...shutdownRecord(reason, 'Destroy', initiator),
      };
    }
    db.update('VM', vm, patch);
    const metrics = row.metrics as string;
    if (db.get('VM_metrics', metrics)) {
      db.update('VM_metrics', metrics, {
        memory_actual: 0,
        VCPUs_number: 0,
        current_domain_type: 'unspecified',
        state: [],
        last_updated: new Date(),
      });
    }
    if (state === 'Halted') this.#detachGuestMetrics(vm);
    else if (db.get('VM_guest_metrics', row.guest_metrics as string)) {
      db.update('VM_guest_metrics', row.guest_metrics as string, { live: false });
    }
  }

  // ---- operations ----

  start(vm: string, options: BootOptions = {}): Promise<void> {
    return this.#boot(vm, options.host ? 'start_on' : 'start', options);
  }

  async shutdown(vm: string, mode: 'clean' | 'hard', initiator: 'external' | 'internal', task?: string) {
    this.#assertAllowed(vm, `${mode}_shutdown`);
    await this.#operate(vm, `${mode}_shutdown`, task, [
      () => this.#settle(vm, 'Halted', `${mode}_shutdown`, initiator),
    ]);
  }

  /** The domain is destroyed and rebuilt: consoles go (the halted state is observed) and come back new. */
  async reboot(vm: string, mode: 'clean' | 'hard', initiator: 'external' | 'internal', task?: string) {
    this.#assertAllowed(vm, `${mode}_reboot`);
    const { db } = this.deps;
    await this.#operate(vm, `${mode}_reboot`, task, [
      () => {
        this.destroyDomain(vm);
        const row = db.require('VM', vm);
        db.update('VM', vm, {
          other_config: {
            ...(row.other_config as Record<string, string>),
            ...shutdownRecord(`${mode}_reboot`, 'Restart', initiator),
          },
        });
      },
      () => this.createDomain(vm, db.require('VM', vm).resident_on as string),
      () => this.attachGuestMetrics(vm),
    ]);
  }

  async suspend(vm: string, task?: string): Promise<void> {
    this.#assertAllowed(vm, 'suspend');
    await this.#operate(vm, 'suspend', task, [() => this.#settle(vm, 'Suspended', 'suspend', 'external')]);
  }

  resume(vm: string, options: BootOptions = {}): Promise<void> {
    return this.#boot(vm, options.host ? 'resume_on' : 'resume', options);
  }

  /** Start and resume: a domain on the chosen host, then the guest agent reporting in. */
  async #boot(vm: string, op: string, options: BootOptions): Promise<void> {
    this.#assertAllowed(vm, op);
    const host = options.host ?? this.chooseHost(vm);
    await this.#operate(vm, op, options.task, [
      () => this.createDomain(vm, host, options.paused ? 'Paused' : 'Running'),
      () => this.attachGuestMetrics(vm),
    ]);
  }

  async pause(vm: string, paused: boolean, task?: string): Promise<void> {
    const op = paused ? 'pause' : 'unpause';
    this.#assertAllowed(vm, op);
    await this.#operate(vm, op, task, [
      () => this.deps.db.update('VM', vm, { power_state: paused ? 'Paused' : 'Running' }),
    ]);
  }

  /** Live migration: the VM stays Running while its domain moves, so domid and consoles change. */
  async migrate(vm: string, host: string, task?: string): Promise<void> {
    this.#assertAllowed(vm, 'pool_migrate');
    this.deps.db.require('host', host);
    this.#assertLive(host);
    await this.#operate(vm, 'pool_migrate', task, [
      () => {
        this.destroyDomain(vm);
        this.createDomain(vm, host);
      },
    ]);
  }

  /** `VM.set_xenstore_data` on a running VM reaches the guest at once (xenopsd `VM.set_xsdata`). */
  pushXenstore(vm: string): void {
    const row = this.deps.db.require('VM', vm);
    if (row.power_state === 'Running' || row.power_state === 'Paused') {
      this.deps.xenstore.write(vm, row.xenstore_data as Record<string, string>);
    }
  }

  /** The VM's affinity host when it is live, otherwise the live host running the fewest guests. */
  chooseHost(vm: string): string {
    const { db } = this.deps;
    const affinity = db.require('VM', vm).affinity as string;
    if (db.get('host', affinity) && this.#isLive(affinity)) return affinity;
    let best: string | undefined;
    let bestLoad = Infinity;
    for (const host of db.refs('host')) {
      if (!this.#isLive(host)) continue;
      const load = (db.value('host', host, 'resident_VMs') as string[]).length;
      if (load < bestLoad) [best, bestLoad] = [host, load];
    }
    if (!best) throw new XapiError('NO_HOSTS_AVAILABLE', []);
    return best;
  }

  #isLive(host: string): boolean {
    const { db } = this.deps;
    return db.get('host_metrics', db.require('host', host).metrics as string)?.live !== false;
  }

  #assertLive(host: string): void {
    if (!this.#isLive(host)) throw new XapiError('HOST_OFFLINE', [host]);
  }

  /** `assert_operation_valid` (lenient): blocked, power state, in progress, template, control domain, upgrade. */
  #assertAllowed(vm: string, op: string): void {
    const error = operationError(this.deps.db, vm, op, false);
    if (error) throw error;
  }

  /**
   * Runs an operation's steps spread over `operationMs`, with the VM's `current_operations` holding the task (or an
   * internal ref) meanwhile and `allowed_operations` recomputed, as XAPI shows an operation in flight. Until its first
   * step the operation may be cancelled (`task.cancel`): it then fails with TASK_CANCELLED and changes nothing.
   */
  async #operate(vm: string, op: string, task: string | undefined, steps: readonly (() => void)[]): Promise<void> {
    const { db, tasks } = this.deps;
    db.update('VM', vm, { current_operations: { [task ?? `OpaqueRef:${randomUUID()}`]: op } });
    refreshAllowedOperations(db, vm);
    if (task) tasks.setCancellable(task, true);
    try {
      for (const [i, step] of steps.entries()) {
        await sleep(this.deps.operationMs / steps.length, undefined, { ref: false });
        if (!db.get('VM', vm)) return;
        if (task && i === 0) {
          if (tasks.isCancelling(task)) throw new XapiError('TASK_CANCELLED', [task]);
          tasks.setCancellable(task, false);
        }
        step();
        if (task && i < steps.length - 1) tasks.progress(task, (i + 1) / steps.length);
      }
    } finally {
      if (db.get('VM', vm)) {
        db.update('VM', vm, { current_operations: {} });
        refreshAllowedOperations(db, vm);
      }
    }
  }

  #allocateDomid(host: string): number {
    const domid = this.#nextDomid.get(host) ?? 1;
    this.#nextDomid.set(host, domid + 1);
    return domid;
  }

  /** PV guests get vncterm's rfb and vt100 unless `disable_pv_vnc` is present; HVM guests qemu's rfb. */
  #consoleProtocols(vm: Row): ConsoleProtocol[] {
    if (vm.is_control_domain) return ['rfb', 'vt100'];
    if (isHvm(vm)) return ['rfb'];
    if (Object.hasOwn(vm.other_config as object, 'disable_pv_vnc')) return [];
    return ['rfb', 'vt100'];
  }

  #displaySpec(vm: Row, host: string): DisplaySpec {
    const name = vm.name_label as string;
    if (vm.is_control_domain) {
      const hostRow = this.deps.db.require('host', host);
      return { kind: 'host', title: hostRow.name_label as string, hostname: hostRow.hostname as string };
    }
    const relay = this.deps.relays.get(name);
    if (relay) return { kind: 'relay', ...relay };
    if (isHvm(vm)) return { kind: 'desktop', title: name, keymap: (vm.platform as Record<string, string>).keymap };
    return { kind: 'text', title: name, hostname: hostnameOf(name) };
  }
}

/** The `other_config` keys XAPI records when a domain goes down (`last_shutdown_*`). */
function shutdownRecord(reason: string, action: string, initiator: string): Record<string, string> {
  return {
    last_shutdown_time: formatXapiDate(new Date()),
    last_shutdown_action: action,
    last_shutdown_initiator: initiator,
    last_shutdown_reason: reason,
  };
}
