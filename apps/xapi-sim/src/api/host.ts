import { XapiError } from '@xwc/api-client';
import type { Database } from '../db/database.ts';
import { param } from './params.ts';
import { roleOf, VOID, type MethodSpec } from './registry.ts';

export interface HostServices {
  /** The PEM certificate a host's TLS listener presents. */
  certificateOf(host: string): string;
  /** Starts the master transition; the call returns before the pool restarts under its new master. */
  designateMaster(host: string): void;
  /** `host.refresh_server_certificate`: a new key and certificate (same CA), presented from the next connection. */
  refreshCertificate(host: string): void;
}

/**
 * `Xapi_host.set_console_idle_timeout`: a negative value is refused with xapi's own parameter name. (xapi also
 * writes dom0's shell `TMOUT` profile; here the value only drives the host console's idle monitor.)
 */
function setConsoleIdleTimeout(db: Database, host: string, value: number): void {
  db.require('host', host);
  if (value < 0) throw new XapiError('INVALID_VALUE', ['console_timeout', String(value)]);
  db.update('host', host, { console_idle_timeout: value });
}

/**
 * Host and pool messages with behaviour beyond the database: the hosts' clocks, syslog, certificates, master
 * transition, console idle timeouts of control domains.
 */
export function hostMethods(db: Database, services: HostServices): MethodSpec[] {
  const hostParam = param('host', 'host ref');
  const value = param('value', 'int');
  return [
    {
      name: 'host.set_console_idle_timeout',
      session: true,
      params: [param('self', 'host ref'), value],
      role: roleOf('host', 'set_console_idle_timeout'),
      call: (_, [host, seconds]) => {
        setConsoleIdleTimeout(db, host as string, seconds as number);
        return VOID;
      },
    },
    {
      // `Xapi_pool.Ssh.operate`: every host is tried; the ones that failed are named, last tried first.
      name: 'pool.set_console_idle_timeout',
      session: true,
      params: [param('self', 'pool ref'), value],
      role: roleOf('pool', 'set_console_idle_timeout'),
      call: (_, [pool, seconds]) => {
        db.require('pool', pool as string);
        const failed: string[] = [];
        for (const host of db.refs('host')) {
          try {
            setConsoleIdleTimeout(db, host, seconds as number);
          } catch {
            failed.unshift(host);
          }
        }
        if (failed.length) throw new XapiError('SET_CONSOLE_TIMEOUT_PARTIALLY_FAILED', failed);
        return VOID;
      },
    },
    {
      name: 'host.syslog_reconfigure',
      session: true,
      params: [hostParam],
      role: roleOf('host', 'syslog_reconfigure'),
      // Rewrites dom0's syslog configuration from `logging:syslog_destination`; nothing to model past the check.
      call: (_, [host]) => {
        db.require('host', host as string);
        return VOID;
      },
    },
    {
      // The simulated hosts share this machine's clock (UTC, whole seconds as XML-RPC carries them).
      name: 'host.get_servertime',
      session: true,
      params: [hostParam],
      role: roleOf('host', 'get_servertime'),
      call: (_, [host]) => {
        db.require('host', host as string);
        return new Date(Math.floor(Date.now() / 1000) * 1000);
      },
    },
    {
      name: 'host.get_server_certificate',
      session: true,
      params: [hostParam],
      role: roleOf('host', 'get_server_certificate'),
      call: (_, [host]) => {
        db.require('host', host as string);
        return services.certificateOf(host as string);
      },
    },
    {
      name: 'host.refresh_server_certificate',
      session: true,
      params: [hostParam],
      role: roleOf('host', 'refresh_server_certificate'),
      call: (_, [host]) => {
        db.require('host', host as string);
        services.refreshCertificate(host as string);
        return '';
      },
    },
    {
      name: 'pool.designate_new_master',
      session: true,
      params: [hostParam],
      role: roleOf('pool', 'designate_new_master'),
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
