export * from './errors.ts';
export * from './roles.ts';
export * from './schema.ts';
export * from './records.ts';
export * from './wire/values.ts';
export * as xmlrpc from './wire/xmlrpc.ts';
export * as jsonrpc from './wire/jsonrpc.ts';
