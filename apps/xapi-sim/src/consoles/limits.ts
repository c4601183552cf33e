/**
 * `Console.Connection_limit`: CONNECT console connections tracked per VM even while the limit is off, so
 * turning `pool.limit_console_sessions` on accounts for connections already open.
 */
export class ConsoleConnections {
  readonly #byVm = new Map<string, { user: string; session: string }[]>();

  /** Records a connection unless the limit is on and the VM already has one. */
  tryAdd(vm: string, user: string, session: string, limitEnabled: boolean): boolean {
    const current = this.#byVm.get(vm) ?? [];
    if (limitEnabled && current.length > 0) return false;
    this.#byVm.set(vm, [{ user, session }, ...current]);
    return true;
  }

  drop(vm: string, session: string): void {
    const rest = (this.#byVm.get(vm) ?? []).filter((c) => c.session !== session);
    if (rest.length) this.#byVm.set(vm, rest);
    else this.#byVm.delete(vm);
  }

  users(vm: string): string[] {
    return (this.#byVm.get(vm) ?? []).map((c) => c.user);
  }
}
