import type { ConsoleProtocol } from '../consoles/backend.ts';
import type { Database } from '../db/database.ts';

/** `https://<address>[:port]/console?<query>`: XAPI's own URLs carry no port, since its TLS port is 443. */
export function consoleLocation(address: string, port: number, query: string): string {
  if (address === '') return '';
  return `https://${address}${port === 443 ? '' : `:${port}`}/console?${query}`;
}

/**
 * Console rows as xapi keeps them: created with fresh refs and uuids when a domain appears, destroyed
 * when it goes. Guest locations use `?uuid=<console uuid>`, control domains `?ref=<console ref>`.
 */
export class ConsoleRows {
  constructor(
    private readonly db: Database,
    private readonly port: () => number,
  ) {}

  create(vm: string, host: string, protocols: readonly ConsoleProtocol[]): void {
    const address = this.db.require('host', host).address as string;
    const controlDomain = this.db.require('VM', vm).is_control_domain === true;
    for (const protocol of protocols) {
      const uuid = this.db.newUuid();
      const ref = `OpaqueRef:${this.db.newUuid()}`;
      const query = controlDomain ? `ref=${ref}` : `uuid=${uuid}`;
      this.db.create(
        'console',
        { uuid, protocol, location: consoleLocation(address, this.port(), query), VM: vm },
        ref,
      );
    }
  }

  destroyAll(vm: string): void {
    for (const console of this.db.value('VM', vm, 'consoles') as string[]) this.db.destroy('console', console);
  }

  /**
   * `Dbsync_master.refresh_console_urls`: when the master's management interface comes up, every console's
   * location is rewritten to `?ref=` form on its VM's resident host.
   */
  refreshLocations(): void {
    for (const [ref, row] of [...this.db.rows('console')]) {
      const host = this.db.get('VM', row.VM as string)?.resident_on as string | undefined;
      const address = (host && (this.db.get('host', host)?.address as string)) ?? '';
      const location = consoleLocation(address, this.port(), `ref=${ref}`);
      if (location !== row.location) this.db.update('console', ref, { location });
    }
  }
}
