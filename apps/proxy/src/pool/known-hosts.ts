import fs from 'node:fs';
import path from 'node:path';

export interface Pin {
  sha256: string;
  /**
   * `first-use`: accepted the first time we saw it; `pool`: reported by `host.get_server_certificate`; `accepted`: a
   * pool administrator accepted it in place of a changed one.
   */
  source: 'first-use' | 'pool' | 'accepted';
  since: string;
}

/**
 * Certificate pins by `address:port`, kept in a JSON file under DATA_DIR: used in trust-on-first-use mode only (with a
 * CA or a pinned master, identities come from those on every connection and nothing is recorded). Written atomically
 * (temporary file, then rename) so a crash never leaves a half-written trust store.
 */
export class KnownHosts {
  private readonly pins = new Map<string, Pin>();

  constructor(private readonly file: string | undefined) {
    if (!file || !fs.existsSync(file)) return;
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    const hosts = (parsed as { hosts?: Record<string, Pin> } | null)?.hosts;
    if (!hosts || typeof hosts !== 'object') throw new Error(`${file} is not a known-hosts file`);
    for (const [key, pin] of Object.entries(hosts)) {
      if (typeof pin?.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(pin.sha256)) {
        throw new Error(`${file}: entry ${key} has no valid sha256`);
      }
      this.pins.set(key, pin);
    }
  }

  get(key: string): Pin | undefined {
    return this.pins.get(key);
  }

  set(key: string, sha256: string, source: Pin['source']): void {
    const current = this.pins.get(key);
    if (current?.sha256 === sha256) return;
    this.pins.set(key, { sha256, source, since: new Date().toISOString() });
    this.save();
  }

  private save(): void {
    if (!this.file) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify({ version: 1, hosts: Object.fromEntries(this.pins) }, null, 2)}\n`, {
      mode: 0o600,
    });
    fs.renameSync(tmp, this.file);
  }
}
