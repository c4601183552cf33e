import { XapiError } from '@xwc/api-client';
import type { Database } from '../db/database.ts';
import { VOID, type MethodSpec } from './registry.ts';

export interface HostServices {
  /** The PEM certificate a host's TLS listener presents. */
  certificateOf(host: string): string;
  /** Starts the master transition; the call returns before the pool restarts under its new master. */
  designateMaster(host: string): void;
}

/** Host and pool messages with behaviour beyond the database: syslog, certificates, master transition. */
export function hostMethods(db: Database, services: HostServices): MethodSpec[] {
  const hostParam = { name: 'host', type: 'string' } as const;
  return [
    {
      name: 'host.syslog_reconfigure',
      session: true,
      params: [hostParam],
      role: 'pool-operator',
      // Rewrites dom0's syslog configuration from `logging:syslog_destination`; nothing to model past the check.
      call: (_, [host]) => {
        db.require('host', host as string);
        return VOID;
      },
    },
    {
      name: 'host.get_server_certificate',
      session: true,
      params: [hostParam],
      role: 'read-only',
      call: (_, [host]) => {
        db.require('host', host as string);
        return services.certificateOf(host as string);
      },
    },
    {
      name: 'pool.designate_new_master',
      session: true,
      params: [hostParam],
      role: 'pool-admin',
      async: true,
      call: (_, [host]) => {
        db.require('host', host as string);
        const pool = db.refs('pool')[0]!;
        if (db.require('pool', pool).master === host) return VOID;
        if (db.get('host_metrics', db.require('host', host as string).metrics as string)?.live === false) {
          throw new XapiError('HOST_OFFLINE', [host as string]);
        }
        services.designateMaster(host as string);
        return VOID;
      },
    },
  ];
}
