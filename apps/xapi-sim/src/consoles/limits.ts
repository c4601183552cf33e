/**
 * `Console.Connection_limit`: CONNECT console connections tracked per VM (all of a VM's consoles share one slot;
 * a host console is its control domain's) even while the limit is off, so turning `pool.limit_console_sessions`
 * on accounts for connections already open. WebSocket consoles are not tracked (xapi hands them to wsproxy).
 */
export class ConsoleConnections {
  readonly #byVm = new Map<string, { user: string; id: number }[]>();
  #nextId = 0;

  /**
   * Records a connection of `user` (the session's `auth_user_name`) unless the limit is on and the VM already has
   * one: the connection's id for `drop`, or the users holding the VM, most recent first as xapi lists them.
   */
  tryAdd(vm: string, user: string, limitEnabled: boolean): { ok: true; id: number } | { ok: false; users: string[] } {
    const current = this.#byVm.get(vm) ?? [];
    if (limitEnabled && current.length > 0) return { ok: false, users: current.map((c) => c.user) };
    const id = ++this.#nextId;
    this.#byVm.set(vm, [{ user, id }, ...current]);
    return { ok: true, id };
  }

  /** Per connection, not per session: one session may hold several of a VM's consoles at once. */
  drop(vm: string, id: number): void {
    const rest = (this.#byVm.get(vm) ?? []).filter((c) => c.id !== id);
    if (rest.length) this.#byVm.set(vm, rest);
    else this.#byVm.delete(vm);
  }
}
