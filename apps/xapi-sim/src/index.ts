export { startPool, type SimHost, type SimUser, type SimulatedPool } from './pool.ts';
export type { PoolOptions } from './options.ts';
export type { HostState } from './net/host-listener.ts';
export type { ConsoleBackend, ConsoleProtocol, DisplayFactory, GuestDisplay, InputEvent } from './consoles/backend.ts';
export { DESKTOP_PATCHES } from './rfb/index.ts';
