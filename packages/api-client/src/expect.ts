import { protocolError } from './errors.ts';
import { isStruct, type XapiStruct, type XapiValue } from './wire/values.ts';

/** Checks a method's result has the type XAPI declares, so a wrongly typed reply is a protocol error, not a crash later. */

export function expectString(value: XapiValue, method: string): string {
  if (typeof value !== 'string') throw protocolError(`${method}: expected a string result`);
  return value;
}

export function expectStruct(value: XapiValue, method: string): XapiStruct {
  if (!isStruct(value)) throw protocolError(`${method}: expected a struct result`);
  return value;
}

export function expectStrings(value: XapiValue, method: string): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw protocolError(`${method}: expected a set of strings`);
  }
  return value as string[];
}
