/**
 * The browser's window onto the shared extension catalogue and roles: pure data and functions, no Node imports.
 * One place names the cross-workspace paths, so the rest of the UI imports from here.
 */
export * from '../../../../packages/api-client/src/catalogue/index.ts';
export { ROLES, ROLE_LABELS, isRole, roleAtLeast, type Role } from '../../../../packages/api-client/src/roles.ts';
