import { openConsoleTunnel, type ConnectorOptions } from '../engine/upstream-connection.ts';
import { SharedTextConsole, type ConnectText, type TextConsoleOptions } from './text-console.ts';

const TEXT_SUFFIX = '/text';

/** The key of the text console of `vm/<uuid>` or `host/<uuid>`. */
export const textKey = (object: string): string => `${object}${TEXT_SUFFIX}`;

/** The object (`vm/<uuid>`, `host/<uuid>`) a text console's key names; undefined for any other key. */
export const objectOfTextKey = (key: string): string | undefined =>
  key.endsWith(TEXT_SUFFIX) ? key.slice(0, -TEXT_SUFFIX.length) : undefined;

/** Why a view of a VM is refused while this gateway's view of the VM's other console holds the pool's one slot. */
export const OTHER_VIEW_HOLDS = {
  graphical:
    'The pool allows one console connection per VM, and the graphical view has it: close it to open the text view.',
  text: 'The pool allows one console connection per VM, and the text view has it: close it to open the graphical view.',
} as const;

/** How a text console reaches the pool: the VM's `vt100` console, through the same verified CONNECT tunnel. */
export function textConnector(options: ConnectorOptions): ConnectText {
  return async ({ session, signal }) => {
    const { tunnel, objectName } = await openConsoleTunnel(options, 'vt100', session, signal);
    const { socket } = tunnel;
    return { socket, initial: tunnel.initial, objectName, close: () => socket.destroy() };
  };
}

/** The text consoles this instance has open, by key; each is shared by all its viewers from the first one. */
export class TextConsoles {
  private readonly consoles = new Map<string, SharedTextConsole>();

  constructor(private readonly options: (key: string) => Omit<TextConsoleOptions, 'onClosed'>) {}

  /** The text console `key`, made if need be; the caller joins a viewer to it at once. */
  open(key: string): SharedTextConsole {
    const existing = this.find(key);
    if (existing) return existing;
    const console = new SharedTextConsole(key, {
      ...this.options(key),
      onClosed: () => this.consoles.get(key) === console && this.consoles.delete(key),
    });
    this.consoles.set(key, console);
    return console;
  }

  find(key: string): SharedTextConsole | undefined {
    const console = this.consoles.get(key);
    return console && !console.closed ? console : undefined;
  }
}
