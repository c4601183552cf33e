/** XAPI maps as prototype-free objects (every key, `__proto__` and `toString` included, is data): shared with the gateway. */
export * from '../../../../packages/api-client/src/dict.ts';
