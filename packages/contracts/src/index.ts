export { CONSOLE_CLOSE, consoleCloseKind, type ConsoleCloseKind } from './console-close.ts';
export {
  MAX_COMMAND_BYTES,
  parseConsoleCommand,
  type ConsoleCommand,
  type ConsoleNotice,
  type ConsoleViewer,
  type ControlChange,
  type GrantHow,
  type ReleaseWhy,
} from './console-control.ts';
export { parseConsoleNotice } from './console-notices.ts';
export { RDP_REFUSED, rdpAddressOf, rdpTarget, type RdpTarget } from './remote-desktop.ts';
export { LIMIT_CODES, parseLimitRefusal, type LimitRefusal, type LoginLimitScope } from './limits.ts';
