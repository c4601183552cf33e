import type { MessageRec } from '../api/wire.ts';
import type { Role } from '../shared/roles.ts';

/** The pool's messages as XenCenter lists them in its Alerts view. Pure. */

/** XAPI's priorities, 1 most severe (`api_messages.ml`), named as XenCenter names them. */
const SEVERITY: Readonly<Record<number, string>> = {
  1: 'Critical',
  2: 'Major',
  3: 'Warning',
  4: 'Minor',
  5: 'Information',
};

export const severityOf = (priority: number): string => SEVERITY[priority] ?? `Priority ${priority}`;

/** Dismissing is XAPI's `message.destroy`, which needs pool-operator or above. */
export const DISMISS_ROLE: Role = 'pool-operator';

/** Alerts, newest first. */
export function sortedAlerts(messages: Iterable<MessageRec>): MessageRec[] {
  return [...messages].sort((a, b) => b.timestamp.localeCompare(a.timestamp) || a.uuid.localeCompare(b.uuid));
}

/** `HA_HOST_FAILED` → `HA host failed`: the message name as a title, as XenCenter shows unknown kinds. */
export function titleOf(name: string): string {
  const words = name.toLowerCase().split('_');
  const acronyms = new Set(['ha', 'vm', 'sr', 'vdi', 'pbd', 'vif', 'vbd', 'cpu', 'wlb', 'tls', 'pvs', 'gc']);
  const text = words.map((w) => (acronyms.has(w) ? w.toUpperCase() : w)).join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
