import type { ConsoleCommand, ControlChange, GrantHow, ReleaseWhy } from '@xwc/contracts';

/** What input control needs to know of a viewer. */
export interface ControlMember {
  readonly id: string;
  /** May hold the keyboard at all (not a read-only viewer). */
  readonly canControl: boolean;
  /** May take the keyboard without being handed it (pool admins). */
  readonly canTake: boolean;
}

export interface InputControlOptions {
  /** The controller loses the keyboard after this long without key or pointer input (0 = never). */
  readonly idleReleaseMs: number;
  readonly now?: () => number;
}

/** Why a command was refused: a short sentence for the viewer. */
export type Refusal = { readonly refused: string };
export type Outcome = readonly ControlChange[] | Refusal;

export const isRefusal = (outcome: Outcome): outcome is Refusal => 'refused' in outcome;

/**
 * Who may type on one console: at most one controller; everyone else follows and their input is dropped by the
 * gateway. Pure state: every call returns the changes the viewers must be told about, in order.
 *
 * Rules: the first viewer able to type gets the keyboard; while nobody has it, the first follower to type or ask gets
 * it; with a controller present, a request waits until the controller hands over, releases, leaves or idles out (the
 * oldest waiting request is then granted); a pool admin may take it at any time.
 */
export class InputControl {
  private readonly members = new Map<string, ControlMember & { viewOnly: boolean }>();
  private holder: string | null = null;
  private readonly waiting: string[] = [];
  private lastInput = 0;
  private readonly now: () => number;

  constructor(private readonly options: InputControlOptions) {
    this.now = options.now ?? Date.now;
  }

  get controller(): string | null {
    return this.holder;
  }

  /** Viewers waiting for the keyboard, oldest first. */
  get requests(): readonly string[] {
    return this.waiting;
  }

  /**
   * `waitForHolder`: someone else is expected to take the keyboard back (a lone viewer moving onto the shared
   * console), so this member does not get it for arriving first; `offerFirst` ends the wait.
   */
  join(member: ControlMember, viewOnly = false, waitForHolder = false): readonly ControlChange[] {
    this.members.set(member.id, { ...member, viewOnly });
    return this.holder === null && !waitForHolder && this.eligible(member.id) ? this.grant(member.id, 'first') : [];
  }

  /** Nobody has the keyboard: the longest-present viewer able to type gets it. */
  offerFirst(): readonly ControlChange[] {
    if (this.holder !== null) return [];
    for (const id of this.members.keys()) if (this.eligible(id)) return this.grant(id, 'first');
    return [];
  }

  leave(id: string): readonly ControlChange[] {
    if (!this.members.delete(id)) return [];
    this.unwait(id);
    return this.holder === id ? this.vacate(id, 'left') : [];
  }

  /**
   * Whether a key, pointer or clipboard message from `id` may reach the guest. While nobody holds the keyboard, a
   * follower's deliberate input (`claims`: a key or a click, not a pointer merely passing over the screen) takes it
   * (`changes` then says so).
   */
  input(id: string, claims = true): { allowed: boolean; changes: readonly ControlChange[] } {
    if (this.holder === id) {
      this.lastInput = this.now();
      return { allowed: true, changes: [] };
    }
    if (this.holder === null && claims && this.eligible(id)) {
      const changes = this.grant(id, 'typed');
      this.lastInput = this.now();
      return { allowed: true, changes };
    }
    return { allowed: false, changes: [] };
  }

  request(id: string): Outcome {
    if (!this.eligible(id)) return { refused: 'You cannot type on this console.' };
    if (this.holder === id) return [];
    if (this.holder === null) return this.grant(id, 'request');
    if (this.waiting.includes(id)) return [];
    this.waiting.push(id);
    return [{ kind: 'requested', viewer: id }];
  }

  /** Takes back a waiting request (nothing to tell anyone but the presence list). */
  withdraw(id: string): Outcome {
    this.unwait(id);
    return [];
  }

  release(id: string): Outcome {
    if (this.holder !== id) return { refused: 'You do not have the keyboard.' };
    return this.vacate(id, 'released');
  }

  handOver(from: string, to: string): Outcome {
    if (this.holder !== from) return { refused: 'Only the viewer with the keyboard can hand it over.' };
    if (!this.eligible(to)) return { refused: 'That viewer cannot take the keyboard.' };
    if (from === to) return [];
    return this.grant(to, 'hand-over');
  }

  deny(by: string, to: string): Outcome {
    if (this.holder !== by) return { refused: 'Only the viewer with the keyboard can answer requests.' };
    if (!this.unwait(to)) return [];
    return [{ kind: 'denied', viewer: to, by }];
  }

  take(id: string): Outcome {
    const member = this.members.get(id);
    if (!member?.canTake || !this.eligible(id)) return { refused: 'Only a pool administrator can take the keyboard.' };
    if (this.holder === id) return [];
    return this.grant(id, 'take');
  }

  /** A viewer switching to watching only gives up the keyboard and any request. */
  setViewOnly(id: string, on: boolean): readonly ControlChange[] {
    const member = this.members.get(id);
    if (!member) return [];
    member.viewOnly = on;
    if (!on) return this.holder === null && this.eligible(id) ? this.grant(id, 'request') : [];
    this.unwait(id);
    return this.holder === id ? this.vacate(id, 'view-only') : [];
  }

  /** A viewer's keyboard command (`view-only` included); undefined for a command that is not about the keyboard. */
  apply(id: string, command: ConsoleCommand): Outcome | undefined {
    switch (command.type) {
      case 'request-control':
        return this.request(id);
      case 'withdraw-request':
        return this.withdraw(id);
      case 'release-control':
        return this.release(id);
      case 'take-control':
        return this.take(id);
      case 'hand-over':
        return this.handOver(id, command.to);
      case 'deny-control':
        return this.deny(id, command.to);
      case 'view-only':
        return this.setViewOnly(id, command.on);
      default:
        return undefined;
    }
  }

  /** Releases an idle controller; call periodically. */
  tick(): readonly ControlChange[] {
    const { idleReleaseMs } = this.options;
    if (this.holder === null || idleReleaseMs <= 0 || this.now() - this.lastInput < idleReleaseMs) return [];
    return this.vacate(this.holder, 'idle');
  }

  private eligible(id: string): boolean {
    const member = this.members.get(id);
    return member !== undefined && member.canControl && !member.viewOnly;
  }

  private unwait(id: string): boolean {
    const at = this.waiting.indexOf(id);
    if (at >= 0) this.waiting.splice(at, 1);
    return at >= 0;
  }

  private grant(id: string, how: GrantHow, from = this.holder): readonly ControlChange[] {
    this.holder = id;
    this.lastInput = this.now();
    this.unwait(id);
    return [from === null ? { kind: 'granted', viewer: id, how } : { kind: 'granted', viewer: id, how, from }];
  }

  /** The holder lets go: the oldest waiting viewer gets the keyboard, else nobody has it. */
  private vacate(id: string, why: ReleaseWhy): readonly ControlChange[] {
    this.holder = null;
    const next = this.waiting.find((w) => this.eligible(w));
    return next === undefined ? [{ kind: 'released', viewer: id, why }] : this.grant(next, 'request', id);
  }
}
