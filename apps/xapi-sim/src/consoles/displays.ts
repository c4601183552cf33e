import type { ConsoleProtocol, ConsoleBackend, DisplayFactory, GuestDisplay } from './backend.ts';

/** What a domain shows on its console, decided at boot. */
export type DisplaySpec =
  | { readonly kind: 'host'; readonly title: string; readonly hostname: string }
  | { readonly kind: 'text'; readonly title: string; readonly hostname: string }
  /** `keymap`: the VM's `platform:keymap` when it booted (QEMU's `-k`). */
  | { readonly kind: 'desktop'; readonly title: string; readonly keymap?: string }
  | { readonly kind: 'relay'; readonly host: string; readonly port: number };

interface Boot {
  readonly spec: DisplaySpec;
  display?: GuestDisplay;
  /** The console server died (`killDisplay`): no backend until the next boot. */
  dead: boolean;
}

/**
 * The console servers behind running domains: one GuestDisplay per boot, created on first use (a pool of
 * thousands of running VMs allocates nothing until someone connects) and closed when the domain goes.
 */
export class Displays {
  readonly #boots = new Map<string, Boot>();

  constructor(
    private readonly factory: DisplayFactory,
    private readonly rfbVersion: '3.3' | '3.8',
    /** What `vm`'s DVD drive holds now, read when its desktop is first drawn (the drive may change before). */
    private readonly discOf: (vm: string) => string,
  ) {}

  /** A new domain for `vm`: the previous display, if any, is closed with its connections. */
  boot(vm: string, spec: DisplaySpec): void {
    this.halt(vm);
    this.#boots.set(vm, { spec, dead: false });
  }

  halt(vm: string): void {
    this.#boots.get(vm)?.display?.close();
    this.#boots.delete(vm);
  }

  /** The live display of `vm`'s current boot, created on first use; undefined without a domain. */
  get(vm: string): GuestDisplay | undefined {
    const boot = this.#boots.get(vm);
    if (!boot || boot.dead) return undefined;
    boot.display ??= this.#create(vm, boot.spec);
    return boot.display;
  }

  /** The backend serving `protocol` for `vm`, as xenopsd's `VM.stat` would report it. */
  backend(vm: string, protocol: ConsoleProtocol): ConsoleBackend | undefined {
    const display = this.get(vm);
    return protocol === 'rfb' ? display?.rfb : display?.vt100;
  }

  /** A disc went into or out of `vm`'s DVD drive: a desktop already drawn shows it (one drawn later reads it). */
  showDisc(vm: string): void {
    this.#boots.get(vm)?.display?.showDisc?.(this.discOf(vm));
  }

  /** Simulates the console server crashing: connections end, and the console has no backend until reboot. */
  kill(vm: string): void {
    const boot = this.#boots.get(vm);
    if (!boot) return;
    boot.display?.close();
    boot.display = undefined;
    boot.dead = true;
  }

  closeAll(): void {
    for (const vm of [...this.#boots.keys()]) this.halt(vm);
  }

  #create(vm: string, spec: DisplaySpec): GuestDisplay {
    const rfbVersion = this.rfbVersion;
    switch (spec.kind) {
      case 'host':
        return this.factory.textConsole({ kind: 'host', title: spec.title, hostname: spec.hostname, rfbVersion });
      case 'text':
        return this.factory.textConsole({ kind: 'guest', title: spec.title, hostname: spec.hostname, rfbVersion });
      case 'desktop':
        return this.factory.desktop({ title: spec.title, rfbVersion, keymap: spec.keymap, disc: this.discOf(vm) });
      case 'relay':
        return this.factory.relay({ host: spec.host, port: spec.port });
    }
  }
}
