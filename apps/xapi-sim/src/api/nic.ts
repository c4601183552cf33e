import { NULL_REF, XapiError } from '@xwc/api-client';
import type { Database } from '../db/database.ts';
import { param } from './params.ts';
import { roleOf, VOID, type MethodSpec } from './registry.ts';

/**
 * Plugging and unplugging NICs, where a network's new MTU takes effect: a plugged PIF or VIF takes its
 * other_config:mtu override when that is a usable number, else its network's MTU (xapi's `Nm.determine_mtu`, and
 * xenopsd's VIF MTU from the network).
 */

function mtuOnPlug(db: Database, table: 'PIF' | 'VIF', ref: string): number {
  const row = db.require(table, ref);
  const override = ((row.other_config ?? {}) as Record<string, string>).mtu?.trim();
  if (override !== undefined && /^\d+$/.test(override)) {
    const mtu = Number(override);
    if (mtu >= 68 && mtu <= 65535) return mtu;
  }
  return (db.get('network', row.network as string)?.MTU as number | undefined) ?? 1500;
}

/** `Xapi_pif.unplug`'s checks, in its order (HA, clustering and FCoE are not modelled). */
function checkPifUnplug(db: Database, pif: string): void {
  const row = db.require('PIF', pif);
  if (row.disallow_unplug === true) throw new XapiError('PIF_DOES_NOT_ALLOW_UNPLUG', [pif]);
  if (row.management === true) throw new XapiError('PIF_IS_MANAGEMENT_INTERFACE', [pif]);
}

/** `Xapi_vif.plug`/`unplug`: only on a running VM, and never twice. */
function checkVif(db: Database, vif: string, plugging: boolean): void {
  const row = db.require('VIF', vif);
  const vm = row.VM as string;
  const state = String(db.require('VM', vm).power_state).toLowerCase();
  if (state !== 'running') throw new XapiError('VM_BAD_POWER_STATE', [vm, 'running', state]);
  if (plugging && row.currently_attached === true) throw new XapiError('DEVICE_ALREADY_ATTACHED', [vif]);
  if (!plugging && row.currently_attached !== true) throw new XapiError('DEVICE_ALREADY_DETACHED', [vif]);
}

export function nicMethods(db: Database): MethodSpec[] {
  const pif = param('self', 'PIF ref');
  const vif = param('self', 'VIF ref');
  return [
    {
      name: 'PIF.plug',
      session: true,
      params: [pif],
      role: roleOf('PIF', 'plug'),
      async: true,
      call: (_, [self]) => {
        const ref = self as string;
        const row = db.require('PIF', ref);
        if (row.bond_slave_of !== undefined && row.bond_slave_of !== NULL_REF) {
          throw new XapiError('CANNOT_PLUG_BOND_SLAVE', [ref]);
        }
        // Plugging a plugged PIF brings nothing down: xapi returns at once.
        if (row.currently_attached !== true) {
          db.update('PIF', ref, { currently_attached: true, MTU: mtuOnPlug(db, 'PIF', ref) });
        }
        return VOID;
      },
    },
    {
      name: 'PIF.unplug',
      session: true,
      params: [pif],
      role: roleOf('PIF', 'unplug'),
      async: true,
      call: (_, [self]) => {
        checkPifUnplug(db, self as string);
        db.update('PIF', self as string, { currently_attached: false });
        return VOID;
      },
    },
    {
      name: 'VIF.plug',
      session: true,
      params: [vif],
      role: roleOf('VIF', 'plug'),
      async: true,
      call: (_, [self]) => {
        checkVif(db, self as string, true);
        db.update('VIF', self as string, { currently_attached: true, MTU: mtuOnPlug(db, 'VIF', self as string) });
        return VOID;
      },
    },
    {
      name: 'VIF.unplug',
      session: true,
      params: [vif],
      role: roleOf('VIF', 'unplug'),
      async: true,
      call: (_, [self]) => {
        checkVif(db, self as string, false);
        db.update('VIF', self as string, { currently_attached: false });
        return VOID;
      },
    },
  ];
}
