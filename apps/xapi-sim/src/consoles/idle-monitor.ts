import type { Duplex } from 'node:stream';
import type { Database } from '../db/database.ts';
import { ClientStream } from './client-stream.ts';

/**
 * `Console_idle_monitor.get_idle_timeout_config`, read once when the connection starts: `host.console_idle_timeout`
 * of the serving host for a control domain's consoles, `pool.vm_console_idle_timeout` for guests; in seconds,
 * and only a positive value turns the monitor on (the pool setter takes negative values, which mean off).
 */
export function idleTimeoutSeconds(db: Database, vm: string, host: string): number | undefined {
  const seconds = db.get('VM', vm)?.is_control_domain
    ? (db.get('host', host)?.console_idle_timeout as number | undefined)
    : (db.get('pool', db.refs('pool')[0]!)?.vm_console_idle_timeout as number | undefined);
  return seconds !== undefined && seconds > 0 ? seconds : undefined;
}

/**
 * Closes a CONNECT console connection once its client has sent no input for `seconds` (`real_proxy'` with
 * `Console_idle_monitor`): the clock starts at connect and only completed KeyEvent, PointerEvent and QEMU
 * messages reset it. A stream xapi's parser cannot follow stops the monitor and the connection stays open.
 * Listening beside the console server, the monitor sees exactly the bytes it reads, in order.
 */
export function watchIdle(socket: Duplex, seconds: number): void {
  const timeoutMs = seconds * 1000;
  const stream = new ClientStream();
  let lastInput = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    clearTimeout(timer);
    socket.off('data', onData);
  };
  const onData = (chunk: Buffer): void => {
    const scan = stream.feed(chunk);
    if (scan === 'input') lastInput = performance.now();
    else if (scan === 'lost') stop();
  };
  // One timer per connection, re-armed for the time left rather than on every input.
  const check = (): void => {
    const idle = performance.now() - lastInput;
    if (idle < timeoutMs) timer = setTimeout(check, timeoutMs - idle).unref();
    else socket.destroy();
  };
  socket.on('data', onData);
  socket.once('close', stop);
  timer = setTimeout(check, timeoutMs).unref();
}
