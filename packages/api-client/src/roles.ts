/** XAPI's RBAC roles, from most to least privileged (`datamodel_roles.ml`). */
export const ROLES = ['pool-admin', 'pool-operator', 'vm-power-admin', 'vm-admin', 'vm-operator', 'read-only'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  'pool-admin': 'Pool Admin',
  'pool-operator': 'Pool Operator',
  'vm-power-admin': 'VM Power Admin',
  'vm-admin': 'VM Admin',
  'vm-operator': 'VM Operator',
  'read-only': 'Read Only',
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when `role` holds every permission of `required` (XAPI's `_R_X`: X and every role above it). */
export function roleAtLeast(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) <= ROLES.indexOf(required);
}

/** The roles that hold a permission granted to `required` and above, as XAPI lists them in RBAC errors. */
export function rolesFrom(required: Role): Role[] {
  return ROLES.slice(0, ROLES.indexOf(required) + 1);
}
