import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

interface Sealed {
  user: string;
  iv: Buffer;
  data: Buffer;
  tag: Buffer;
}

/**
 * Keeps each login's password in this process's memory only, sealed under a key that exists
 * nowhere else, so a session the pool dropped in a restart or master change can be renewed without
 * asking the user. Never written to the session store, a file or a log; gone with the login.
 */
export class CredentialVault {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, Sealed>();

  put(id: string, user: string, password: string): void {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(password, 'utf8'), cipher.final()]);
    this.entries.set(id, { user, iv, data, tag: cipher.getAuthTag() });
  }

  take(id: string): { user: string; password: string } | undefined {
    const sealed = this.entries.get(id);
    if (!sealed) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.iv);
    decipher.setAuthTag(sealed.tag);
    return {
      user: sealed.user,
      password: Buffer.concat([decipher.update(sealed.data), decipher.final()]).toString('utf8'),
    };
  }

  delete(id: string): void {
    this.entries.delete(id);
  }
}
