/** XAPI's roles, without the catalogue: for code (login, consoles) that must not pull the catalogue into its chunk. */
export { ROLES, ROLE_LABELS, isRole, roleAtLeast, type Role } from '../../../../packages/api-client/src/roles.ts';
