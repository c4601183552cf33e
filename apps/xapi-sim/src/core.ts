import { roleAtLeast, type Role } from '@xwc/api-client';
import { Dispatcher } from './api/dispatch.ts';
import { eventMethods } from './api/event.ts';
import { genericMethods } from './api/generic.ts';
import { hostMethods, type HostServices } from './api/host.ts';
import { nicMethods } from './api/nic.ts';
import { messageMethods } from './api/message.ts';
import { sessionMethods } from './api/session.ts';
import { taskMethods } from './api/task.ts';
import { vbdMethods } from './api/vbd.ts';
import { vmMethods } from './api/vm.ts';
import { Accounts, type UserAccount } from './auth/accounts.ts';
import type { DisplayFactory } from './consoles/backend.ts';
import { Displays } from './consoles/displays.ts';
import { ConsoleConnections } from './consoles/limits.ts';
import { Database } from './db/database.ts';
import type { IdSource } from './db/ids.ts';
import { ConsoleRows } from './model/consoles.ts';
import { Lifecycle } from './model/lifecycle.ts';
import { Messages } from './model/messages.ts';
import { refreshAllowedOperations } from './model/operations.ts';
import { discLabel, RemovableMedia } from './model/removable-media.ts';
import { Tasks } from './model/tasks.ts';
import { GuestXenstore } from './model/xenstore.ts';

export interface CoreOptions {
  readonly ids: IdSource;
  readonly users: readonly UserAccount[];
  readonly authFailureDelayMs: number;
  readonly operationMs: number;
  readonly displays: DisplayFactory;
  readonly rfbVersion: '3.3' | '3.8';
  readonly relays: ReadonlyMap<string, { host: string; port: number }>;
  /** The TLS port every host listens on (known once the listeners are bound). */
  readonly port: () => number;
  readonly hostServices: HostServices;
}

/** The simulated toolstack without its network: database, accounts, VM lifecycle, consoles, API. */
export interface SimCore {
  readonly db: Database;
  readonly accounts: Accounts;
  readonly lifecycle: Lifecycle;
  readonly displays: Displays;
  readonly consoles: ConsoleRows;
  readonly connections: ConsoleConnections;
  readonly xenstore: GuestXenstore;
  readonly messages: Messages;
  readonly tasks: Tasks;
  readonly dispatcher: Dispatcher;
}

export function createCore(options: CoreOptions): SimCore {
  const db = new Database(options.ids);
  const tasks = new Tasks(db);
  const messages = new Messages(db);
  const displays = new Displays(options.displays, options.rfbVersion, (vm) => discLabel(db, vm));
  const consoles = new ConsoleRows(db, options.port);
  const xenstore = new GuestXenstore();
  const lifecycle = new Lifecycle({
    db,
    consoles,
    displays,
    xenstore,
    relays: options.relays,
    operationMs: options.operationMs,
    tasks,
  });
  // The session's permission list comes from the method table, built once the accounts exist.
  const accounts: Accounts = new Accounts(db, options.users, options.authFailureDelayMs, (role): string[] =>
    dispatcher.permissionNames((needed: Role) => roleAtLeast(role, needed)),
  );
  const dispatcher: Dispatcher = new Dispatcher(
    {
      accounts,
      tasks,
      masterAddressFor: (host) => {
        const master = db.get('pool', db.refs('pool')[0]!)?.master as string | undefined;
        return master === undefined || master === host ? undefined : (db.get('host', master)!.address as string);
      },
    },
    [
      ...sessionMethods(accounts),
      ...genericMethods(db, {
        setters: { 'VM.xenstore_data': (vm) => lifecycle.pushXenstore(vm) },
        writes: {
          // xapi recomputes allowed_operations after every blocked_operations writer, and on entering and leaving a
          // rolling upgrade (marked in the pool's other_config).
          'VM.blocked_operations': (vm) => refreshAllowedOperations(db, vm),
          'pool.other_config': () => db.refs('VM').forEach((vm) => refreshAllowedOperations(db, vm)),
        },
      }),
      ...vmMethods(db, lifecycle),
      ...vbdMethods(new RemovableMedia({ db, displays, operationMs: options.operationMs })),
      ...hostMethods(db, options.hostServices),
      ...nicMethods(db),
      ...taskMethods(tasks),
      ...messageMethods(messages),
      ...eventMethods(db, accounts, messages),
    ],
  );
  accounts.install();
  return {
    db,
    accounts,
    lifecycle,
    displays,
    consoles,
    connections: new ConsoleConnections(),
    xenstore,
    messages,
    tasks,
    dispatcher,
  };
}
