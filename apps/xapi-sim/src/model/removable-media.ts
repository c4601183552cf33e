import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { NULL_REF, XapiError } from '@xwc/api-client';
import type { Displays } from '../consoles/displays.ts';
import type { Database, Row } from '../db/database.ts';

/**
 * `VBD.insert` and `VBD.eject` as xapi runs them (`message_forwarding.ml`, `xapi_vbd.ml`, `xapi_vbd_helpers.ml`):
 * the VBD's operation check first (`with_vbd_marked`), then `assert_ok_to_insert`/`assert_ok_to_eject`; a halted VM's
 * drive changes in the database alone, a live one's through the domain (taking `operationMs`, the VBD's
 * `current_operations` holding the task meanwhile), and its console shows the disc.
 */

type MediaOp = 'insert' | 'eject';

export interface RemovableMediaDeps {
  readonly db: Database;
  readonly displays: Displays;
  readonly operationMs: number;
}

/** What a VM's first CD drive holds, as the guest's desktop names it: an ISO's name, `empty`, or `none` (no drive). */
export function discLabel(db: Database, vm: string): string {
  const drives = (db.value('VM', vm, 'VBDs') as string[])
    .map((ref) => db.get('VBD', ref)!)
    .filter((vbd) => vbd.type === 'CD')
    .sort((a, b) => Number(a.userdevice) - Number(b.userdevice));
  const first = drives[0];
  if (!first) return 'none';
  if (first.empty) return 'empty';
  return (db.get('VDI', first.VDI as string)?.name_label as string | undefined) ?? 'empty';
}

const SUSPENDED_REFUSAL = (vm: string): XapiError =>
  new XapiError('VM_BAD_POWER_STATE', [vm, 'halted, running', 'suspended']);

/**
 * The first error `valid_operations` records for `op` on this VBD, in xapi's order: an operation in progress, not a
 * CD, empty or full, a suspended VM, an unmanaged disc in the drive.
 */
function operationError(db: Database, ref: string, vbd: Row, op: MediaOp): XapiError | undefined {
  const current = Object.entries(vbd.current_operations as Record<string, string>);
  if (current.length > 0) {
    const [task, running] = current[0]!;
    return new XapiError('OTHER_OPERATION_IN_PROGRESS', ['VBD', ref, running, task]);
  }
  if (vbd.type !== 'CD') return new XapiError('VBD_NOT_REMOVABLE_MEDIA', [ref]);
  if (vbd.empty && op === 'eject') return new XapiError('VBD_IS_EMPTY', [ref]);
  if (!vbd.empty && op === 'insert') return new XapiError('VBD_NOT_EMPTY', [ref]);
  if (db.require('VM', vbd.VM as string).power_state === 'Suspended') return SUSPENDED_REFUSAL(vbd.VM as string);
  if (!vbd.empty && db.get('VDI', vbd.VDI as string)?.managed === false) {
    return new XapiError('VDI_NOT_MANAGED', [ref]);
  }
  return undefined;
}

export class RemovableMedia {
  constructor(private readonly deps: RemovableMediaDeps) {}

  async insert(vbd: string, vdi: string, task?: string): Promise<void> {
    const { db } = this.deps;
    const row = this.#assertValid(vbd, 'insert');
    // assert_ok_to_insert: the checks above again, then the disc itself.
    if (!db.require('VDI', vdi).managed) throw new XapiError('VDI_NOT_MANAGED', [vdi]);
    await this.#change(vbd, row, 'insert', task, { VDI: vdi, empty: false });
  }

  async eject(vbd: string, task?: string): Promise<void> {
    const row = this.#assertValid(vbd, 'eject');
    await this.#change(vbd, row, 'eject', task, { VDI: NULL_REF, empty: true });
  }

  #assertValid(vbd: string, op: MediaOp): Row {
    const row = this.deps.db.require('VBD', vbd);
    const error = operationError(this.deps.db, vbd, row, op);
    if (error) throw error;
    return row;
  }

  async #change(vbd: string, row: Row, op: MediaOp, task: string | undefined, patch: Row): Promise<void> {
    const { db, displays } = this.deps;
    const vm = row.VM as string;
    const live = ['Running', 'Paused'].includes(db.require('VM', vm).power_state as string);
    if (!live) return void db.update('VBD', vbd, patch);
    db.update('VBD', vbd, { current_operations: { [task ?? `OpaqueRef:${randomUUID()}`]: op } });
    try {
      await sleep(this.deps.operationMs, undefined, { ref: false });
      if (!db.get('VBD', vbd)) return;
      db.update('VBD', vbd, patch);
      displays.showDisc(vm);
    } finally {
      if (db.get('VBD', vbd)) db.update('VBD', vbd, { current_operations: {} });
    }
  }
}
