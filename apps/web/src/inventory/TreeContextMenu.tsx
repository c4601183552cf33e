import type { VmRec } from '../api/wire.ts';
import { navigate } from '../navigation/router.ts';
import { objectPath } from '../navigation/routes.ts';
import { openConsoleWindow } from '../console/console-window.ts';
import { runPowerAction } from '../details/PowerActions.tsx';
import { availableActions, POWER_ROLE, type ActionSpec } from '../domain/power-actions.ts';
import { roleAtLeast, type Role } from '../shared/roles.ts';
import { cache } from '../store/cache.ts';
import { MenuList, type MenuItem } from '../ui/Menu.tsx';
import { toast } from '../ui/toasts.ts';
import type { Row } from './tree.ts';

/** What a right-click (or the context-menu key, or Shift+F10) on a tree row offers, as in XenCenter's tree. */

export interface ContextMenuAt {
  readonly row: Row;
  readonly x: number;
  readonly y: number;
}

const MENU_WIDTH = 240;

function itemsFor(at: ContextMenuAt, role: Role, ask: (vm: VmRec, spec: ActionSpec) => void): MenuItem[] {
  const { cls, uuid } = at.row.node;
  if (!cls || !uuid) return [];
  const items: MenuItem[] = [{ id: 'open', label: 'Open', onSelect: () => navigate(objectPath(cls, uuid)) }];
  const vm = cls === 'vm' ? cache.get('vm', uuid) : undefined;
  const consoleAllowed =
    (vm !== undefined && !vm.is_a_template && !vm.is_a_snapshot && roleAtLeast(role, 'vm-operator')) ||
    (cls === 'host' && roleAtLeast(role, 'pool-admin'));
  if (consoleAllowed) {
    const kind = cls === 'host' ? 'host' : 'vm';
    items.push(
      { id: 'console', label: 'Open console', onSelect: () => navigate(objectPath(cls, uuid, 'console')) },
      {
        id: 'console-window',
        label: 'Open console in new window',
        onSelect: () => openConsoleWindow(kind, uuid),
      },
    );
  }
  if (vm && !vm.is_a_template && !vm.is_a_snapshot && roleAtLeast(role, POWER_ROLE)) {
    const actions = availableActions(vm);
    if (actions.length > 0) items.push({ kind: 'separator', id: 'power' });
    for (const spec of actions) {
      items.push({
        id: spec.action,
        label: spec.confirm ? `${spec.label}…` : spec.label,
        onSelect: () => (spec.confirm ? ask(vm, spec) : void runPowerAction(vm, spec)),
      });
    }
  }
  items.push(
    { kind: 'separator', id: 'copy' },
    {
      id: 'uuid',
      label: 'Copy UUID',
      onSelect: () =>
        void navigator.clipboard
          ?.writeText(uuid)
          .then(() => toast('success', 'UUID copied.'))
          .catch(() => toast('error', `Copy refused by the browser; the UUID is ${uuid}.`)),
    },
  );
  return items;
}

export interface PendingAction {
  readonly vm: VmRec;
  readonly spec: ActionSpec;
}

/** The menu itself; an action that needs confirming is handed to `onConfirm`, which outlives the menu. */
export function TreeContextMenu({
  at,
  role,
  onClose,
  onConfirm,
}: {
  at: ContextMenuAt;
  role: Role;
  onClose: (refocus: boolean) => void;
  onConfirm: (pending: PendingAction) => void;
}) {
  const items = itemsFor(at, role, (vm, spec) => onConfirm({ vm, spec }));
  const left = Math.max(0, Math.min(at.x, window.innerWidth - MENU_WIDTH));
  const top = Math.max(0, Math.min(at.y, window.innerHeight - 40 - items.length * 30));
  return (
    <MenuList
      label={`Actions for ${at.row.node.label}`}
      items={items}
      className="context-menu"
      style={{ left, top }}
      onClose={onClose}
    />
  );
}
