import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { ROLE_LABELS, ROLES, XapiError, type Role } from '@xwc/api-client';
import type { Database } from '../db/database.ts';
import { refOf } from '../db/ids.ts';

/** A login the simulated pool accepts: local root (superuser) or one user per RBAC role. */
export interface UserAccount {
  readonly username: string;
  readonly password: string;
  /** The role RBAC checks; root holds every permission through `is_local_superuser` instead. */
  readonly role: Role;
  readonly superuser: boolean;
}

export interface SessionInfo {
  readonly ref: string;
  readonly username: string;
  readonly role: Role;
  readonly superuser: boolean;
}

/** The user created for each role, named so a tester can tell them apart at a glance. */
export const ROLE_USERS: Readonly<Record<Role, string>> = {
  'pool-admin': 'admin',
  'pool-operator': 'operator',
  'vm-power-admin': 'poweradmin',
  'vm-admin': 'vmadmin',
  'vm-operator': 'vmoperator',
  'read-only': 'readonly',
};

export function createUsers(rootPassword: string, passwords: Readonly<Record<string, string>> = {}): UserAccount[] {
  const root: UserAccount = { username: 'root', password: rootPassword, role: 'pool-admin', superuser: true };
  return [
    root,
    ...ROLES.map((role) => {
      const username = ROLE_USERS[role];
      return {
        username,
        password: passwords[username] ?? randomBytes(12).toString('base64url'),
        role,
        superuser: false,
      };
    }),
  ];
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Users, their subjects and roles in the database, and sessions. Local root authenticates like PAM does
 * for XAPI; the other users stand for external-auth subjects with one role each.
 */
export class Accounts {
  readonly #sessions = new Map<string, SessionInfo>();
  readonly #destroyed = new Set<(ref: string) => void>();
  readonly #subjects = new Map<string, string>();

  constructor(
    private readonly db: Database,
    readonly users: readonly UserAccount[],
    private readonly authFailureDelayMs: number,
    private readonly permissionsOf: (role: Role) => string[],
  ) {}

  /** Creates the role and subject rows (XAPI's static roles; one subject per non-root user). */
  install(): void {
    const roleRefs = new Map<Role, string>();
    for (const role of ROLES) {
      roleRefs.set(
        role,
        this.db.create('role', {
          name_label: role,
          name_description: `The ${ROLE_LABELS[role]} role`,
          subroles: [],
          is_internal: false,
        }),
      );
    }
    this.users.forEach((user, i) => {
      if (user.superuser) return;
      const subject = this.db.create('subject', {
        subject_identifier: `S-1-5-21-1004336348-1177238915-682003330-${1100 + i}`,
        other_config: {
          'subject-name': `XENSIM\\${user.username}`,
          'subject-displayname': user.username,
          'subject-uid': String(1100 + i),
          'subject-is-group': 'false',
          'subject-account-disabled': 'false',
          'subject-account-locked': 'false',
          'subject-account-expired': 'false',
          'subject-password-expired': 'false',
        },
        roles: [roleRefs.get(user.role)!],
      });
      this.#subjects.set(user.username, subject);
    });
  }

  /** Checks a password; bad credentials fail after XAPI's delay, as PAM's do. */
  async authenticate(username: string, password: string): Promise<UserAccount> {
    const user = this.users.find((u) => u.username === username);
    if (!user || !timingSafeEqual(digest(user.password), digest(password))) {
      await new Promise((resolve) => setTimeout(resolve, this.authFailureDelayMs).unref());
      throw new XapiError('SESSION_AUTHENTICATION_FAILED', [username, 'Authentication failure']);
    }
    return user;
  }

  /** `session.login_with_password`. */
  async login(username: string, password: string, host: string, originator: string): Promise<string> {
    const user = await this.authenticate(username, password);
    const now = new Date();
    const subject = this.#subjects.get(username);
    const ref = refOf(randomUUID());
    this.db.create(
      'session',
      {
        uuid: randomUUID(),
        this_host: host,
        last_active: now,
        validation_time: now,
        is_local_superuser: user.superuser,
        subject: subject ?? 'OpaqueRef:NULL',
        auth_user_sid: subject ? (this.db.get('subject', subject)!.subject_identifier as string) : '',
        auth_user_name: username,
        rbac_permissions: user.superuser ? [] : this.permissionsOf(user.role),
        parent: 'OpaqueRef:NULL',
        originator,
      },
      ref,
    );
    this.#sessions.set(ref, { ref, username, role: user.role, superuser: user.superuser });
    return ref;
  }

  lookup(ref: string): SessionInfo | undefined {
    return this.#sessions.get(ref);
  }

  destroy(ref: string): void {
    if (!this.#sessions.delete(ref)) return;
    this.db.destroy('session', ref);
    for (const listener of this.#destroyed) listener(ref);
  }

  /** Destroys every session, or every session of one user. */
  destroyAll(username?: string): void {
    for (const session of [...this.#sessions.values()]) {
      if (username === undefined || session.username === username) this.destroy(session.ref);
    }
  }

  onDestroyed(listener: (ref: string) => void): () => void {
    this.#destroyed.add(listener);
    return () => this.#destroyed.delete(listener);
  }
}
