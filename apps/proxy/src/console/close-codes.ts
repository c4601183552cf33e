import { CONSOLE_CLOSE, type ConsoleCloseKind } from '@xwc/contracts';

/** The console close codes (the shared contract in @xwc/contracts), under the gateway's short name. */
export const CLOSE = CONSOLE_CLOSE;

export type CloseKind = ConsoleCloseKind;
export type CloseSpec = (typeof CLOSE)[CloseKind];

/** A failure that ends a console with a given close kind; `reason` may refine the default sentence. */
export class ConsoleError extends Error {
  constructor(
    readonly kind: CloseKind,
    readonly reason: string = CLOSE[kind].reason,
  ) {
    super(reason);
  }
}

/** WebSocket close reasons are limited to 123 bytes. */
export function truncateReason(reason: string): string {
  const bytes = Buffer.from(reason);
  return bytes.length <= 123
    ? reason
    : `${bytes
        .subarray(0, 120)
        .toString()
        .replace(/\uFFFD+$/, '')}…`;
}
